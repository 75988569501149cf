// The backward pass's worked solution and the story of one gradient cell.
#include "attn/render/grad_text.hpp"

#include <doctest/doctest.h>

#include <optional>
#include <string>

#include "attn/core/attention.hpp"
#include "attn/core/error.hpp"
#include "attn/core/rules.hpp"

using attn::Matrix;

namespace {

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Queries of q = 1 (one per row of dO) against k = [1; 0], v = [1; 0], c = 1, an additive mask if
// given; by default one query: α = [σ(1), σ(−1)] = [0.7311, 0.2689]; dO = 1.
struct OneQuery {
  attn::Trace t;
  attn::GradTrace g;
  explicit OneQuery(const Matrix& d_out = Matrix{{1}}, std::optional<Matrix> mask = std::nullopt) {
    attn::Problem p;
    p.q = Matrix(d_out.rows(), 1, 1.0);
    p.k = Matrix{{1}, {0}};
    p.v = Matrix{{1}, {0}};
    p.mask = std::move(mask);
    t = attn::run_attention(p, attn::Stage::output);
    g = attn::run_backward(t, d_out);
  }
  // What `attn grad --explain CELL` prints.
  std::string explain(const std::string& cell) const {
    return attn::explain_grad_cell(t, g, attn::parse_grad_cell(cell));
  }
};

}  // namespace

TEST_CASE("parse_grad_cell: dq by default, dk:, dv:, dalpha: and dbeta: by name") {
  CHECK(attn::parse_grad_cell("1,2").which == attn::GradCell::dq);
  const auto dk = attn::parse_grad_cell("dk:3,0");
  CHECK(dk.which == attn::GradCell::dk);
  CHECK(dk.i == 3);
  CHECK(dk.j == 0);
  CHECK(attn::parse_grad_cell("dv:0,1").which == attn::GradCell::dv);
  CHECK(attn::parse_grad_cell("dalpha:0,1").which == attn::GradCell::dalpha);
  CHECK(attn::parse_grad_cell("dbeta:0,1").which == attn::GradCell::dbeta);
  CHECK_THROWS_WITH_AS(attn::parse_grad_cell("dx:0,1"),
                       "--explain dx:0,1: 'dx' is not dq, dk, dv, dalpha or dbeta", attn::Error);
  CHECK_THROWS_WITH_AS(attn::parse_grad_cell("dq:1"),
                       "--explain dq:1: expected [dq:|dk:|dv:|dalpha:|dbeta:]I,J", attn::Error);
}

TEST_CASE("render_grad_steps: each step with its arithmetic") {
  const OneQuery x;
  const attn::Loss loss{attn::LossKind::given, std::nullopt, Matrix{{1}}};
  const std::string s = attn::render_grad_steps(x.t, x.g, loss, false);
  CAPTURE(s);
  // dV = αᵀ dO: 0.7311×1 and 0.2689×1
  CHECK(has(s, "  dV[0,0] = 0.7311×1 = 0.7311\n"));
  // dα = dO vᵀ = [1×1, 1×0]
  CHECK(has(s, "  dα_1 = dO_0·v_1 = 1×0 = 0\n"));
  // D = 0.7311×1 + 0.2689×0; dβ_0 = 0.7311×(1 − 0.7311) = 0.7311×0.2689 = 0.1966
  CHECK(has(s, "  D = 0.7311×1 + 0.2689×0 = 0.7311\n"));
  CHECK(has(s, "  dβ_0 = 0.7311×(1 - 0.7311) = 0.7311×0.2689 = 0.1966\n"));
  CHECK(has(s, "  dk[1,0] = 1 × ((-0.1966)×1) = -0.1966\n"));
  CHECK(has(s, "\ndq = 0.1966\n"));
  CHECK_FALSE(has(s, "Softcap"));
}

TEST_CASE("explain_grad_cell: dq traced back through each key, dv through each query") {
  const OneQuery x;
  const std::string dq = x.explain("dq:0,0");
  CAPTURE(dq);
  CHECK(has(dq, "dq_00 = c·Σ_l dS_0l·k_l0 = 1 × (0.1966×1 + (-0.1966)×0) = 0.1966\n"));
  CHECK(has(dq, "(0, 1): dα = dO_0·v_1 = 0; dβ = α×(dα − D_0) = 0.2689×(0 - 0.7311) = -0.1966"));
  CHECK(has(dq, "D_0 = Σ_l α_0l·dα_0l = 0.7311\n"));
  const std::string dv = x.explain("dv:1,0");
  CHECK(has(dv, "dv_10 = Σ_i α_i1·dO_i0 = 0.2689×1 = 0.2689\n"));
  CHECK_THROWS_WITH_AS(x.explain("dk:2,0"), "--explain dk:2,0: the cell is outside the 2×1 dk",
                       attn::Error);
}

TEST_CASE("explain_grad_cell: dα from dO and v, dβ through the softmax row, 0 where blocked") {
  const OneQuery x;
  // dα_01 = dO_0·v_1 = 1×0 = 0
  const std::string da = x.explain("dalpha:0,1");
  CAPTURE(da);
  CHECK(has(da, "Cell dα[0,1]: query 0's upstream gradient against value 1\n"));
  CHECK(has(da, "  dα_01 = Σ_c dO_0c·v_1c = 1×0 = 0\n"));
  // D_0 = 0.7311×1 + 0.2689×0 = 0.7311; dβ_01 = 0.2689×(0 − 0.7311) = −0.1966
  const std::string db = x.explain("dbeta:0,1");
  CAPTURE(db);
  CHECK(has(db, "  D_0 = Σ_l α_0l·dα_0l = 0.7311×1 + 0.2689×0 = 0.7311\n"));
  CHECK(has(db, "  dβ_01 = α_01×(dα_01 − D_0) = 0.2689×(0 - 0.7311) = -0.1966\n"));
  CHECK_THROWS_WITH_AS(x.explain("dbeta:1,0"),
                       "--explain dbeta:1,0: the cell is outside the 1×2 dbeta", attn::Error);
  // causal, 2 × 2: key 1 is blocked for query 0
  const OneQuery causal(Matrix{{1}, {1}}, Matrix{{0, attn::neg_inf}, {0, 0}});
  CHECK(has(causal.explain("dbeta:0,1"),
            "  key 1 is blocked for query 0: no gradient reaches its score, dβ_01 = 0\n"));
}
