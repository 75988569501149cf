// The tile kernels' exp (kernel/tile_math.inc's vexp) on whole arrays, on a chosen vector unit, so
// that tests can hold it to its accuracy bound over the whole range the kernels give it (up to
// exp_margin).
#pragma once

#include <span>

#include "attn/kernel/streaming.hpp"

namespace attn {

// y = exp(x) lane by lane with the kernels' vexp on `unit` (resolved as the kernels resolve it),
// for x ≤ exp_margin (kernel/streaming.hpp); x and y have the same size, any size.
void vector_exp(VectorUnit unit, std::span<const double> x, std::span<double> y);
void vector_exp(VectorUnit unit, std::span<const float> x, std::span<float> y);

}  // namespace attn
