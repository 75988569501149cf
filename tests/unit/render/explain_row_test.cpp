#include "attn/render/explain_row.hpp"

#include <doctest/doctest.h>

#include "attn/core/attention.hpp"
#include "attn/core/error.hpp"
#include "attn/core/rules.hpp"
#include "attn/mask/expr.hpp"

using attn::Matrix;

namespace {

// q = k = I (2×2), v = [[1, 2], [3, 4]], causal mask.
attn::Problem identity_problem() {
  attn::Problem p;
  p.q = Matrix{{1, 0}, {0, 1}};
  p.k = Matrix{{1, 0}, {0, 1}};
  p.v = Matrix{{1, 2}, {3, 4}};
  p.mask = attn::to_additive(attn::MaskExpr::causal().evaluate({2, 2}));
  p.mask_label = attn::mask_label(attn::MaskExpr::causal());
  return p;
}

}  // namespace

TEST_CASE("explain_row: the softmax of row 1 and each key's part of o_1, by hand") {
  const attn::Trace t = attn::run_attention(identity_problem(), attn::Stage::output);
  // β_1 = [0, 1/√2] = [0, 0.7071]; m_1 = 0.7071; exps [e^−0.70711, 1] = [0.4931, 1];
  // sum 1.4931; α_1 = [0.3302, 0.6698]; α_10·v_0 = 0.33024×[1, 2] = [0.3302, 0.6605],
  // α_11·v_1 = 0.66976×[3, 4] = [2.0093, 2.679]; o_1 = [2.3395, 3.3395]
  CHECK(attn::explain_row(t, 1) ==
        "Row i = 1: query 1 against every key\n"
        "  scores   β_1 = [0, 0.7071]\n"
        "  max      m_1 = 0.7071 (the largest unmasked score)\n"
        "  exps     exp(β_1j − m_1) = [0.4931, 1]\n"
        "  sum      Σ_j exp(β_1j − m_1) = 1.4931\n"
        "  weights  α_1 = exps / sum = [0.3302, 0.6698]; Σ_j α_1j = 1\n"
        "  output   o_1 = Σ_j α_1j · v_j, one part per key:\n"
        "           key 0: 0.3302 × [1, 2] = [0.3302, 0.6605]\n"
        "           key 1: 0.6698 × [3, 4] = [2.0093, 2.679]\n"
        "           o_1 = [2.3395, 3.3395]\n");
}

TEST_CASE("explain_row: a row with every key blocked, and a trace that stopped at β") {
  attn::Problem p = identity_problem();
  p.mask = Matrix{{0, 0}, {attn::neg_inf, attn::neg_inf}};
  p.mask_label = {};
  const attn::Trace t = attn::run_attention(p, attn::Stage::weights);
  // row 1 gets the default policy, zero weights; with Stage::weights there is no output part
  CHECK(attn::explain_row(t, 1) ==
        "Row i = 1: query 1 against every key\n"
        "  scores   β_1 = [-inf, -inf]\n"
        "  softmax  every key is blocked, so softmax is undefined; α_1 = [0, 0] (the empty-row "
        "policy)\n");
  CHECK_THROWS_AS(attn::explain_row(t, 2), attn::Error);
  const attn::Trace scores = attn::run_attention(p, attn::Stage::scores);
  CHECK_THROWS_AS(attn::explain_row(scores, 0), attn::Error);
}

TEST_CASE("explain_output_entry: o_ic as its sum of products") {
  const attn::Trace t = attn::run_attention(identity_problem(), attn::Stage::output);
  // o_11 = α_10·v_01 + α_11·v_11 = 0.33024×2 + 0.66976×4 = 0.66048 + 2.67905 = 3.33952
  CHECK(attn::explain_output_entry(t, 1, 1) ==
        "Entry (i = 1, c = 1) of the output: query 1, column 1 of v\n"
        "  o_11 = Σ_j α_1j · v_j1\n"
        "       = 0.3302×2 + 0.6698×4\n"
        "       = 0.6605 + 2.679\n"
        "       = 3.3395\n");
  CHECK_THROWS_AS(attn::explain_output_entry(t, 0, 2), attn::Error);
  const attn::Trace w = attn::run_attention(identity_problem(), attn::Stage::weights);
  CHECK_THROWS_AS(attn::explain_output_entry(w, 0, 0), attn::Error);
}
