#include "attn/core/attention.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <random>

#include "attn/core/error.hpp"

using attn::Matrix;
using doctest::Approx;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

Matrix random_matrix(std::mt19937_64& rng, std::size_t rows, std::size_t cols, double scale = 1.0) {
  std::normal_distribution<double> normal(0.0, scale);
  Matrix m(rows, cols);
  for (double& x : m.values()) x = normal(rng);
  return m;
}

attn::Problem problem(Matrix q, Matrix k, std::optional<Matrix> v = std::nullopt) {
  attn::Problem p;
  p.q = std::move(q);
  p.k = std::move(k);
  p.v = std::move(v);
  return p;
}

double row_sum(const Matrix& m, std::size_t i) {
  double s = 0;
  for (double x : m.row(i)) s += x;
  return s;
}

}  // namespace

TEST_CASE("dot_products: the course's worked example") {
  // q·k = 2×1 + 0.5×1 + 1×(−0.5) + (−1.5)×2 = 2 + 0.5 − 0.5 − 3 = −1
  const Matrix s = attn::dot_products(Matrix{{2, 0.5, 1, -1.5}}, Matrix{{1, 1, -0.5, 2}});
  CHECK(s == Matrix{{-1}});
}

TEST_CASE("run_attention: the worked example scores -0.5") {
  // β = q·k / √d_k = −1 / √4 = −1 / 2 = −0.5
  attn::Problem p = problem(Matrix{{2, 0.5, 1, -1.5}}, Matrix{{1, 1, -0.5, 2}});
  const attn::Trace t = attn::run_attention(p, attn::Stage::scores);
  CHECK(t.d_k == 4);
  CHECK(t.scale == 0.5);
  CHECK(t.scores == Matrix{{-0.5}});
}

TEST_CASE("dot_products: n_q ≠ n_k, by hand") {
  // q0 = [1,2], q1 = [0,1]; k0 = [1,0], k1 = [1,1], k2 = [−1,3]
  // s[0,·] = [1, 1+2, −1+6] = [1, 3, 5];  s[1,·] = [0, 1, 3]
  const Matrix s = attn::dot_products(Matrix{{1, 2}, {0, 1}}, Matrix{{1, 0}, {1, 1}, {-1, 3}});
  CHECK(s == Matrix{{1, 3, 5}, {0, 1, 3}});
}

TEST_CASE("dot_products names the mismatch") {
  CHECK_THROWS_WITH_AS(attn::dot_products(Matrix{{1, 2}}, Matrix{{1, 2, 3}}),
                       "k has 3 values per row but q has 2 (d_k must match)", attn::Error);
}

TEST_CASE("dot_products: an overflowing product is a data error naming the cell") {
  // 1e200 × 1e200 = 1e400 > DBL_MAX ≈ 1.8e308
  try {
    attn::dot_products(Matrix{{1, 2}, {1e200, 1}}, Matrix{{1, 1}, {1e200, 0}});
    FAIL("expected an error");
  } catch (const attn::Error& e) {
    CHECK(e.code() == attn::Exit::data);
    CHECK(std::string(e.what()).starts_with("q·k overflows at row 1, column 1"));
  }
}

TEST_CASE("softmax_rows: a row by hand") {
  // β = [0, ln 2, ln 3 ... ] → exp = [1, 2, 3] (after m = ln 3: [1/3, 2/3, 1]); sum = 6/3 = 2
  // α = [1/6, 2/6, 3/6]
  const Matrix beta{{0.0, std::log(2.0), std::log(3.0)}};
  const auto r = attn::softmax_rows(beta);
  CHECK(r.row_max[0] == Approx(std::log(3.0)));
  CHECK(r.row_sum[0] == Approx(2.0).epsilon(1e-15));
  CHECK(r.weights(0, 0) == Approx(1.0 / 6).epsilon(1e-15));
  CHECK(r.weights(0, 1) == Approx(2.0 / 6).epsilon(1e-15));
  CHECK(r.weights(0, 2) == Approx(3.0 / 6).epsilon(1e-15));
}

TEST_CASE("softmax_rows: blocked keys get exactly 0 and the rest renormalise") {
  // β = [1, −∞, 1] → α = [1/2, 0, 1/2]
  const auto r = attn::softmax_rows(Matrix{{1, -kInf, 1}});
  CHECK(r.weights == Matrix{{0.5, 0.0, 0.5}});
}

