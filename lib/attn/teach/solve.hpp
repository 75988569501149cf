// Solving an exercise: every answer, and every number its worked solution shows, computed by the
// library (run_attention, weighted_sum, alibi_bias, relative_bias, MaskExpr, explain_scaling,
// run_backward, apply_rope).
#pragma once

#include <cstddef>
#include <cstdint>

#include "attn/teach/question.hpp"

namespace attn {

// Computes q.answer (and q.trace, q.bias_matrix, q.cell_bias, q.distance, q.figures) from q's
// inputs. Throws data_error when the inputs do not make a question of q.kind (e.g. no choice
// matches the right mask, or two do).
void solve(Question& q);

// The numbers an analyse question quotes: one row of `attn explain scaling` for d_k, with `keys`
// keys per query, `trials` draws and the experiment's own seed.
ScalingFigures measure_scaling(std::size_t d_k, std::size_t keys, std::size_t trials,
                               std::uint64_t seed);

// The rotation of a rope question: base 10000 (so θ = 1 for its one pair of dimensions), the
// query at position m and the key at n.
RopeOptions rope_question_options(std::int64_t m, std::int64_t n);

// The forward pass of a gradient question, given by its weights rather than its scores: α, the
// mask's 0/−∞ as the scores (so that the backward pass knows the blocked keys), v = I so that
// dO = dα, the keys k (n × d_k; zeros of width 1 when the question has none), q = 0 and
// c = 1/√d_k. run_backward(trace, dα) is then the question's backward pass.
Trace gradient_forward(const Matrix& alpha, const std::optional<Matrix>& mask_row,
                       const std::optional<Matrix>& k);

}  // namespace attn
