#include "attn/mask/translate_alibi.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "attn/core/bias.hpp"
#include "attn/core/error.hpp"

using attn::AlibiQuery;
using attn::Align;
using attn::BiasAgreement;
using attn::BiasTranslation;
using attn::Geometry;
using attn::Library;
using attn::Matrix;

namespace {

AlibiQuery heads(std::size_t h, std::size_t head, Geometry g, bool symmetric = false) {
  return {g, attn::alibi_slopes(h), head, false, symmetric};
}

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

bool any_note(const BiasTranslation& t, std::string_view part) {
  for (const std::string& n : t.notes)
    if (contains(n, part)) return true;
  return false;
}

}  // namespace

TEST_CASE("compare_bias: the same, the same up to a constant per row, or different") {
  const Matrix a{{0.0, 1.0}, {-1.0, 0.0}};
  CHECK(attn::compare_bias(a, a) == BiasAgreement::exact);
  // Row 0 shifted by 5, row 1 by −2: softmax cannot tell.
  CHECK(attn::compare_bias(Matrix{{5.0, 6.0}, {-3.0, -2.0}}, a) == BiasAgreement::row_constant);
  CHECK(attn::compare_bias(Matrix{{0.0, -1.0}, {-1.0, 0.0}}, a) == BiasAgreement::differs);
  // float32 rounding of a slope is not a difference: 2^−0.5 in float32 is 0.70710677.
  const double m = std::sqrt(0.5);
  CHECK(attn::compare_bias(Matrix{{static_cast<float>(m)}}, Matrix{{m}}) == BiasAgreement::exact);
  CHECK(attn::agreement_name(BiasAgreement::row_constant) == "row-constant");
}

// flash-attn: alibi_slopes adds −m·|i + S − L − j| (flash_attn_func's docstring).
TEST_CASE("translate_alibi: flash-attn's ALiBi is symmetric") {
  SUBCASE("one head, 2×2: flash-attn gives [[0, −m], [−m, 0]], attn's alibi [[0, m], [−m, 0]]") {
    const double m = 1.0 / 256;
    const BiasTranslation t = attn::translate_alibi(heads(1, 0, {2, 2}), Library::flash_attn);
    CHECK_FALSE(t.native);  // through SDPA with a float mask
    CHECK(t.agreement == BiasAgreement::exact);
    REQUIRE(t.naive);
    CHECK(t.naive_agreement == BiasAgreement::differs);
    CHECK(contains(t.naive->code, "alibi_slopes = torch.tensor([0.00390625]"));
    CHECK(t.naive->bias == Matrix{{0.0, -m}, {-m, 0.0}});
    CHECK(any_note(t, "with causal=True the two give the same attention"));
  }
  SUBCASE("alibi:symmetric is flash-attn's own, bottom-right") {
    // 2×3, p = 1, 2, m = 1/16 for head 1 of 2: −m·|p − j|.
    const double m = 1.0 / 16;
    const BiasTranslation t = attn::translate_alibi(heads(2, 0, {2, 3}, true), Library::flash_attn);
    CHECK(t.native);
    CHECK(t.agreement == BiasAgreement::exact);
    CHECK(t.spelling.bias == Matrix{{-m, 0.0, -m}, {-2 * m, -m, 0.0}});
    CHECK_FALSE(t.naive);
  }
  SUBCASE("top-left with N ≠ M: flash-attn still places the queries bottom-right") {
    const BiasTranslation t =
        attn::translate_alibi(heads(1, 0, {2, 3, Align::top_left}, true), Library::flash_attn);
    CHECK_FALSE(t.native);
    CHECK(any_note(t, "bottom-right"));
  }
}