TEST_CASE("softmax_rows: scores of ±1000 do not overflow") {
  // exp(1000) overflows a double, but after subtracting m = 1000: exp(0) = 1, exp(−2000) = 0
  const auto r = attn::softmax_rows(Matrix{{1000, -1000}, {1000, 1000}});
  CHECK(r.weights == Matrix{{1.0, 0.0}, {0.5, 0.5}});
}

TEST_CASE("softmax_rows: all-equal scores give exactly uniform weights") {
  const auto r = attn::softmax_rows(Matrix{{3.7, 3.7, 3.7, 3.7}});
  for (double w : r.weights.values()) CHECK(w == 0.25);
}

TEST_CASE("softmax_rows: a single visible key gets weight exactly 1") {
  const auto r = attn::softmax_rows(Matrix{{-kInf, 123.456, -kInf}});
  CHECK(r.weights == Matrix{{0, 1, 0}});
}

TEST_CASE("softmax_rows: a fully blocked row follows the policy") {
  const Matrix beta{{-kInf, -kInf}, {0, 0}};
  SUBCASE("zero") {
    const auto r = attn::softmax_rows(beta, attn::EmptyRows::zero);
    CHECK(r.weights == Matrix{{0, 0}, {0.5, 0.5}});
    CHECK(r.empty_rows == std::vector<std::size_t>{0});
  }
  SUBCASE("uniform") {
    const auto r = attn::softmax_rows(beta, attn::EmptyRows::uniform);
    CHECK(r.weights == Matrix{{0.5, 0.5}, {0.5, 0.5}});
  }
  SUBCASE("nan") {
    const auto r = attn::softmax_rows(beta, attn::EmptyRows::nan);
    CHECK(std::isnan(r.weights(0, 0)));
    CHECK(r.weights(1, 1) == 0.5);
  }
  SUBCASE("error") {
    CHECK_THROWS_WITH_AS(attn::softmax_rows(beta, attn::EmptyRows::error),
                         "row 0 of the scores has every key blocked, so softmax is undefined",
                         attn::Error);
  }
}

TEST_CASE("softmax invariants over random rows") {
  std::mt19937_64 rng(20261128);
  for (int trial = 0; trial < 500; ++trial) {
    const std::size_t rows = 1 + rng() % 5, cols = 1 + rng() % 9;
    const Matrix beta = random_matrix(rng, rows, cols, 1.0 + static_cast<double>(rng() % 50));
    const auto r = attn::softmax_rows(beta);
    Matrix shifted = beta;
    const double c = static_cast<double>(rng() % 2001) - 1000.0;
    for (double& x : shifted.values()) x += c;
    const auto r2 = attn::softmax_rows(shifted);
    for (std::size_t i = 0; i < rows; ++i) {
      CAPTURE(trial);
      CAPTURE(i);
      CHECK(row_sum(r.weights, i) == Approx(1.0).epsilon(1e-12));
      for (std::size_t j = 0; j < cols; ++j) {
        CHECK(r.weights(i, j) >= 0.0);
        // adding a constant to a row changes nothing
        CHECK(r2.weights(i, j) == Approx(r.weights(i, j)).epsilon(1e-9));
      }
    }
  }
}

TEST_CASE("weighted_sum: by hand, d_v ≠ d_k") {
  // α = [[0.5, 0.5], [0.25, 0.75]], v0 = [1, 2, 3], v1 = [3, 2, 1]
  // o0 = 0.5·v0 + 0.5·v1 = [2, 2, 2]; o1 = 0.25·v0 + 0.75·v1 = [2.5, 2, 1.5]
  const Matrix o =
      attn::weighted_sum(Matrix{{0.5, 0.5}, {0.25, 0.75}}, Matrix{{1, 2, 3}, {3, 2, 1}});
  CHECK(o == Matrix{{2, 2, 2}, {2.5, 2, 1.5}});
}

TEST_CASE("run_attention: 1×1 input") {
  // one key: α = 1, so o = v whatever the score
  attn::Problem p = problem(Matrix{{3}}, Matrix{{-2}}, Matrix{{7, 8}});
  const auto t = attn::run_attention(p, attn::Stage::output);
  CHECK(t.scores == Matrix{{-6}});  // 3 × (−2) / √1
  CHECK(t.softmax->weights == Matrix{{1}});
  CHECK(*t.output == Matrix{{7, 8}});
}

