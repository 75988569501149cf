// The backward pass against hand-worked cases and against central finite differences of the
// forward pass (which share no code with the backward).
#include "attn/core/grad.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <random>

#include "attn/core/attention.hpp"
#include "attn/core/error.hpp"
#include "attn/core/heads.hpp"
#include "attn/mask/expr.hpp"

using attn::Matrix;
using doctest::Approx;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

attn::Trace forward(const attn::Problem& p) {
  return attn::run_attention(p, attn::Stage::output);
}

Matrix random_matrix(std::mt19937_64& rng, std::size_t rows, std::size_t cols, double scale) {
  Matrix m(rows, cols);
  for (double& x : m.values()) x = scale * (static_cast<double>(rng() >> 11) * 0x1p-53 * 2.0 - 1.0);
  return m;
}

// L = Σ dO ⊙ o for the request, computed by the forward pass alone.
double loss_of(const attn::Request& r, const Matrix& d_out) {
  const Matrix o = *attn::run_heads(r, attn::Stage::output).output;
  double total = 0.0;
  for (std::size_t n = 0; n < o.size(); ++n) total += d_out.values()[n] * o.values()[n];
  return total;
}

// Central differences of L with respect to every entry of `m` (a member of r.problem), each
// compared with the backward pass's gradient `grad`: |fd − g| ≤ 1e-6 · max(1, |g|).
void check_by_differences(attn::Request r, Matrix attn::Problem::*member, const Matrix& grad,
                          const Matrix& d_out, const char* what) {
  Matrix& m = r.problem.*member;
  for (std::size_t n = 0; n < m.size(); ++n) {
    const double x = m.values()[n];
    const double h = 1e-5 * std::max(1.0, std::abs(x));
    m.values()[n] = x + h;
    const double up = loss_of(r, d_out);
    m.values()[n] = x - h;
    const double down = loss_of(r, d_out);
    m.values()[n] = x;
    const double fd = (up - down) / (2 * h);
    CAPTURE(what);
    CAPTURE(n);
    CHECK(std::abs(fd - grad.values()[n]) <= 1e-6 * std::max(1.0, std::abs(grad.values()[n])));
  }
}

void check_v_by_differences(attn::Request r, const Matrix& grad, const Matrix& d_out) {
  Matrix& v = *r.problem.v;
  for (std::size_t n = 0; n < v.size(); ++n) {
    const double x = v.values()[n];
    const double h = 1e-5 * std::max(1.0, std::abs(x));
    v.values()[n] = x + h;
    const double up = loss_of(r, d_out);
    v.values()[n] = x - h;
    const double down = loss_of(r, d_out);
    v.values()[n] = x;
    const double fd = (up - down) / (2 * h);
    CAPTURE(n);
    CHECK(std::abs(fd - grad.values()[n]) <= 1e-6 * std::max(1.0, std::abs(grad.values()[n])));
  }
}

}  // namespace

TEST_CASE("run_backward: one query, two keys, by hand") {
  // q = 1, k = [1; 0], v = [1; 0], d_k = 1 so c = 1: s = [1, 0],
  // α = [e/(1+e), 1/(1+e)] = [σ(1), σ(−1)] = [0.7311, 0.2689], o = 0.7311; dO = 1.
  attn::Problem p;
  p.q = Matrix{{1}};
  p.k = Matrix{{1}, {0}};
  p.v = Matrix{{1}, {0}};
  const attn::GradTrace g = attn::run_backward(forward(p), Matrix{{1}});
  const double a0 = std::exp(1.0) / (1 + std::exp(1.0)), a1 = 1 - a0;
  // 1. dV = αᵀ dO = [α0, α1]
  CHECK(g.dv(0, 0) == Approx(a0).epsilon(1e-15));
  CHECK(g.dv(1, 0) == Approx(a1).epsilon(1e-15));
  // 2. dα = dO vᵀ = [1·1, 1·0] = [1, 0]
  CHECK(g.dalpha == Matrix{{1, 0}});
  // 3. D = α0·1 + α1·0 = α0; dβ = [α0(1 − α0), α1(0 − α0)] = [α0α1, −α0α1] = ±0.19661
  CHECK(g.row_dot[0] == Approx(a0).epsilon(1e-15));
  CHECK(g.dbeta(0, 0) == Approx(a0 * a1).epsilon(1e-14));
  CHECK(g.dbeta(0, 1) == Approx(-a0 * a1).epsilon(1e-14));
  // 5. dq = c·(dβ0·k0 + dβ1·k1) = α0α1; dk = c·dβᵀ q = [α0α1, −α0α1]
  CHECK(g.dq(0, 0) == Approx(a0 * a1).epsilon(1e-14));
  CHECK(g.dk(0, 0) == Approx(a0 * a1).epsilon(1e-14));
  CHECK(g.dk(1, 0) == Approx(-a0 * a1).epsilon(1e-14));
}

