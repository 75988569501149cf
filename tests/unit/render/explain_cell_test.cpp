#include "attn/render/explain_cell.hpp"

#include <doctest/doctest.h>

#include "attn/core/attention.hpp"
#include "attn/core/error.hpp"
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

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("explain_cell: a blocked cell, by hand") {
  const attn::Trace t = attn::run_attention(identity_problem(), attn::Stage::output);
  const std::string s = attn::explain_cell(t, 0, 1);
  CAPTURE(s);
  // s_01 = q_0 · k_1 = 1×0 + 0×1 = 0
  CHECK(has(s, "s_01 = q_0 · k_1 = 1×0 + 0×1 = 0\n"));
  // c = 1/√2 = 0.7071
  CHECK(has(s, "c = 1/√d_k = 1/√2 = 0.7071"));
  CHECK(has(s, "M_01 = -inf (blocked)"));
  CHECK(has(s, "blocked by causal"));
  CHECK(has(s, "β_01 = -inf"));
  // row 0 holds only β_00 = 0.7071, so α_01 = 0
  CHECK(has(s, "exp(β_01 − m_0) = exp(-inf) = 0"));
  CHECK(has(s, "α_01 = 0 / 1 = 0"));
}

TEST_CASE("explain_cell: an allowed cell down to its share of the output") {
  const attn::Trace t = attn::run_attention(identity_problem(), attn::Stage::output);
  const std::string s = attn::explain_cell(t, 1, 0);
  CAPTURE(s);
  // s_10 = 0×1 + 1×0 = 0, so β_10 = 0; β_11 = 1/√2 = 0.7071 is the row max m_1.
  CHECK(has(s, "β_10 = 0\n"));
  CHECK(has(s, "m_1 = 0.7071"));
  // exp(0 − 0.7071) = 0.4931; row sum = 0.4931 + 1 = 1.4931; α_10 = 0.4931/1.4931 = 0.3302
  CHECK(has(s, "exp(β_10 − m_1) = exp(-0.7071) = 0.4931"));
  CHECK(has(s, "row sum Σ_j exp(β_1j − m_1) = 1.4931"));
  CHECK(has(s, "α_10 = 0.4931 / 1.4931 = 0.3302"));
  // α_10 = e^−0.70711 / (1 + e^−0.70711) = 0.49307 / 1.49307 = 0.33024, α_11 = 0.66976.
  // α_10·v_0 = 0.33024×[1, 2] = [0.3302, 0.6605]; o_1 = 0.33024·[1, 2] + 0.66976·[3, 4]
  //   = [0.33024 + 2.00928, 0.66048 + 2.67905] = [2.3395, 3.3395];
  // shares 0.33024/2.33952 = 14.1%, 0.66048/3.33952 = 19.8%
  CHECK(has(s, "= [0.3302, 0.6605]"));
  CHECK(has(s, "o_1 = [2.3395, 3.3395]"));
  CHECK(has(s, "14.1%, 19.8%"));
}

TEST_CASE("explain_cell stops at the stage asked for") {
  const attn::Trace t = attn::run_attention(identity_problem(), attn::Stage::scores);
  const std::string s = attn::explain_cell(t, 1, 1);
  CHECK(has(s, "β_11 = 0.7071\n"));
  CHECK_FALSE(has(s, "softmax"));
}

TEST_CASE("explain_cell names a cell outside the scores") {
  const attn::Trace t = attn::run_attention(identity_problem(), attn::Stage::scores);
  CHECK_THROWS_WITH_AS(attn::explain_cell(t, 2, 0),
                       "--explain 2,0: the cell is outside the 2×2 scores", attn::Error);
}
