// The worked story of one query row and of one entry of the output, for the web page's row view:
// row i's scores, their largest m_i, each exp(β_ij − m_i), the sum, the weights α_i, and each
// key's part α_ij·v_j of o_i; entry o_ic as its sum of products α_ij·v_jc.
#pragma once

#include <cstddef>
#include <string>

#include "attn/core/trace.hpp"
#include "attn/render/format.hpp"

namespace attn {

// Row i of a trace that ran to the weights or further: one line per step of its softmax, then
// (with the output) one line per key. Throws usage_error when i is not a query row, or the trace
// has no softmax.
std::string explain_row(const Trace& t, std::size_t i, const NumberStyle& style = {});

// o_ic = Σ_j α_ij·v_jc, term by term, of a trace that ran to the output. Throws usage_error when
// (i, c) is outside o.
std::string explain_output_entry(const Trace& t, std::size_t i, std::size_t c,
                                 const NumberStyle& style = {});

}  // namespace attn
