// libFuzzer target: a NumPy .npz archive (attn::npy::read_npz: libzip, then each member as .npy),
// as `attn attend --q FILE.npz` reads it. The bytes are handed over in a memfd, read through a
// symbolic link FILE.npz → /proc/self/fd/N, so that nothing is written to disk per input. The
// first byte picks the member: q, k, v, or a name no archive has.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "attn/core/error.hpp"
#include "attn/io/npy.hpp"
#include "attn/io/npz.hpp"

namespace {

// One memfd and its .npz-named link for the whole run, rewritten for each input.
struct Archive {
  int fd = ::memfd_create("attn-npz-fuzz", 0);
  std::filesystem::path link = std::filesystem::temp_directory_path() /
                               ("attn-npz-fuzz-" + std::to_string(::getpid()) + ".npz");
  Archive() {
    if (fd < 0) std::abort();
    std::filesystem::remove(link);
    std::filesystem::create_symlink("/proc/self/fd/" + std::to_string(fd), link);
  }
  ~Archive() { std::filesystem::remove(link); }
  void hold(const std::uint8_t* data, std::size_t size) const {
    if (::ftruncate(fd, 0) != 0) std::abort();
    if (size > 0 && ::pwrite(fd, data, size, 0) != static_cast<ssize_t>(size)) std::abort();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const Archive archive;
  archive.hold(data + 1, size - 1);
  static const char* const kMembers[] = {"q", "k", "v", "missing"};
  try {
    const attn::npy::NpyArray a = attn::npz::read(archive.link, kMembers[data[0] % 4]);
    const attn::Matrix m = a.to_matrix();
    if (m.rows() != a.rows || m.cols() != a.cols) __builtin_trap();
  } catch (const attn::Error&) {
  }
  return 0;
}
