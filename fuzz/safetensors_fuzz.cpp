// libFuzzer target: a safetensors file as `attn attend --q FILE.safetensors` reads it
// (attn::safetensors::read_index, then each tensor it lists). The bytes are handed over in a memfd
// read through a symbolic link FILE.safetensors → /proc/self/fd/N, so nothing is written to disk
// per input. Every tensor the index accepts must lie inside the buffer and read back with as many
// bytes as its shape and dtype say.

#include <cstddef>
#include <cstdint>
#include <string>

#include "attn/core/error.hpp"
#include "attn/io/safetensors.hpp"
#include "memory_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const MemoryFile file("safetensors", ".safetensors");
  file.hold(data, size);
  try {
    const attn::safetensors::Index index = attn::safetensors::read_index(file.path());
    for (const attn::safetensors::Entry& e : index.tensors) {
      if (e.begin > e.end || index.buffer_start + e.end > size) __builtin_trap();
      const attn::Tensor t = attn::safetensors::read(file.path(), e.name);
      if (t.count() * attn::dtype_size(t.dtype()) != e.end - e.begin) __builtin_trap();
    }
  } catch (const attn::Error&) {
  }
  return 0;
}
