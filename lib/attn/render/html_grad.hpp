// `attn grad --html FILE`: one self-contained web page of the backward pass, laid out as the
// forward pages are (render/html.hpp): the inputs and the forward weights, then each step back
// (dO, dV = αᵀdO, dα = dO vᵀ, dβ = α ⊙ (dα − D), the softcap's and the bias's gradients when
// there are any, dq and dk) as a heatmap under its formula. Every cell of dq, dk and dv carries
// the text `attn grad --explain dq:I,J` (dk:J,T, dv:J,C) prints for it, produced by grad_text and
// embedded; the page's script only shows it. Several heads get a head switcher and the layer's
// dO, dq, dk and dv (dk and dv summed over the heads sharing a key/value head).
#pragma once

#include <string>

#include "attn/core/grad.hpp"
#include "attn/core/heads.hpp"
#include "attn/render/html.hpp"

namespace attn {

std::string render_grad_html(const Run& run, const GradRun& grad, const Loss& loss, bool show_dbias,
                             const HtmlOptions& options = {});

}  // namespace attn
