#include "attn/render/mask.hpp"

#include <doctest/doctest.h>

#include <string>

using attn::Align;
using attn::BoolMatrix;
using attn::Geometry;
using attn::MaskStyle;

namespace {

std::string render(std::string_view expr, std::size_t n_q, std::size_t n_k, MaskStyle style,
                   Align align = Align::bottom_right) {
  const Geometry g{n_q, n_k, align};
  const attn::MaskExpr e = attn::MaskExpr::parse(expr);
  return attn::render_mask(e.evaluate(g), g, e.to_string(), style);
}

}  // namespace

// causal on 2 queries × 3 keys, bottom-right: p = i + 1, so row 0 sees keys 0 and 1.
TEST_CASE("render_mask: symbol, with positions when p ≠ i") {
  CHECK(render("causal", 2, 3, MaskStyle::symbol) ==
        "causal — 2×3, bottom-right: query i sits at position p = i + 1\n"
        "  i  p  0 1 2  keys\n"
        "  0  1  ■ ■ ⬚  2\n"
        "  1  2  ■ ■ ■  3\n"
        "■ may attend, ⬚ blocked\n");
}

TEST_CASE("render_mask: bool") {
  CHECK(render("causal", 2, 3, MaskStyle::boolean, Align::top_left) ==
        "causal — 2×3, top-left: query i sits at position p = i\n"
        "  i  0 1 2  keys\n"
        "  0  1 0 0  1\n"
        "  1  1 1 0  2\n"
        "1 may attend, 0 blocked\n");
}

// −∞ is two columns wide, so every cell is.
TEST_CASE("render_mask: additive") {
  CHECK(render("causal", 2, 2, MaskStyle::additive) ==
        "causal — 2×2\n"
        "  i   0  1  keys\n"
        "  0   0 −∞  1\n"
        "  1   0  0  2\n"
        "0 may attend, −∞ blocked: M is added to the scores\n");
}

TEST_CASE("render_mask: score") {
  CHECK(render("window:1", 2, 2, MaskStyle::score) ==
        "window:1 — 2×2\n"
        "  i      0     1  keys\n"
        "  0  Score    −∞  1\n"
        "  1     −∞ Score  1\n"
        "Score may attend, −∞ blocked\n");
}

// 3 queries × 2 keys, bottom-right: p = i − 1, so row 0 sits before every key.
TEST_CASE("render_mask: a fully blocked row is flagged") {
  CHECK(render("causal", 3, 2, MaskStyle::symbol) ==
        "causal — 3×2, bottom-right: query i sits at position p = i − 1\n"
        "  i   p  0 1  keys\n"
        "  0  -1  ⬚ ⬚  0  every key blocked\n"
        "  1   0  ■ ⬚  1\n"
        "  2   1  ■ ■  2\n"
        "■ may attend, ⬚ blocked\n");
}

TEST_CASE("render_mask: key indices wider than a cell") {
  const std::string text = render("valid:9", 1, 11, MaskStyle::boolean);
  CHECK(text ==
        "valid:9 — 1×11, bottom-right: query i sits at position p = i + 10\n"
        "  i   p   0  1  2  3  4  5  6  7  8  9 10  keys\n"
        "  0  10   1  1  1  1  1  1  1  1  1  0  0  9\n"
        "1 may attend, 0 blocked\n");
}

TEST_CASE("render_side_by_side marks differing cells") {
  const BoolMatrix a{{1, 0}, {1, 1}};
  const BoolMatrix b{{1, 1}, {1, 1}};
  CHECK(attn::render_side_by_side({"attn", "other", "differs"}, {&a, &b}, MaskStyle::boolean, "") ==
        "attn   other   differs\n"
        "1 0    1 1     · ×\n"
        "1 1    1 1     · ·\n");
}

TEST_CASE("mask_to_json") {
  const BoolMatrix m{{1, 0}, {1, 1}};
  CHECK(
      attn::mask_to_json(m, Geometry{2, 2}, "causal").dump() ==
      R"({"mask":[[true,false],[true,true]],"expr":"causal","align":"bottom-right","visible":[1,2]})");
}