TEST_CASE("run_backward: two queries under a causal mask, by hand") {
  // q = k = I₂, v = [[1, 2], [3, 4]], c = 1, causal; dO = I₂.
  // Row 0 sees key 0 only: α0 = [1, 0]. Row 1: s = [0, 1], α1 = [σ(−1), σ(1)] = [0.2689, 0.7311].
  attn::Problem p;
  p.q = Matrix{{1, 0}, {0, 1}};
  p.k = Matrix{{1, 0}, {0, 1}};
  p.v = Matrix{{1, 2}, {3, 4}};
  p.scale = 1.0;
  p.mask = Matrix{{0, -kInf}, {0, 0}};
  const attn::GradTrace g = attn::run_backward(forward(p), Matrix{{1, 0}, {0, 1}});
  const double a11 = std::exp(1.0) / (1 + std::exp(1.0)), a10 = 1 - a11;
  // dV[0] = α00·dO0 + α10·dO1 = [1, 0] + a10·[0, 1]; dV[1] = α01·dO0 + α11·dO1 = [0, a11]
  CHECK(g.dv(0, 0) == 1.0);
  CHECK(g.dv(0, 1) == Approx(a10).epsilon(1e-15));
  CHECK(g.dv(1, 0) == 0.0);
  CHECK(g.dv(1, 1) == Approx(a11).epsilon(1e-15));
  // dα = dO vᵀ: row 0 = [v0·dO0, v1·dO0] = [1, 3]; row 1 = [v0·dO1, v1·dO1] = [2, 4]
  CHECK(g.dalpha == Matrix{{1, 3}, {2, 4}});
  // D0 = 1·1 = 1, so dβ00 = 1·(1 − 1) = 0; the blocked dβ01 = 0.
  CHECK(g.dbeta(0, 0) == 0.0);
  CHECK(g.dbeta(0, 1) == 0.0);
  // D1 = 2·a10 + 4·a11 = 3.46212; dβ10 = a10(2 − D1) = −0.39322, dβ11 = a11(4 − D1) = +0.39322
  const double d1 = 2 * a10 + 4 * a11;
  CHECK(g.row_dot[1] == Approx(d1).epsilon(1e-15));
  CHECK(g.dbeta(1, 0) == Approx(a10 * (2 - d1)).epsilon(1e-14));
  CHECK(g.dbeta(1, 1) == Approx(a11 * (4 - d1)).epsilon(1e-14));
  CHECK(g.dbeta(1, 0) == Approx(-0.3932239).epsilon(1e-6));
  // k = q = I: dq = dβ, dk = dβᵀ
  CHECK(g.dq(1, 0) == Approx(g.dbeta(1, 0)).epsilon(1e-15));
  CHECK(g.dk(0, 1) == Approx(g.dbeta(1, 0)).epsilon(1e-15));
  CHECK(g.dk(1, 1) == Approx(g.dbeta(1, 1)).epsilon(1e-15));
}

TEST_CASE("run_backward: through the softcap, both orders, by hand") {
  // q = 2, k = [2; 0], v = [1; 0], c = 1, b = [0, 3], C = 1; dO = 1.
  attn::Problem p;
  p.q = Matrix{{2}};
  p.k = Matrix{{2}, {0}};
  p.v = Matrix{{1}, {0}};
  p.bias = Matrix{{0, 3}};
  p.softcap = 1.0;
  SUBCASE("attn's order: x = c·s + b = [4, 3], β = tanh(x)") {
    const attn::Trace t = forward(p);
    const attn::GradTrace g = attn::run_backward(t, Matrix{{1}});
    // the slope is 1 − tanh²(x) at x = [4, 3]
    CHECK((*g.cap_slope)(0, 0) == Approx(1 - std::pow(std::tanh(4.0), 2)).epsilon(1e-14));
    CHECK((*g.cap_slope)(0, 1) == Approx(1 - std::pow(std::tanh(3.0), 2)).epsilon(1e-14));
    // the bias sits inside the cap: ∂L/∂b = dβ · slope = dS
    CHECK(*g.dbias == g.dscaled);
    CHECK(g.dscaled(0, 1) == Approx(g.dbeta(0, 1) * (*g.cap_slope)(0, 1)).epsilon(1e-15));
  }
  SUBCASE("cap first: x = c·s = [4, 0], β = tanh(x) + b") {
    p.softcap_first = true;
    const attn::GradTrace g = attn::run_backward(forward(p), Matrix{{1}});
    CHECK((*g.cap_slope)(0, 1) == 1.0);  // 1 − tanh²(0)
    CHECK(*g.dbias == g.dbeta);          // b is added after the cap
    CHECK(g.dscaled(0, 0) == Approx(g.dbeta(0, 0) * (*g.cap_slope)(0, 0)).epsilon(1e-15));
  }
}

