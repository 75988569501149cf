#include "attn/teach/explain.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <vector>

#include "attn/core/error.hpp"

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