// attention-gym: generate_alibi_bias(H) adds (kv_idx − q_idx)·2^(−8(h+1)/H).
TEST_CASE("translate_alibi: attention-gym's slopes, and its top-left q_idx") {
  SUBCASE("3 heads: 2^(−8/3), 2^(−16/3), 2^(−8) against BLOOM's 2^−4, 2^−8, 2^−2") {
    const BiasTranslation t = attn::translate_alibi(heads(3, 0, {2, 2}), Library::flex);
    CHECK(t.native);  // a score_mod of attn's own
    CHECK(t.agreement == BiasAgreement::exact);
    CHECK(contains(t.spelling.code, "return score + slopes[h] * (j - p)"));
    REQUIRE(t.naive);
    // gym's head 1: 2^(−8/3) = 0.15749; attn's 2^−4 = 0.0625.
    CHECK(t.naive->bias(0, 1) == doctest::Approx(std::exp2(-8.0 / 3)).epsilon(1e-7));
    CHECK(any_note(t, "0.1575, 0.0248, 0.003906 for 3 heads"));
    CHECK(any_note(t, "0.0625, 0.003906, 0.25"));
  }
  SUBCASE("8 heads, 2×4 bottom-right: gym's own, off by m·(S − L) per row") {
    // attn: ½·(j − i − 2); gym: ½·(j − i), the same in every row up to +1.
    const BiasTranslation t = attn::translate_alibi(heads(8, 0, {2, 4}), Library::flex);
    CHECK(t.native);
    CHECK(t.agreement == BiasAgreement::row_constant);
    CHECK(contains(t.spelling.code, "generate_alibi_bias(8)"));
    CHECK(t.spelling.bias == Matrix{{0.0, 0.5, 1.0, 1.5}, {-0.5, 0.0, 0.5, 1.0}});
  }
  SUBCASE("a given slope has no gym helper: the score_mod alone") {
    const BiasTranslation t =
        attn::translate_alibi({{2, 2}, {0.25}, 0, true, false}, Library::flex);
    CHECK(t.agreement == BiasAgreement::exact);
    CHECK(contains(t.spelling.code, "m = 0.25"));
    CHECK_FALSE(t.naive);
  }
}

// BLOOM's build_alibi_tensor adds m_h·j with the same slopes.
TEST_CASE("translate_alibi: BLOOM adds m·j, the same softmax") {
  // 12 heads, head 9: m = 2^(−4·1/8) = 0.70711; 2×3 bottom-right, rows differ by m·p = m, 2m.
  const BiasTranslation t = attn::translate_alibi(heads(12, 8, {2, 3}), Library::hf);
  CHECK(t.native);
  CHECK(t.agreement == BiasAgreement::row_constant);
  CHECK(t.spelling.bias(1, 2) == doctest::Approx(2 * std::sqrt(0.5)).epsilon(1e-7));
  CHECK(t.spelling.bias(0, 0) == 0.0);
  const BiasTranslation sym = attn::translate_alibi(heads(12, 8, {2, 3}, true), Library::hf);
  CHECK_FALSE(sym.native);
  CHECK(sym.naive_agreement == BiasAgreement::differs);
}

TEST_CASE("translate_alibi: the float-tensor libraries, evaluated from the printed formula") {
  for (Library lib : {Library::torch_sdpa, Library::torch_mha, Library::xformers, Library::d2l}) {
    CAPTURE(attn::library_name(lib));
    // 3×2 bottom-right, p = −1, 0, 1; m = ½.
    const BiasTranslation t = attn::translate_alibi({{3, 2}, {0.5}, 0, true, false}, lib);
    CHECK(t.agreement == BiasAgreement::exact);
    CHECK_FALSE(t.native);
    CHECK(contains(t.spelling.code, "bias = m * (j - p)"));
    CHECK(t.spelling.bias == Matrix{{0.5, 1.0}, {0.0, 0.5}, {-0.5, 0.0}});
  }
  const BiasTranslation sym =
      attn::translate_alibi({{2, 2}, {0.5}, 0, true, true}, Library::torch_sdpa);
  CHECK(contains(sym.spelling.code, "bias = -m * (p - j).abs()"));
  CHECK(sym.spelling.bias == Matrix{{0.0, -0.5}, {-0.5, 0.0}});
}

TEST_CASE("translate_alibi: every library gives attn's attention, for every head and shape") {
  for (const Geometry g : {Geometry{3, 3}, Geometry{2, 5, Align::bottom_right},
                           Geometry{2, 5, Align::top_left}, Geometry{4, 2, Align::bottom_right}})
    for (std::size_t h : {1u, 3u, 8u})
      for (std::size_t head = 0; head < h; ++head)
        for (bool symmetric : {false, true})
          for (Library lib : attn::all_libraries()) {
            CAPTURE(attn::library_name(lib));
            CAPTURE(h);
            CAPTURE(head);
            CAPTURE(symmetric);
            const BiasTranslation t = attn::translate_alibi(heads(h, head, g, symmetric), lib);
            CHECK(t.agreement != BiasAgreement::differs);
          }
  CHECK_THROWS_AS(attn::alibi_of({{2, 2}, {0.5}, 1, true, false}), attn::Error);
}
