// libFuzzer target: NumPy .npy bytes (attn::npy::decode), as if read from a file.
#include <cstddef>
#include <cstdint>
#include <span>

#include "attn/core/error.hpp"
#include "attn/io/npy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    attn::npy::NpyArray a = attn::npy::decode(std::span(data, size), "fuzz.npy");
    const attn::Matrix m = a.to_matrix();
    if (m.rows() != a.rows || m.cols() != a.cols) __builtin_trap();
    (void)attn::npy::first_non_finite(m.values());
    (void)a.to_f32();
    (void)attn::npy::shape_repr(a.shape);
  } catch (const attn::Error&) {
  }
  return 0;
}