TEST_CASE("render_translation shows the naive spelling beside attn's mask") {
  const Geometry g{2, 3};
  const attn::MaskExpr e = attn::MaskExpr::causal();
  const BoolMatrix mask = e.evaluate(g);
  const std::string text = attn::render_translation(
      attn::translate(e, g, attn::Library::torch_sdpa), mask, MaskStyle::boolean);
  CHECK(text ==
        "PyTorch SDPA (torch.nn.functional.scaled_dot_product_attention)\n"
        "    from torch.nn.attention.bias import causal_lower_right\n"
        "    F.scaled_dot_product_attention(q, k, v, attn_mask=causal_lower_right(2, 3))\n"
        "  ✓ gives attn's mask\n"
        "  note: is_causal=True aligns top-left (keeps j ≤ i); attn's causal is bottom-right, so "
        "with N ≠ M use causal_lower_right (torch.nn.attention.bias)\n"
        "  ✗ careful: this gives a different mask:\n"
        "    F.scaled_dot_product_attention(q, k, v, is_causal=True)\n"
        "    attn's mask   that code   differs\n"
        "    1 1 0         1 0 0       · × ·\n"
        "    1 1 1         1 1 0       · · ×\n");
}

// A hand-built translation, so the view is pinned without the translator: the code, the verdict
// line, the notes, and the library's own ALiBi with the bias it adds (a format_table, indented).
TEST_CASE("render_bias_translation and bias_translation_to_json") {
  const auto table = [](const attn::Matrix& b) {
    attn::TableStyle style;
    style.number = attn::NumberStyle{1};
    style.row_labels = attn::index_labels("q", b.rows());
    style.col_labels = attn::index_labels("k", b.cols());
    std::string out;
    const std::string text = attn::format_table(b, style);
    for (std::size_t start = 0; start < text.size();) {
      const std::size_t end = text.find('\n', start);
      out += "  " + text.substr(start, end - start) + "\n";
      start = end + 1;
    }
    return out;
  };
  attn::BiasTranslation t;
  t.library = attn::Library::flash_attn;
  t.spelling = {"explicit()", attn::Matrix{{0.0, 0.5}}};
  t.agreement = attn::BiasAgreement::exact;
  t.notes = {"a note"};
  t.naive = attn::BiasSpelling{"own()", attn::Matrix{{0.0, -0.5}}};
  t.naive_agreement = attn::BiasAgreement::differs;
  CHECK(attn::render_bias_translation(t, attn::NumberStyle{1}) ==
        "flash-attn (flash_attn_func, alibi_slopes)\n"
        "    explicit()\n"
        "  ✓ gives attn's bias, as an explicit tensor (no native form)\n"
        "  note: a note\n"
        "  ✗ careful: the library's own ALiBi gives a different bias:\n"
        "    own()\n"
        "    it adds:\n" +
            table({{0.0, -0.5}}));
  CHECK(attn::bias_translation_to_json(t).dump() ==
        R"j({"library":"flash-attn","code":"explicit()","agreement":"exact","native":false,)j"
        R"j("bias":[[0.0,0.5]],"notes":["a note"],"naive":{"code":"own()",)j"
        R"j("agreement":"differs","bias":[[0.0,-0.5]]}})j");
  t.agreement = attn::BiasAgreement::row_constant;
  t.native = true;
  t.naive.reset();
  t.notes.clear();
  CHECK(attn::render_bias_translation(t, attn::NumberStyle{1}) ==
        "flash-attn (flash_attn_func, alibi_slopes)\n"
        "    explicit()\n"
        "  ✓ gives attn's attention: the bias differs by a constant in each row, which softmax "
        "cancels\n");
  t.agreement = attn::BiasAgreement::differs;
  CHECK(attn::render_bias_translation(t, attn::NumberStyle{1}) ==
        "flash-attn (flash_attn_func, alibi_slopes)\n"
        "    explicit()\n"
        "  ✗ does NOT give attn's bias; it adds:\n" +
            table({{0.0, 0.5}}));
}