TEST_CASE("run_attention: causal self-attention by hand") {
  // q = k = [[0,0],[0,0]] → every score 0; causal mask blocks (0,1)
  // α = [[1, 0], [1/2, 1/2]]; v = [[2],[4]] → o = [[2], [3]]
  const Matrix zeros{{0, 0}, {0, 0}};
  attn::Problem p = problem(zeros, zeros, Matrix{{2}, {4}});
  p.mask = Matrix{{0, -kInf}, {0, 0}};
  const auto t = attn::run_attention(p, attn::Stage::output);
  CHECK(t.softmax->weights == Matrix{{1, 0}, {0.5, 0.5}});
  CHECK(*t.output == Matrix{{2}, {3}});
}

TEST_CASE("run_attention: scale, bias and softcap come before the mask") {
  // s = 1·2 = 2; c = 0.5 → 1; + b = 3 → 4; softcap C = 2: 2·tanh(4/2) = 2·tanh 2
  attn::Problem p = problem(Matrix{{1}}, Matrix{{2}});
  p.scale = 0.5;
  p.bias = Matrix{{3}};
  p.softcap = 2.0;
  const auto t = attn::run_attention(p, attn::Stage::scores);
  CHECK(t.scores(0, 0) == Approx(2.0 * std::tanh(2.0)).epsilon(1e-15));
}

TEST_CASE("run_attention: bad problems are refused with the reason") {
  attn::Problem p = problem(Matrix{{1, 2}}, Matrix{{1, 2}});
  SUBCASE("scale 0") {
    p.scale = 0.0;
    CHECK_THROWS_WITH(attn::run_attention(p, attn::Stage::scores),
                      "the scale is 0, which makes every score 0");
  }
  SUBCASE("scale not finite") {
    p.scale = kInf;
    CHECK_THROWS_WITH(attn::run_attention(p, attn::Stage::scores),
                      "the scale must be a finite number, not inf");
  }
  SUBCASE("mask of the wrong shape") {
    p.mask = Matrix{{0, 0}};
    CHECK_THROWS_WITH(attn::run_attention(p, attn::Stage::scores),
                      "the mask is 1×2 but the scores are 1×1");
  }
  SUBCASE("values with the wrong number of rows") {
    p.v = Matrix{{1}, {2}};
    CHECK_THROWS_WITH(attn::run_attention(p, attn::Stage::output),
                      "v has 2 rows but there are 1 keys (v needs one row per key)");
  }
}

TEST_CASE("permuting keys and values together leaves the output unchanged") {
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    const std::size_t n_q = 1 + rng() % 4, n_k = 2 + rng() % 6, d = 1 + rng() % 5;
    attn::Problem p =
        problem(random_matrix(rng, n_q, d), random_matrix(rng, n_k, d), random_matrix(rng, n_k, 3));
    const auto o = *attn::run_attention(p, attn::Stage::output).output;
    attn::Problem swapped = p;
    // swap keys 0 and n_k − 1 (and their values)
    for (std::size_t t = 0; t < d; ++t) std::swap(swapped.k(0, t), swapped.k(n_k - 1, t));
    for (std::size_t t = 0; t < 3; ++t) std::swap((*swapped.v)(0, t), (*swapped.v)(n_k - 1, t));
    const auto o2 = *attn::run_attention(swapped, attn::Stage::output).output;
    for (std::size_t n = 0; n < o.size(); ++n) {
      CAPTURE(trial);
      CHECK(o2.values()[n] == Approx(o.values()[n]).epsilon(1e-12));
    }
  }
}

TEST_CASE("run_attention with given scores adds a given mask, then softmax") {
  // β = [1, 2] + [0, −∞] = [1, −∞] → α = [1, 0]
  attn::Problem p;
  p.scores = Matrix{{1, 2}};
  p.mask = Matrix{{0, -kInf}};
  const auto t = attn::run_attention(p, attn::Stage::weights);
  CHECK(t.softmax->weights == Matrix{{1, 0}});
  CHECK(*t.given_scores == Matrix{{1, 2}});
  CHECK_FALSE(t.d_k.has_value());
}
