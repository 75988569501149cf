// .npz archives, as np.savez and np.savez_compressed write them: a zip file (zip64 members, stored
// or deflated) of .npy files, one per array. Each member is read by io/npy as it inflates.
//
// Needs attn built with libzip (ATTN_HAVE_LIBZIP); otherwise supported() is false and the readers
// throw a data_error saying so.
//
// Errors: a missing or unreadable archive is Exit::no_input; a file that is not a zip archive, a
// member that fails its CRC or does not inflate, or a member that is not a valid .npy file is
// Exit::data. Messages name the archive, and the member as "path:q.npy".
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "attn/io/npy.hpp"

namespace attn::npz {

bool supported() noexcept;

// The arrays in the archive, in archive order, named as np.load(path).files names them: the
// member name without ".npy" (np.savez(f, q=q, k=k) gives {"q", "k"}).
std::vector<std::string> names(const std::filesystem::path& path);

// Reads one array; array "q" is the member "q.npy". A missing array is a data_error that lists
// the arrays there are.
npy::NpyArray read(const std::filesystem::path& path, std::string_view array);
// The same as a tensor of any dtype and rank (io/npy's read_tensor).
Tensor read_tensor(const std::filesystem::path& path, std::string_view array);

}  // namespace attn::npz
