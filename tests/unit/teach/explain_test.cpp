#include "attn/teach/explain.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <random>
#include <utility>
#include <vector>

#include "attn/core/error.hpp"
#include "attn/teach/rng.hpp"

using attn::Matrix;
using doctest::Approx;

TEST_CASE("softmax_jacobian: two equal weights, by hand") {
  // α = (0.5, 0.5): J_00 = 0.5·(1 − 0.5) = 0.25, J_01 = 0.5·(0 − 0.5) = −0.25, symmetric.
  const Matrix j = attn::softmax_jacobian(std::vector<double>{0.5, 0.5});
  CHECK(j == Matrix{{0.25, -0.25}, {-0.25, 0.25}});
  // ‖J‖_F = √(4 × 0.0625) = √0.25 = 0.5
  CHECK(attn::frobenius_norm(j) == 0.5);
}

TEST_CASE("softmax_jacobian: a one-hot row has no gradient") {
  // α = (1, 0, 0): every entry α_i(δ_ij − α_j) is 0 — the saturated softmax passes nothing back.
  const Matrix j = attn::softmax_jacobian(std::vector<double>{1, 0, 0});
  CHECK(attn::frobenius_norm(j) == 0.0);
}

TEST_CASE("softmax_jacobian_norm is the Frobenius norm of the explicit Jacobian") {
  // By hand: α = (0.5, 0.5) gives 0.5 (above); α = (1, 0, 0) gives 0.
  CHECK(attn::softmax_jacobian_norm(std::vector<double>{0.5, 0.5}) == Approx(0.5));
  CHECK(attn::softmax_jacobian_norm(std::vector<double>{1, 0, 0}) == 0.0);
  // α = (0.5, 0.25, 0.25): J = [[0.25, −0.125, −0.125], [−0.125, 0.1875, −0.0625],
  // [−0.125, −0.0625, 0.1875]]; ‖J‖² = 0.0625 + 4·0.015625 + 2·0.03515625 + 2·0.00390625
  // = 0.0625 + 0.0625 + 0.0703125 + 0.0078125 = 0.203125.
  CHECK(attn::softmax_jacobian_norm(std::vector<double>{0.5, 0.25, 0.25}) ==
        Approx(std::sqrt(0.203125)));
  // Against the n × n matrix on random rows of every size up to 40, peaked and flat.
  std::mt19937_64 rng(5);
  std::normal_distribution<double> normal;
  for (std::size_t n = 1; n <= 40; ++n) {
    for (double spread : {0.1, 1.0, 10.0}) {
      std::vector<double> alpha(n);
      double total = 0;
      for (double& a : alpha) total += a = std::exp(spread * normal(rng));
      for (double& a : alpha) a /= total;
      CAPTURE(n);
      CAPTURE(spread);
      CHECK(attn::softmax_jacobian_norm(alpha) ==
            Approx(attn::frobenius_norm(attn::softmax_jacobian(alpha))).epsilon(1e-12));
    }
  }
}

TEST_CASE("frobenius_norm and entropy, by hand") {
  CHECK(attn::frobenius_norm(Matrix{{3, 4}}) == 5.0);  // √(9 + 16)
  // uniform over 4: −4 × ¼ ln ¼ = ln 4
  CHECK(attn::entropy(std::vector<double>{0.25, 0.25, 0.25, 0.25}) == Approx(std::log(4.0)));
  CHECK(attn::entropy(std::vector<double>{1, 0}) == 0.0);  // 0 ln 0 counts as 0
}

