// Which vector unit runs the tile kernels: AVX-512, AVX2 with FMA, or SSE2 (the portable
// default), asked of the processor once at run time.
#pragma once

#include <cstddef>
#include <string_view>

// 1 where the processor is an x86 and the AVX copies of the kernels exist
// (kernel/vector_units.inc).
#if defined(__x86_64__) || defined(__i386__)
#define ATTN_X86 1
#else
#define ATTN_X86 0
#endif

namespace attn {

// Which vector code runs the tiles. `automatic` takes the widest the processor supports; asking
// for one it lacks falls back to the widest it has.
enum class VectorUnit { automatic, sse2, avx2, avx512 };

// "avx512", "avx2", "sse2" (or "generic" off x86-64).
std::string_view vector_unit_name(VectorUnit unit);
// The unit `automatic` picks on this machine.
VectorUnit best_vector_unit();
// The unit that runs when `wanted` is asked for here.
VectorUnit resolve_vector_unit(VectorUnit wanted);
// Bytes in one row of the unit's register block (kernel/vector_units.inc: NV vectors of 16, 32 or
// 64 bytes), which d_v is padded to.
constexpr std::size_t block_bytes(VectorUnit unit) {
  return unit == VectorUnit::avx512 ? 4 * 64 : unit == VectorUnit::avx2 ? 2 * 32 : 2 * 16;
}

}  // namespace attn
