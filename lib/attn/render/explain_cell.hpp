// Every term of one cell of a computed trace, for `--explain I,J` on score, weights and attend:
// each product of q_i · k_j and their sum, the scale, the bias, the softcap, the mask and the rule
// that set it, exp(β_ij − m_i), the row sum, α_ij, and α_ij·v_j's share of o_i.
#pragma once

#include <cstddef>
#include <string>

#include "attn/core/attention.hpp"
#include "attn/render/format.hpp"
#include "attn/io/input.hpp"

namespace attn {

// The worked story of cell (i, j), one step per line, up to `stage`. `t` is the trace of `in`
// (for one head of a multi-head run, the products are shown when in.problem.q has that head's
// d_k columns, and s_ij alone otherwise). The mask's rule comes from MaskExpr::explain when
// in.mask_expr is set (a given mask matrix has no rule to show). Throws usage_error naming
// --explain when (i, j) is outside the n_q × n_k scores.
std::string explain_cell(const LoadedInput& in, const Trace& t, Stage stage, std::size_t i,
                         std::size_t j, const NumberStyle& style = {});

}  // namespace attn