TEST_CASE("explain_scaling: Var(q·k) grows like d_k, the scaled variance stays near 1") {
  attn::ScalingOptions o;
  o.dims = {4, 16, 64, 256};
  o.keys = 16;
  o.trials = 1000;
  o.seed = 11;
  const attn::ScalingReport r = attn::explain_scaling(o);
  REQUIRE(r.rows.size() == 4);
  // 16 000 samples per d_k: the variance estimate is within a few percent; allow 15%.
  constexpr double tolerance = 0.15;
  for (const auto& row : r.rows) {
    CAPTURE(row.d_k);
    const double d = static_cast<double>(row.d_k);
    CHECK(row.var_dot / d == Approx(1.0).epsilon(tolerance));
    CHECK(row.var_scaled == Approx(1.0).epsilon(tolerance));
    // The scaled softmax keeps its spread; the unscaled one saturates with d_k.
    CHECK(row.scaled.max_weight < row.unscaled.max_weight);
    // ‖J‖ peaks between uniform (√(n−1)/n ≈ 0.24 for n = 16) and one-hot (0), so at d_k = 4,
    // where both are spread out, the unscaled softmax may have the larger Jacobian; from
    // d_k = 16 on, the unscaled one is the saturated one.
    if (row.d_k >= 16) CHECK(row.scaled.jacobian > row.unscaled.jacobian);
  }
  // About linear: 64× the width gives about 64× the variance.
  CHECK(r.rows[3].var_dot / r.rows[0].var_dot == Approx(64.0).epsilon(0.25));
  // Saturation grows with d_k without scaling: the largest weight rises, the entropy and the
  // Jacobian fall.
  for (std::size_t n = 1; n < r.rows.size(); ++n) {
    CHECK(r.rows[n].unscaled.max_weight > r.rows[n - 1].unscaled.max_weight);
    CHECK(r.rows[n].unscaled.entropy < r.rows[n - 1].unscaled.entropy);
    CHECK(r.rows[n].unscaled.jacobian < r.rows[n - 1].unscaled.jacobian);
  }
  // With scaling the statistics hardly depend on d_k.
  CHECK(r.rows[3].scaled.entropy == Approx(r.rows[0].scaled.entropy).epsilon(0.1));
}

TEST_CASE("explain_scaling: the same seed gives the same numbers") {
  attn::ScalingOptions o;
  o.dims = {8};
  o.trials = 50;
  o.seed = 3;
  const auto a = attn::explain_scaling(o), b = attn::explain_scaling(o);
  CHECK(a.rows[0].var_dot == b.rows[0].var_dot);
  CHECK(attn::scaling_to_json(a).dump() == attn::scaling_to_json(b).dump());
}

TEST_CASE("explain_scaling refuses unusable options") {
  attn::ScalingOptions o;
  o.dims = {};
  CHECK_THROWS_WITH_AS(attn::explain_scaling(o), "--dk: give at least one d_k", attn::Error);
  o.dims = {4};
  o.keys = 1;
  CHECK_THROWS_WITH_AS(attn::explain_scaling(o), "--n: softmax needs at least 2 keys", attn::Error);
}

TEST_CASE("pipeline_steps: the order run_attention applies them") {
  std::vector<std::string_view> names;
  for (const auto& s : attn::pipeline_steps()) names.push_back(s.name);
  CHECK(names == std::vector<std::string_view>{"dot", "scale", "bias", "softcap", "mask", "softmax",
                                               "output"});
  const std::string text = attn::render_steps_text(attn::pipeline_steps());
  CHECK(text.find("1. dot      s_ij = q_i · k_j") != std::string::npos);
  CHECK(text.find("(n_q, n_k) x (n_k, d_v) -> (n_q, d_v)") != std::string::npos);
}

namespace {

// One trial's backward pass for o = softmax(c·q·kᵀ)·v with d_v = 1, written from the formulas:
// dα_j = dO·v_j, D = Σ_j α_j dα_j, dβ_j = α_j (dα_j − D), dq = c Σ_j dβ_j k_j, dk_j = c dβ_j q.
// Returns (‖dq‖, ‖dk‖).
std::pair<double, double> model_gradient_norms(const std::vector<double>& q,
                                               const std::vector<std::vector<double>>& k,
                                               const std::vector<double>& v, double d_out,
                                               double c) {
  const std::size_t n = k.size(), d = q.size();
  std::vector<double> beta(n, 0.0);
  double m = -std::numeric_limits<double>::infinity();
  for (std::size_t j = 0; j < n; ++j) {
    for (std::size_t t = 0; t < d; ++t) beta[j] += c * q[t] * k[j][t];
    m = std::max(m, beta[j]);
  }
  std::vector<double> alpha(n);
  double sum = 0;
  for (std::size_t j = 0; j < n; ++j) sum += alpha[j] = std::exp(beta[j] - m);
  double big_d = 0;
  for (std::size_t j = 0; j < n; ++j) {
    alpha[j] /= sum;
    big_d += alpha[j] * d_out * v[j];
  }
  std::vector<double> dq(d, 0.0);
  double dk_sq = 0, q_sq = 0;
  for (double x : q) q_sq += x * x;
  for (std::size_t j = 0; j < n; ++j) {
    const double dbeta = alpha[j] * (d_out * v[j] - big_d);
    for (std::size_t t = 0; t < d; ++t) dq[t] += c * dbeta * k[j][t];
    dk_sq += c * c * dbeta * dbeta * q_sq;
  }
  double dq_sq = 0;
  for (double x : dq) dq_sq += x * x;
  return {std::sqrt(dq_sq), std::sqrt(dk_sq)};
}

}  // namespace

