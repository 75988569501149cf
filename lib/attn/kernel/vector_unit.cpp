#include "attn/kernel/vector_unit.hpp"

#if ATTN_X86
#include <cpuid.h>
#endif

namespace attn {

std::string_view vector_unit_name(VectorUnit unit) {
  switch (unit) {
    case VectorUnit::automatic:
      return vector_unit_name(best_vector_unit());
    case VectorUnit::sse2:
      return ATTN_X86 ? "sse2" : "generic";
    case VectorUnit::avx2:
      return "avx2";
    case VectorUnit::avx512:
      return "avx512";
  }
  return "generic";
}

#if ATTN_X86
namespace {
// F16C (CPUID leaf 1, ECX bit 29), asked of the CPU directly: Clang 14's __builtin_cpu_supports
// does not know the name.
bool cpu_has_f16c() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  return __get_cpuid(1, &eax, &ebx, &ecx, &edx) != 0 && (ecx & bit_F16C) != 0;
}
}  // namespace
#endif

VectorUnit best_vector_unit() {
#if ATTN_X86
  static const VectorUnit best = [] {
    __builtin_cpu_init();
    const bool f16c = cpu_has_f16c();
    if (__builtin_cpu_supports("avx512f") && f16c) return VectorUnit::avx512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && f16c)
      return VectorUnit::avx2;
    return VectorUnit::sse2;
  }();
  return best;
#else
  return VectorUnit::sse2;
#endif
}

VectorUnit resolve_vector_unit(VectorUnit wanted) {
  const VectorUnit best = best_vector_unit();
  if (wanted == VectorUnit::automatic) return best;
  if (wanted == VectorUnit::avx512 && best != VectorUnit::avx512) return best;
  if (wanted == VectorUnit::avx2 && best == VectorUnit::sse2) return best;
  return wanted;
}

}  // namespace attn
