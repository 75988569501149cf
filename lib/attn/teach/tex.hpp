// The markup of prompts, options and worked solutions: plain ASCII text with LaTeX math between
// `$…$`. Built from numbers here (tex_num, tex_tuple, tex_bmatrix: formatting, never arithmetic)
// and turned into Unicode text, GitHub Markdown, LaTeX or HTML for the LMS exports.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "attn/core/matrix.hpp"
#include "attn/mask/expr.hpp"
#include "attn/render/format.hpp"

namespace attn {

inline const NumberStyle answer_style{3};  // answers are asked to 3 decimals
inline const NumberStyle work_style{4};    // intermediate values

// ---- Converting markup --------------------------------------------------------------------------

// As Unicode text: $\beta = q \cdot k / \sqrt{d_k}$ → β = q · k / √d_k.
std::string markup_to_text(std::string_view markup);
// As GitHub Markdown: math in $`…`$, which GitHub never mistakes for emphasis.
std::string markup_to_markdown(std::string_view markup);
// As LaTeX: text escaped, math kept (with a line break allowed after each ", ").
std::string markup_to_latex(std::string_view markup);
// As HTML for Moodle (whose MathJax filter reads \( … \)): text escaped for HTML, math kept in
// \( … \) with <, > and & escaped.
std::string markup_to_html(std::string_view markup);
// LaTeX math (the inside of $…$) as Unicode text.
std::string tex_to_text(std::string_view math);

// ---- Numbers as markup math (the inside of $…$)
// ---------------------------------------------------

// −∞ is \infty, the rest as format_number writes it.
std::string tex_num(double x, const NumberStyle& style = work_style);
// A factor in a product: negative values in parentheses.
std::string tex_factor(double x, const NumberStyle& style = work_style);
// (a, b, c) for one row.
std::string tex_tuple(std::span<const double> row, const NumberStyle& style = work_style);
// \begin{bmatrix} … \end{bmatrix}.
std::string tex_bmatrix(const Matrix& m, const NumberStyle& style = work_style);
// A 0/1 mask as a bmatrix of 1 and 0.
std::string tex_bmatrix(const BoolMatrix& m);
// A mask applied to scores, as the course prints it: \text{Score} where kept, -\infty where masked.
std::string tex_applied_bmatrix(const BoolMatrix& m);

// [a, b, c] or [[a, b], [c, d]] in plain text; −∞ is -inf.
std::string text_value(const Matrix& m, const NumberStyle& style = answer_style);

}  // namespace attn
