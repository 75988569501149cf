// libFuzzer target: a safetensors file as `attn attend --q FILE.safetensors` reads it
// (attn::safetensors::read_index, then each tensor it lists). The bytes are handed over in a memfd
// read through a symbolic link FILE.safetensors → /proc/self/fd/N, so nothing is written to disk
// per input. Every tensor the index accepts must lie inside the buffer and read back with as many
// bytes as its shape and dtype say.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "attn/core/error.hpp"
#include "attn/io/safetensors.hpp"

namespace {

// One memfd and its link for the whole run, rewritten for each input.
struct File {
  int fd = ::memfd_create("attn-safetensors-fuzz", 0);
  std::filesystem::path link =
      std::filesystem::temp_directory_path() /
      ("attn-safetensors-fuzz-" + std::to_string(::getpid()) + ".safetensors");
  File() {
    if (fd < 0) std::abort();
    std::filesystem::remove(link);
    std::filesystem::create_symlink("/proc/self/fd/" + std::to_string(fd), link);
  }
  ~File() { std::filesystem::remove(link); }
  void hold(const std::uint8_t* data, std::size_t size) const {
    if (::ftruncate(fd, 0) != 0) std::abort();
    if (size > 0 && ::pwrite(fd, data, size, 0) != static_cast<ssize_t>(size)) std::abort();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const File file;
  file.hold(data, size);
  try {
    const attn::safetensors::Index index = attn::safetensors::read_index(file.link);
    for (const attn::safetensors::Entry& e : index.tensors) {
      if (e.begin > e.end || index.buffer_start + e.end > size) __builtin_trap();
      const attn::Tensor t = attn::safetensors::read(file.link, e.name);
      if (t.count() * attn::dtype_size(t.dtype()) != e.end - e.begin) __builtin_trap();
    }
  } catch (const attn::Error&) {
  }
  return 0;
}
