// The backward pass as a worked solution: each step of a GradTrace, with every product for small
// inputs, and the story of one cell of dq, dk, dv, dα or dβ (`attn grad --explain dq:I,J`).
#pragma once

#include <cstddef>
#include <string>

#include "attn/core/grad.hpp"
#include "attn/core/heads.hpp"
#include "attn/core/trace.hpp"
#include "attn/render/text.hpp"

namespace attn {

// Whole worked backward pass of one head: the upstream gradient (and the loss it came from),
// dV, dα, the softmax's backward row by row, the softcap's and the bias's, dq and dk; then the
// three results. `show_dbias` adds ∂L/∂b.
std::string render_grad_steps(const Trace& t, const GradTrace& g, const Loss& loss, bool show_dbias,
                              const TextOptions& options = {});

// Every head under a heading, then dq, dk and dv of the whole layer (dk, dv summed over the
// query heads that share a key/value head).
std::string render_grad_run(const Run& run, const GradRun& grad, const Loss& loss, bool show_dbias,
                            const TextOptions& options = {});

enum class GradCell { dq, dk, dv, dalpha, dbeta };

// "dq:1,0" → (dq, 1, 0), and dk:, dv:, dalpha:, dbeta:; "1,0" is dq. Throws a usage error naming
// --explain otherwise.
struct GradCellRef {
  GradCell which = GradCell::dq;
  std::size_t i = 0, j = 0;
};
GradCellRef parse_grad_cell(const std::string& text);

// The story of one cell: dq[i, t] = c·Σ_l dS_il·k_lt with each dS_il traced back to dO, v and α;
// dk[j, t] = c·Σ_i dS_ij·q_it likewise; dv[j, c] = Σ_i α_ij·dO_ic; dα[i, j] = Σ_c dO_ic·v_jc;
// dβ[i, j] = α_ij·(dα_ij − D_i) with D_i = Σ_l α_il·dα_il. Throws a usage error naming --explain
// when the cell is outside the matrix.
std::string explain_grad_cell(const Trace& t, const GradTrace& g, const GradCellRef& cell,
                              const NumberStyle& style = {});

}  // namespace attn