TEST_CASE("run_backward agrees with central finite differences on random problems, RoPE included") {
  std::mt19937_64 rng(14);
  const char* masks[] = {"full",           "causal",  "window:2",         "local:1",
                         "prefix:2",       "valid:3", "chunk:2",          "dilated:2:2",
                         "causal|local:1", "!causal", "causal & window:3"};
  for (int trial = 0; trial < 120; ++trial) {
    const std::size_t heads = 1 + rng() % 2, kv = heads == 2 && (rng() & 1) ? 1 : heads;
    const std::size_t n_q = 1 + rng() % 4, n_k = 1 + rng() % 5, d_k = 1 + rng() % 3,
                      d_v = 1 + rng() % 3;
    attn::Request r;
    r.layout = {heads, kv};
    r.problem.q = random_matrix(rng, n_q, heads * d_k, 1.5);
    r.problem.k = random_matrix(rng, n_k, kv * d_k, 1.5);
    r.problem.v = random_matrix(rng, n_k, kv * d_v, 2.0);
    r.problem.align = (rng() & 1) ? attn::Align::top_left : attn::Align::bottom_right;
    if (rng() % 3 == 0) r.problem.scale = 0.3 + static_cast<double>(rng() % 10) / 10.0;
    const attn::Geometry g{n_q, n_k, r.problem.align};
    const attn::MaskExpr mask = attn::MaskExpr::parse(masks[rng() % std::size(masks)]);
    if (!mask.is_full()) {
      r.problem.mask = attn::to_additive(mask.evaluate(g));
      r.problem.mask_label = attn::mask_label(mask);
    }
    switch (rng() % 4) {
      case 0:
        r.bias_spec = attn::parse_bias_spec("alibi");
        break;
      case 1:
        r.problem.bias = random_matrix(rng, n_q, n_k, 1.0);
        break;
      default:
        break;
    }
    if (rng() % 3 == 0) {
      r.problem.softcap = 0.5 + static_cast<double>(rng() % 30) / 10.0;
      r.problem.softcap_first = (rng() & 1) != 0;
    }
    r.problem.empty_rows = (rng() & 1) ? attn::EmptyRows::zero : attn::EmptyRows::uniform;
    if (rng() % 3 == 0) {  // RoPE: the gradient flows back through the rotation
      attn::RopeOptions rope;
      rope.base = 2.0 + static_cast<double>(rng() % 100);
      rope.style = (rng() & 1) ? attn::RopeStyle::half : attn::RopeStyle::interleaved;
      rope.dim = 2 * (d_k / 2);
      r.problem.rope = rope;
    }
    const Matrix d_out = random_matrix(rng, n_q, heads * d_v, 1.0);
    const attn::Run run = attn::run_heads(r, attn::Stage::output);
    const attn::GradRun grad = attn::run_backward_heads(run, d_out);
    CAPTURE(trial);
    check_by_differences(r, &attn::Problem::q, grad.dq, d_out, "dq");
    check_by_differences(r, &attn::Problem::k, grad.dk, d_out, "dk");
    check_v_by_differences(r, grad.dv, d_out);
    if (r.problem.bias && heads == 1) {
      // b enters like any other input; its gradient is dbias
      attn::Request rb = r;
      check_by_differences(rb, &attn::Problem::q, grad.dq, d_out, "dq again");
      Matrix& b = *rb.problem.bias;
      for (std::size_t n = 0; n < b.size(); ++n) {
        const double x = b.values()[n], h = 1e-5;
        b.values()[n] = x + h;
        const double up = loss_of(rb, d_out);
        b.values()[n] = x - h;
        const double down = loss_of(rb, d_out);
        b.values()[n] = x;
        CHECK(std::abs((up - down) / (2 * h) - grad.heads[0].dbias->values()[n]) <= 1e-6);
      }
    }
  }
}

