// Properties of the attention steps over thousands of seeded random inputs (rows of α sum to 1,
// softmax ignores a shift, keys and values permute together), and the numeric edge cases a
// calculator meets: overflow, subnormals, −0.0, ties, a single visible key, a bad scale.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "../support/random_inputs.hpp"
#include "attn/core/attention.hpp"
#include "attn/core/error.hpp"
#include "attn/io/input.hpp"
#include "attn/io/parse.hpp"
#include "attn/mask/expr.hpp"

using attn::BoolMatrix;
using attn::Geometry;
using attn::MaskExpr;
using attn::Matrix;
using doctest::Approx;
using namespace attn_test;

TEST_CASE("every row of α sums to 1 within 1e-12, and every weight is in [0, 1]") {
  std::mt19937_64 rng(1);
  for (int trial = 0; trial < 3000; ++trial) {
    const attn::Problem p = random_problem(rng);
    const attn::Trace t = attn::run_attention(p, attn::Stage::weights);
    const Matrix& w = t.softmax->weights;
    for (std::size_t i = 0; i < w.rows(); ++i) {
      CAPTURE(trial);
      CAPTURE(i);
      REQUIRE(std::abs(row_sum(w, i) - 1.0) <= 1e-12);
      for (double x : w.row(i)) REQUIRE((x >= 0.0 && x <= 1.0));
    }
  }
}

TEST_CASE("softmax ignores a constant added to a row, even a large one") {
  std::mt19937_64 rng(2);
  for (int trial = 0; trial < 3000; ++trial) {
    const std::size_t rows = 1 + below(rng, 4), cols = 1 + below(rng, 10);
    Matrix beta = random_matrix(rng, rows, cols, 30.0);
    const BoolMatrix allowed = random_mask(rng, rows, cols);
    beta = attn::add_cellwise(beta, attn::to_additive(allowed));
    Matrix shifted = beta;
    for (std::size_t i = 0; i < rows; ++i) {
      const double c = uniform(rng, -1e6, 1e6);                   // exact in β + c to about 1e-10
      for (std::size_t j = 0; j < cols; ++j) shifted(i, j) += c;  // −∞ + c stays −∞
    }
    const Matrix a = attn::softmax_rows(beta).weights;
    const Matrix b = attn::softmax_rows(shifted).weights;
    for (std::size_t n = 0; n < a.size(); ++n) {
      CAPTURE(trial);
      CAPTURE(n);
      REQUIRE(std::abs(a.values()[n] - b.values()[n]) <= 1e-9);
    }
  }
}

TEST_CASE("permuting keys and values together leaves o unchanged") {
  std::mt19937_64 rng(3);
  for (int trial = 0; trial < 2000; ++trial) {
    attn::Problem p = random_problem(rng);
    p.mask.reset();  // a mask is tied to key positions; the permutation would have to move it too
    const Matrix o = *attn::run_attention(p, attn::Stage::output).output;
    const std::size_t n_k = p.k.rows();
    std::vector<std::size_t> perm(n_k);
    std::iota(perm.begin(), perm.end(), std::size_t{0});
    for (std::size_t j = n_k; j > 1; --j) std::swap(perm[j - 1], perm[below(rng, j)]);
    attn::Problem permuted = p;
    for (std::size_t j = 0; j < n_k; ++j) {
      for (std::size_t t = 0; t < p.k.cols(); ++t) permuted.k(j, t) = p.k(perm[j], t);
      for (std::size_t t = 0; t < p.v->cols(); ++t) (*permuted.v)(j, t) = (*p.v)(perm[j], t);
    }
    const Matrix o2 = *attn::run_attention(permuted, attn::Stage::output).output;
    for (std::size_t n = 0; n < o.size(); ++n) {
      CAPTURE(trial);
      CAPTURE(n);
      REQUIRE(o2.values()[n] == Approx(o.values()[n]).epsilon(1e-9).scale(10.0));
    }
  }
}

