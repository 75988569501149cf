// libFuzzer target: a NumPy .npz archive (attn::npy::read_npz: libzip, then each member as .npy),
// as `attn attend --q FILE.npz` reads it. The bytes are handed over in a memfd, read through a
// symbolic link FILE.npz → /proc/self/fd/N, so that nothing is written to disk per input. The
// first byte picks the member: q, k, v, or a name no archive has.

#include <cstddef>
#include <cstdint>
#include <string>

#include "attn/core/error.hpp"
#include "attn/io/npy.hpp"
#include "attn/io/npz.hpp"
#include "memory_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const MemoryFile archive("npz", ".npz");
  archive.hold(data + 1, size - 1);
  static const char* const kMembers[] = {"q", "k", "v", "missing"};
  try {
    const attn::npy::NpyArray a = attn::npz::read(archive.path(), kMembers[data[0] % 4]);
    const attn::Matrix m = a.to_matrix();
    if (m.rows() != a.rows || m.cols() != a.cols) __builtin_trap();
  } catch (const attn::Error&) {
  }
  return 0;
}