TEST_CASE("blocked keys and fully blocked rows get no gradient") {
  attn::Problem p;
  p.q = Matrix{{1}, {2}};
  p.k = Matrix{{1}, {3}};
  p.v = Matrix{{1}, {5}};
  p.mask = Matrix{{0, -kInf}, {-kInf, -kInf}};  // row 0 sees key 0; row 1 sees nothing
  p.empty_rows = attn::EmptyRows::uniform;      // row 1's α = [½, ½]: v gets its gradient
  const attn::GradTrace g = attn::run_backward(forward(p), Matrix{{1}, {1}});
  CHECK(g.dbeta == Matrix{{0, 0}, {0, 0}});  // row 0 has one key: α = 1 whatever β is
  CHECK(g.dq == Matrix{{0}, {0}});
  CHECK(g.dk == Matrix{{0}, {0}});
  CHECK(g.dv == Matrix{{1.5}, {0.5}});  // αᵀ dO = [1 + ½, ½]
}

TEST_CASE("losses: sum and mse give dO, and their value") {
  const Matrix o{{1, 2}, {3, 4}};
  const attn::Loss sum = attn::sum_loss(o);
  CHECK(*sum.value == 10.0);
  CHECK(sum.d_out == Matrix{{1, 1}, {1, 1}});
  // T = [[0, 2], [3, 0]]: o − T = [[1, 0], [0, 4]], L = ½(1 + 16) = 8.5
  const attn::Loss mse = attn::mse_loss(o, Matrix{{0, 2}, {3, 0}});
  CHECK(*mse.value == 8.5);
  CHECK(mse.d_out == Matrix{{1, 0}, {0, 4}});
  CHECK_THROWS_WITH_AS(attn::mse_loss(o, Matrix{{0, 2}}),
                       "the target is 1×2 but the output o is 2×2", attn::Error);
}

TEST_CASE("bad upstream gradients are data errors naming the operand and cell") {
  attn::Problem p;
  p.q = Matrix{{1}};
  p.k = Matrix{{1}};
  p.v = Matrix{{1, 2}};
  const attn::Trace t = forward(p);
  CHECK_THROWS_WITH_AS(attn::run_backward(t, Matrix{{1}}), "dO is 1×1 but the output o is 1×2",
                       attn::Error);
  CHECK_THROWS_WITH_AS(attn::run_backward(t, Matrix{{1, std::nan("")}}), "dO[0][1] is nan",
                       attn::Error);
  p.mask = Matrix{{-kInf}};
  p.empty_rows = attn::EmptyRows::nan;
  CHECK_THROWS_WITH_AS(
      attn::run_backward(forward(p), Matrix{{1, 1}}),
      "row 0 has every key blocked and NaN weights, whose gradient is not a number", attn::Error);
}

TEST_CASE("grouped-query heads: dk and dv sum over the query heads that share them") {
  // H = 2 query heads share G = 1 kv head; d_k = d_v = 1.
  attn::Request r;
  r.layout = {2, 1};
  r.problem.q = Matrix{{1, -1}};
  r.problem.k = Matrix{{1}, {0}};
  r.problem.v = Matrix{{1}, {0}};
  const Matrix d_out{{1, 1}};
  const attn::Run run = attn::run_heads(r, attn::Stage::output);
  const attn::GradRun g = attn::run_backward_heads(run, d_out);
  REQUIRE(g.heads.size() == 2);
  for (std::size_t j = 0; j < 2; ++j) {
    CHECK(g.dk(j, 0) == Approx(g.heads[0].dk(j, 0) + g.heads[1].dk(j, 0)).epsilon(1e-15));
    CHECK(g.dv(j, 0) == Approx(g.heads[0].dv(j, 0) + g.heads[1].dv(j, 0)).epsilon(1e-15));
  }
  CHECK(g.dq(0, 0) == g.heads[0].dq(0, 0));
  CHECK(g.dq(0, 1) == g.heads[1].dq(0, 0));
  attn::Request one = r;
  one.only_head = 0;
  CHECK_THROWS_AS(attn::run_backward_heads(attn::run_heads(one, attn::Stage::output), d_out),
                  attn::Error);
}
