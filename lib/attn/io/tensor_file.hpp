// Tensor files named on the command line, whatever their format:
//   FILE.npy                    one NumPy array (io/npy)
//   FILE.npz, FILE.npz:NAME     an array of a NumPy archive (io/npz): NAME, or the caller's default
//   FILE.safetensors[:NAME]     a tensor of a safetensors file (io/safetensors), the same way
// Suffixes are matched without regard to case.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "attn/io/tensor.hpp"

namespace attn {

class OutputBatch;  // io/output_file

enum class TensorFormat { npy, npz, safetensors };

struct TensorSource {
  std::string path;
  TensorFormat format = TensorFormat::npy;
  std::optional<std::string> member;  // NAME after the colon
};

// The source a text names, or nothing when it names no tensor file.
std::optional<TensorSource> tensor_source(std::string_view text);
bool is_tensor_path(std::string_view text);

// A tensor read from its source, with the name its messages use: "q.npy", "qkv.npz:q.npy",
// "layer.safetensors:q".
struct NamedTensor {
  std::string name;
  Tensor tensor;
};

// Reads the tensor; an archive or safetensors file without :NAME gives `member`'s tensor.
NamedTensor read_tensor(const TensorSource& source, std::string_view member);
// The same from the text naming it; a usage error when it names no tensor file.
NamedTensor read_tensor(std::string_view text, std::string_view member);

// Writes t to path as .npy or .safetensors (the tensor named `name`), chosen by the suffix; a
// usage error naming `flag` for any other suffix. With a batch, the file is added to it and
// appears when the batch is committed (io/output_file).
void write_tensor(const std::filesystem::path& path, Tensor& t, std::string_view name,
                  std::string_view flag, OutputBatch* batch = nullptr);
// Whether write_tensor can write to this path's format; the usage error it would throw, if not.
void check_writable(std::string_view path, std::string_view flag);

// Bytes to keep before a tensor's elements so write_tensor can put any header there (io/tensor).
inline constexpr std::size_t header_headroom = 4096;

}  // namespace attn
