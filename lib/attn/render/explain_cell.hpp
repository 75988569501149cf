// Every term of one cell of a computed trace, for `--explain I,J` on score, weights and attend:
// each product of q_i · k_j and their sum, the scale, the bias, the softcap, the mask and the rule
// that set it, exp(β_ij − m_i), the row sum, α_ij, and α_ij·v_j's share of o_i.
#pragma once

#include <cstddef>
#include <string>

#include "attn/core/trace.hpp"
#include "attn/render/format.hpp"

namespace attn {

// The worked story of cell (i, j), one step per line, in the order the trace computed them. The
// mask's rule comes from the trace's mask label (a given mask matrix has no rule to show).
// Throws usage_error naming --explain when (i, j) is outside the n_q × n_k scores.
std::string explain_cell(const Trace& t, std::size_t i, std::size_t j,
                         const NumberStyle& style = {});

}  // namespace attn