TEST_CASE("explain_scaling: the gradients of q and k, recomputed by an independent backward") {
  // The same draws as explain_scaling makes (q and k from the seed's generator, v and dO from
  // scaling_gradient_seed's), the gradients from the model above: mean and geometric mean.
  attn::ScalingOptions o;
  o.dims = {4, 64};
  o.keys = 5;
  o.trials = 20;
  o.seed = 7;
  const attn::ScalingReport r = attn::explain_scaling(o);
  attn::SeededRng rng(o.seed), grad_rng(attn::scaling_gradient_seed(o.seed));
  CHECK(attn::scaling_gradient_seed(o.seed) == attn::student_seed(7, "explain scaling: v, dO"));
  for (std::size_t row = 0; row < o.dims.size(); ++row) {
    const std::size_t d = o.dims[row];
    const double c = 1.0 / std::sqrt(static_cast<double>(d));
    double sums[2][2] = {}, logs[2][2] = {};  // [unscaled, scaled][dq, dk]
    for (std::size_t t = 0; t < o.trials; ++t) {
      std::vector<double> q(d);
      std::vector<std::vector<double>> k(o.keys, std::vector<double>(d));
      for (double& x : q) x = rng.normal();
      for (auto& key : k)
        for (double& x : key) x = rng.normal();
      std::vector<double> v(o.keys);
      for (double& x : v) x = grad_rng.normal();
      const double d_out = grad_rng.normal();
      for (int s = 0; s < 2; ++s) {
        const auto [dq, dk] = model_gradient_norms(q, k, v, d_out, s == 0 ? 1.0 : c);
        sums[s][0] += dq;
        sums[s][1] += dk;
        logs[s][0] += std::log(dq);
        logs[s][1] += std::log(dk);
      }
    }
    const double n = static_cast<double>(o.trials);
    CAPTURE(d);
    const attn::SoftmaxStats* stats[2] = {&r.rows[row].unscaled, &r.rows[row].scaled};
    for (int s = 0; s < 2; ++s) {
      CAPTURE(s);
      CHECK(stats[s]->dq_norm == Approx(sums[s][0] / n).epsilon(1e-9));
      CHECK(stats[s]->dk_norm == Approx(sums[s][1] / n).epsilon(1e-9));
      CHECK(stats[s]->dq_geomean == Approx(std::exp(logs[s][0] / n)).epsilon(1e-9));
      CHECK(stats[s]->dk_geomean == Approx(std::exp(logs[s][1] / n)).epsilon(1e-9));
    }
  }
}

TEST_CASE("explain_scaling: without 1/√d_k the typical gradient vanishes as d_k grows") {
  // From d_k = 16 on: at d_k = 4 the unscaled softmax is not yet saturated.
  attn::ScalingOptions o;
  o.dims = {16, 256, 1024};
  o.keys = 16;
  o.trials = 400;
  o.seed = 2;
  const attn::ScalingReport r = attn::explain_scaling(o);
  for (std::size_t n = 1; n < r.rows.size(); ++n) {
    CAPTURE(r.rows[n].d_k);
    CHECK(r.rows[n].unscaled.dq_geomean < r.rows[n - 1].unscaled.dq_geomean / 4);
    CHECK(r.rows[n].unscaled.dk_geomean < r.rows[n - 1].unscaled.dk_geomean / 4);
    // With the factor the typical gradient keeps its size: within a factor 2 of d_k = 16's.
    CHECK(r.rows[n].scaled.dq_geomean == Approx(r.rows[0].scaled.dq_geomean).epsilon(0.5));
    CHECK(r.rows[n].scaled.dk_geomean == Approx(r.rows[0].scaled.dk_geomean).epsilon(0.5));
  }
  const std::string text = attn::render_scaling_text(r, attn::NumberStyle{3});
  CHECK(text.find("the\ngradients used for learning become extremely small") != std::string::npos);
}
