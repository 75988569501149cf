#include "attn/teach/tex.hpp"

#include <doctest/doctest.h>

#include <limits>

using attn::Matrix;

TEST_CASE("markup_to_text, _markdown, _latex and _html") {
  CHECK(attn::markup_to_text("$\\beta = q \\cdot k / \\sqrt{d_k}$") == "β = q · k / √d_k");
  CHECK(attn::markup_to_text("a $-\\infty$ b") == "a -∞ b");
  CHECK(attn::markup_to_text("$m_h = 2^{-8h/H}$") == "m_h = 2^(-8h/H)");
  CHECK(attn::markup_to_text("$\\mathrm{Var}(cX) = c^2$") == "Var(cX) = c^2");
  CHECK(attn::markup_to_text("$\\frac{a+b}{2}$") == "(a+b)/2");
  CHECK(attn::markup_to_text("$\\lVert J \\rVert$") == "‖ J ‖");
  CHECK(attn::markup_to_latex("50% & $x_1$") == "50\\% \\& $x_1$");
  CHECK(attn::markup_to_latex("$(1, 2)$, 3") == "$(1,\\allowbreak 2)$, 3");
  CHECK(attn::markup_to_markdown("see $q \\cdot k$") == "see $`q \\cdot k`$");
  CHECK(attn::markup_to_html("a < b & $x < y$") == "a &lt; b &amp; \\(x &lt; y\\)");
  CHECK(attn::tex_to_text("\\sqrt{d_k}") == "√d_k");
}

TEST_CASE("numbers as markup: formatting only") {
  constexpr double inf = std::numeric_limits<double>::infinity();
  CHECK(attn::tex_num(-inf) == "-\\infty");
  CHECK(attn::tex_num(0.25) == "0.25");
  CHECK(attn::tex_factor(-0.5) == "(-0.5)");
  CHECK(attn::tex_factor(2) == "2");
  const double row[] = {1, -0.5, 0.12345};
  CHECK(attn::tex_tuple(row) == "(1, -0.5, 0.1235)");  // 4 decimals by default
  CHECK(attn::tex_tuple(row, attn::answer_style) == "(1, -0.5, 0.123)");
  CHECK(attn::tex_bmatrix(Matrix{{1, 2}, {3, -inf}}) ==
        "\\begin{bmatrix} 1 & 2 \\\\ 3 & -\\infty \\end{bmatrix}");
  CHECK(attn::tex_bmatrix(attn::BoolMatrix{{1, 0}, {1, 1}}) ==
        "\\begin{bmatrix} 1 & 0 \\\\ 1 & 1 \\end{bmatrix}");
  CHECK(attn::text_value(Matrix{{0.5}}) == "0.5");
  CHECK(attn::text_value(Matrix{{0.5, -inf}}) == "[0.5, -inf]");
  CHECK(attn::text_value(Matrix{{1, 2}, {3, 4}}) == "[[1, 2], [3, 4]]");
}
