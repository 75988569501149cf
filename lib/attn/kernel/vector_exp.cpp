// The kernels' exp on arrays, dispatched to the vector unit asked for (kernel/vector_exp.inc).
#include "attn/kernel/vector_exp.hpp"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <type_traits>
#include <utility>

#pragma GCC diagnostic ignored "-Wpsabi"  // as in kernel/streaming.cpp

namespace attn {
namespace {

template <class T, std::size_t Bytes>
using Vec [[gnu::vector_size(Bytes)]] = T;

#define ATTN_KERNEL_BODY "attn/kernel/vector_exp.inc"
#include "attn/kernel/vector_units.inc"
#undef ATTN_KERNEL_BODY

template <class T>
void dispatch(VectorUnit unit, std::span<const T> x, std::span<T> y) {
  if (x.size() != y.size()) throw std::invalid_argument("vector_exp: x and y differ in size");
  switch (resolve_vector_unit(unit)) {
#if ATTN_X86
    case VectorUnit::avx512:
      return avx512::exp_work(x, y);
    case VectorUnit::avx2:
      return avx2::exp_work(x, y);
#endif
    default:
      return sse2::exp_work(x, y);
  }
}

}  // namespace

void vector_exp(VectorUnit unit, std::span<const double> x, std::span<double> y) {
  dispatch(unit, x, y);
}
void vector_exp(VectorUnit unit, std::span<const float> x, std::span<float> y) {
  dispatch(unit, x, y);
}

}  // namespace attn