TEST_CASE("numeric edge: a dot product that overflows is a data error naming the cell") {
  attn::Problem p;
  SUBCASE("+inf") {
    p.q = Matrix{{1e308, 1e308}};
    p.k = Matrix{{0.5, 0.25}, {1e308, 1e308}};
    CHECK(error_of([&] { attn::run_attention(p, attn::Stage::scores); }) ==
          "q·k overflows at row 0, column 1 (q_0·k_1 = inf)");
  }
  SUBCASE("-inf") {
    p.q = Matrix{{-1e308}};
    p.k = Matrix{{1e308}};
    CHECK(error_of([&] { attn::run_attention(p, attn::Stage::scores); }) ==
          "q·k overflows at row 0, column 0 (q_0·k_0 = -inf)");
  }
  SUBCASE("inf − inf is reported, never a NaN score") {
    p.q = Matrix{{1e308, 1e308}};
    p.k = Matrix{{1e308, -1e308}};
    const std::string e = error_of([&] { attn::run_attention(p, attn::Stage::scores); });
    CHECK(e.starts_with("q·k overflows at row 0, column 0"));
  }
  SUBCASE("±1.7e308 themselves are fine when the products are") {
    p.q = Matrix{{1.7e308, -1.7e308}};
    p.k = Matrix{{1e-300, 1e-300}};
    const attn::Trace t = attn::run_attention(p, attn::Stage::weights);
    CHECK(t.dot(0, 0) == 0.0);
    CHECK(t.softmax->weights(0, 0) == 1.0);
  }
}

TEST_CASE("numeric edge: scores near ±1e308 give finite weights") {
  const Matrix beta{{1.7e308, -1.7e308, 1.7e308}, {-1.7e308, -1.7e308, -1.7e308}};
  const auto r = attn::softmax_rows(beta);
  CHECK(r.weights(0, 0) == 0.5);
  CHECK(r.weights(0, 1) == 0.0);
  CHECK(r.weights(0, 2) == 0.5);
  for (std::size_t j = 0; j < 3; ++j) CHECK(r.weights(1, j) == 1.0 / 3.0);
}

// Regression tests for overflow after the dot product: c·s, s + b or β + M can reach ±∞ while
// every input and every q·k is finite, and softmax of a row holding +∞ is NaN (∞ − ∞). These
// are data errors naming the cell, like the dot product's.
TEST_CASE("numeric edge: scores that overflow after scaling, bias or mask are data errors") {
  attn::Problem p;
  p.q = Matrix{{1e300}};
  p.k = Matrix{{1.0}, {2.0}};
  SUBCASE("scale") {
    p.scale = 1e10;  // c·s = 1e310
  }
  SUBCASE("bias") {
    p.q = Matrix{{1.5e308}};
    p.k = Matrix{{1.0}, {1.0}};
    p.scale = 1.0;
    p.bias = Matrix{{1.5e308, 0.0}};
  }
  SUBCASE("additive mask") {
    p.q = Matrix{{1.5e308}};
    p.k = Matrix{{1.0}, {1.0}};
    p.scale = 1.0;
    p.mask = Matrix{{1.5e308, 0.0}};
  }
  bool data_error = false;
  try {
    const attn::Trace t = attn::run_attention(p, attn::Stage::weights);
    for (double w : t.softmax->weights.values()) CHECK_FALSE(std::isnan(w));
  } catch (const attn::Error& e) {
    data_error = e.code() == attn::Exit::data;
  }
  CHECK(data_error);
}

TEST_CASE("numeric edge: subnormals") {
  SUBCASE("subnormal products are kept, not flushed") {
    attn::Problem p;
    p.q = Matrix{{1e-160}};
    p.k = Matrix{{1e-160}, {0.0}};
    p.scale = 1.0;
    const attn::Trace t = attn::run_attention(p, attn::Stage::weights);
    CHECK(t.dot(0, 0) > 0.0);
    CHECK(std::fpclassify(t.dot(0, 0)) == FP_SUBNORMAL);
    // exp(±1e-320) rounds to 1, so the two keys tie exactly.
    CHECK(t.softmax->weights(0, 0) == 0.5);
    CHECK(t.softmax->weights(0, 1) == 0.5);
  }
  SUBCASE("the smallest subnormal as a score") {
    const double tiny = std::numeric_limits<double>::denorm_min();
    const auto r = attn::softmax_rows(Matrix{{tiny, 0.0, -tiny}});
    for (std::size_t j = 0; j < 3; ++j) CHECK(r.weights(0, j) == 1.0 / 3.0);
  }
  SUBCASE("subnormal values pass through the weighted sum") {
    const double tiny = std::numeric_limits<double>::denorm_min();
    const Matrix o = attn::weighted_sum(Matrix{{1.0, 0.0}}, Matrix{{tiny}, {1.0}});
    CHECK(o(0, 0) == tiny);
  }
}

