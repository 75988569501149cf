// Solving an exercise: every answer, and every number its worked solution shows, computed by the
// library (run_attention, weighted_sum, alibi_bias, relative_bias, MaskExpr, explain_scaling).
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

}  // namespace attn