TEST_CASE("numeric edge: −0.0") {
  SUBCASE("−0.0 and +0.0 scores tie") {
    const auto r = attn::softmax_rows(Matrix{{-0.0, 0.0}});
    CHECK(r.weights(0, 0) == 0.5);
    CHECK(r.weights(0, 1) == 0.5);
  }
  SUBCASE("an additive mask entry of −0.0 allows the key") {
    const BoolMatrix allowed = attn::from_additive(Matrix{{-0.0, -kInf}});
    CHECK(allowed(0, 0));
    CHECK_FALSE(allowed(0, 1));
  }
  SUBCASE("−0.0 reads as a number") {
    CHECK(std::signbit(attn::parse_number("-0.0", "--q")));
    CHECK(std::signbit(attn::parse_number("−0", "--q")));  // U+2212
    const Matrix m = attn::parse_matrix("[-0.0, 0]", "--q");
    CHECK(std::signbit(m(0, 0)));
  }
  SUBCASE("−0.0 inputs give a 0 score") {
    attn::Problem p;
    p.q = Matrix{{-0.0, -0.0}};
    p.k = Matrix{{1.0, 2.0}};
    CHECK(attn::run_attention(p, attn::Stage::scores).scores(0, 0) == 0.0);
  }
}

TEST_CASE("numeric edge: all-equal scores are exactly uniform") {
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 2000; ++trial) {
    const std::size_t n = 1 + below(rng, 64);
    const double c = trial % 3 == 0 ? uniform(rng, -1e300, 1e300) : uniform(rng, -50.0, 50.0);
    const auto r = attn::softmax_rows(Matrix(1, n, std::vector<double>(n, c)));
    CAPTURE(n);
    CAPTURE(c);
    for (double w : r.weights.values()) REQUIRE(w == 1.0 / static_cast<double>(n));
  }
}

TEST_CASE("numeric edge: a row with a single visible key gives it weight exactly 1") {
  std::mt19937_64 rng(8);
  for (int trial = 0; trial < 2000; ++trial) {
    const std::size_t n = 1 + below(rng, 16), keep = below(rng, n);
    Matrix beta = random_matrix(rng, 1, n, 1e6);
    for (std::size_t j = 0; j < n; ++j)
      if (j != keep) beta(0, j) = -kInf;
    const auto r = attn::softmax_rows(beta);
    for (std::size_t j = 0; j < n; ++j) REQUIRE(r.weights(0, j) == (j == keep ? 1.0 : 0.0));
  }
}

TEST_CASE("numeric edge: a scale that is 0 or not finite is refused") {
  attn::Problem p;
  p.q = Matrix{{1.0}};
  p.k = Matrix{{1.0}};
  for (const double c : {0.0, -0.0, kInf, -kInf, std::numeric_limits<double>::quiet_NaN()}) {
    CAPTURE(c);
    p.scale = c;
    try {
      attn::run_attention(p, attn::Stage::scores);
      FAIL("accepted scale ", c);
    } catch (const attn::Error& e) {
      CHECK(e.code() == attn::Exit::data);
    }
  }
  attn::InputArgs args;
  args.q = "1";
  args.k = "1";
  args.scale = 0.0;
  CHECK(error_of([&] {
          attn::run_heads(attn::load_input(args, attn::Stage::scores), attn::Stage::scores);
        }) == "the scale is 0, which makes every score 0");
}
