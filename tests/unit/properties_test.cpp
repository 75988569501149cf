// Properties of the pipeline over thousands of seeded random inputs, and the numeric edge cases
// a calculator meets: overflow, subnormals, −0.0, ties, a single visible key, a bad scale. Also the
// input limits (depth, size, count) that keep a hostile input a clear error.
//
// Random numbers come from std::mt19937_64, which is exactly specified; the raw output is mapped
// to doubles here, since <random>'s distributions differ between standard libraries.
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

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// A double uniform in [lo, hi), from the top 53 bits of one draw.
double uniform(std::mt19937_64& rng, double lo, double hi) {
  const double u = static_cast<double>(rng() >> 11) * 0x1p-53;  // in [0, 1)
  return lo + (hi - lo) * u;
}

// An integer uniform in [0, n) (the modulo bias is irrelevant here).
std::size_t below(std::mt19937_64& rng, std::size_t n) {
  return rng() % n;
}

Matrix random_matrix(std::mt19937_64& rng, std::size_t rows, std::size_t cols, double scale) {
  Matrix m(rows, cols);
  for (double& x : m.values()) x = uniform(rng, -scale, scale);
  return m;
}

// A bool mask with at least one visible key in every row.
BoolMatrix random_mask(std::mt19937_64& rng, std::size_t rows, std::size_t cols) {
  BoolMatrix m(rows, cols);
  for (std::size_t i = 0; i < rows; ++i) {
    for (std::size_t j = 0; j < cols; ++j) m(i, j) = (rng() & 3) != 0 ? 1 : 0;
    m(i, below(rng, cols)) = 1;
  }
  return m;
}

attn::Problem random_problem(std::mt19937_64& rng) {
  const std::size_t n_q = 1 + below(rng, 6), n_k = 1 + below(rng, 8), d_k = 1 + below(rng, 6);
  const double scale = std::ldexp(1.0, static_cast<int>(below(rng, 8)));  // 1 to 128
  attn::Problem p;
  p.q = random_matrix(rng, n_q, d_k, scale);
  p.k = random_matrix(rng, n_k, d_k, scale);
  p.v = random_matrix(rng, n_k, 1 + below(rng, 4), 10.0);
  if ((rng() & 1) != 0) p.mask = attn::to_additive(random_mask(rng, n_q, n_k));
  return p;
}

double row_sum(const Matrix& m, std::size_t i) {
  double s = 0;
  for (double x : m.row(i)) s += x;
  return s;
}

std::string error_of(const auto& f) {
  try {
    f();
  } catch (const attn::Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

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

TEST_CASE("a bool mask and its additive form give the same α, through load_input") {
  std::mt19937_64 rng(4);
  for (int trial = 0; trial < 1000; ++trial) {
    const std::size_t n_q = 1 + below(rng, 4), n_k = 1 + below(rng, 5), d = 1 + below(rng, 3);
    const Matrix q = random_matrix(rng, n_q, d, 3.0), k = random_matrix(rng, n_k, d, 3.0);
    const BoolMatrix allowed = random_mask(rng, n_q, n_k);
    nlohmann::json bools = nlohmann::json::array(), additive = nlohmann::json::array();
    for (std::size_t i = 0; i < n_q; ++i) {
      nlohmann::json b = nlohmann::json::array(), a = nlohmann::json::array();
      for (std::size_t j = 0; j < n_k; ++j) {
        b.push_back(allowed(i, j));
        a.push_back(allowed(i, j) ? nlohmann::json(0) : nlohmann::json("-Infinity"));
      }
      bools.push_back(b);
      additive.push_back(a);
    }
    const auto literal = [](const Matrix& m) {
      nlohmann::json rows = nlohmann::json::array();
      for (std::size_t i = 0; i < m.rows(); ++i)
        rows.push_back(std::vector<double>(m.row(i).begin(), m.row(i).end()));
      return rows.dump();
    };
    const auto weights = [&](const std::string& mask) {
      attn::InputArgs args;
      args.q = literal(q);
      args.k = literal(k);
      args.mask = mask;
      return attn::run_heads(attn::load_input(args, attn::Stage::weights), attn::Stage::weights)
          .heads.front()
          .trace.softmax->weights;
    };
    CAPTURE(trial);
    CAPTURE(bools.dump());
    const Matrix wb = weights(bools.dump());
    const Matrix wa = weights(additive.dump());
    REQUIRE(wb.size() == wa.size());
    for (std::size_t n = 0; n < wb.size(); ++n) REQUIRE(wb.values()[n] == wa.values()[n]);
    for (std::size_t i = 0; i < n_q; ++i)
      for (std::size_t j = 0; j < n_k; ++j)
        if (!allowed(i, j)) REQUIRE(wb(i, j) == 0.0);
  }
}

// Random mask expressions over atoms that fit any shape (valid:L with one L and document:… need
// matching lengths, so they are left to mask_expr_test).
namespace {

std::string random_atom(std::mt19937_64& rng) {
  switch (below(rng, 8)) {
    case 0:
      return "causal";
    case 1:
      return fmt::format("window:{}", 1 + below(rng, 4));
    case 2:
      return fmt::format("local:{}", below(rng, 3));
    case 3:
      return fmt::format("prefix:{}", below(rng, 4));
    case 4:
      return fmt::format("valid:{}", below(rng, 6));
    case 5:
      return fmt::format("chunk:{}", 1 + below(rng, 3));
    case 6:
      return fmt::format("dilated:{}:{}", below(rng, 4), 1 + below(rng, 2));
    default:
      return (rng() & 1) != 0 ? "full" : "none";
  }
}

std::string random_expr(std::mt19937_64& rng, int depth) {
  if (depth == 0 || below(rng, 3) == 0) return random_atom(rng);
  switch (below(rng, 3)) {
    case 0:
      return "!(" + random_expr(rng, depth - 1) + ")";
    case 1:
      return "(" + random_expr(rng, depth - 1) + ")&(" + random_expr(rng, depth - 1) + ")";
    default:
      return "(" + random_expr(rng, depth - 1) + ")|(" + random_expr(rng, depth - 1) + ")";
  }
}

Geometry random_geometry(std::mt19937_64& rng) {
  return {below(rng, 7), below(rng, 7),
          (rng() & 1) != 0 ? attn::Align::top_left : attn::Align::bottom_right};
}

}  // namespace

// mask_expr_test checks that &, |, ! are cellwise and De Morgan; these are the remaining laws of
// a Boolean algebra, cell by cell on random shapes.
TEST_CASE("mask laws: commutative, associative, distributive, absorption, complement, identity") {
  std::mt19937_64 rng(5);
  for (int trial = 0; trial < 1500; ++trial) {
    const Geometry g = random_geometry(rng);
    const std::string a = "(" + random_expr(rng, 2) + ")";
    const std::string b = "(" + random_expr(rng, 2) + ")";
    const std::string c = "(" + random_expr(rng, 2) + ")";
    CAPTURE(a);
    CAPTURE(b);
    CAPTURE(c);
    CAPTURE(g.n_q);
    CAPTURE(g.n_k);
    const auto eval = [&](const std::string& text) { return MaskExpr::parse(text).evaluate(g); };
    const BoolMatrix all(g.n_q, g.n_k, true), nothing(g.n_q, g.n_k, false);
    CHECK(eval(a + "&" + b) == eval(b + "&" + a));
    CHECK(eval(a + "|" + b) == eval(b + "|" + a));
    CHECK(eval("(" + a + "&" + b + ")&" + c) == eval(a + "&(" + b + "&" + c + ")"));
    CHECK(eval("(" + a + "|" + b + ")|" + c) == eval(a + "|(" + b + "|" + c + ")"));
    CHECK(eval(a + "&(" + b + "|" + c + ")") == eval(a + "&" + b + "|" + a + "&" + c));
    CHECK(eval(a + "|" + b + "&" + c) == eval("(" + a + "|" + b + ")&(" + a + "|" + c + ")"));
    CHECK(eval(a + "&(" + a + "|" + b + ")") == eval(a));  // absorption
    CHECK(eval(a + "|" + a + "&" + b) == eval(a));
    CHECK(eval(a + "&" + a) == eval(a));  // idempotence
    CHECK(eval(a + "|" + a) == eval(a));
    CHECK(eval(a + "&!" + a) == nothing);  // complement
    CHECK(eval(a + "|!" + a) == all);
    CHECK(eval(a + "&full") == eval(a));  // identity; `none` is the same as `full`
    CHECK(eval(a + "|none") == all);
    CHECK(eval("!full") == nothing);
    // The canonical text denotes the same mask.
    CHECK(eval(MaskExpr::parse(a + "&" + b + "|!" + c).to_string()) ==
          eval(a + "&" + b + "|!" + c));
  }
}

TEST_CASE("a mask expression and its additive matrix give the same α") {
  std::mt19937_64 rng(6);
  for (int trial = 0; trial < 1000; ++trial) {
    const std::size_t n_q = 1 + below(rng, 5), n_k = 1 + below(rng, 5);
    const Geometry g{n_q, n_k, attn::Align::bottom_right};
    const std::string expr = random_expr(rng, 2);
    CAPTURE(expr);
    const BoolMatrix allowed = MaskExpr::parse(expr).evaluate(g);
    const Matrix beta = random_matrix(rng, n_q, n_k, 5.0);
    const Matrix w =
        attn::softmax_rows(attn::add_cellwise(beta, attn::to_additive(allowed))).weights;
    // The same, by hand: softmax over the allowed cells only.
    for (std::size_t i = 0; i < n_q; ++i) {
      double m = -kInf, sum = 0;
      for (std::size_t j = 0; j < n_k; ++j)
        if (allowed(i, j)) m = std::max(m, beta(i, j));
      for (std::size_t j = 0; j < n_k; ++j)
        if (allowed(i, j)) sum += std::exp(beta(i, j) - m);
      for (std::size_t j = 0; j < n_k; ++j) {
        CAPTURE(i);
        CAPTURE(j);
        const double expected = allowed(i, j) ? std::exp(beta(i, j) - m) / sum : 0.0;
        REQUIRE(w(i, j) == Approx(expected).epsilon(1e-12));
      }
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

TEST_CASE("limits: JSON nesting") {
  SUBCASE("100 000 nested arrays are refused at level 65, without recursion") {
    const std::string deep = std::string(100000, '[') + std::string(100000, ']');
    CHECK(error_of([&] { attn::parse_json(deep, "--q"); }) ==
          "--q: JSON nested deeper than 64 levels");
    CHECK(error_of([&] { attn::parse_matrix(deep, "--q"); }) ==
          "--q: JSON nested deeper than 64 levels");
  }
  SUBCASE("100 000 unclosed objects") {
    CHECK(error_of([&] {
            attn::parse_json(std::string(100000, '{'), "in");
          }).starts_with("in: malformed JSON at line 1, column 2"));
    const std::string objects = [] {
      std::string s;
      for (int d = 0; d < 100000; ++d) s += "{\"a\":";
      return s + "1" + std::string(100000, '}');
    }();
    CHECK(error_of([&] { attn::parse_json(objects, "in"); }) ==
          "in: JSON nested deeper than 64 levels");
  }
  SUBCASE("64 levels parse, and the value can be dumped and copied") {
    const std::string ok = std::string(64, '[') + "1" + std::string(64, ']');
    const nlohmann::json j = attn::parse_json(ok, "in");
    const nlohmann::json copy = j;
    CHECK(copy.dump() == ok);
  }
}

TEST_CASE("limits: numbers too large for a double") {
  CHECK(error_of([] { attn::parse_matrix("[1e400]", "--q"); }) ==
        "--q: number overflow parsing '1e400'");
  CHECK(error_of([] { attn::parse_json(R"({"q": [[1, -1e999]]})", "in.json"); }) ==
        "in.json: number overflow parsing '-1e999'");
  CHECK(error_of([] { attn::parse_matrix("1,1e400", "--q"); }) ==
        "--q: '1e400' is out of the range of a double");
  try {
    attn::parse_matrix("[1e400]", "--q");
  } catch (const attn::Error& e) {
    CHECK(e.code() == attn::Exit::data);
    CHECK(e.hint() == "numbers must fit in a double (at most about 1.8e308)");
  }
  // The largest double is fine.
  CHECK(attn::parse_matrix("[1.7976931348623157e308]", "--q")(0, 0) ==
        std::numeric_limits<double>::max());
}

TEST_CASE("limits: invalid UTF-8 is quoted as \\xNN in messages") {
  CHECK(error_of([] { attn::parse_json("{\"q\": \"\xff\"}", "in.json"); }) ==
        "in.json: malformed JSON at line 1, column 8: syntax error while parsing value - invalid "
        "string: ill-formed UTF-8 byte; last read: '\"\\xFF'");
  CHECK(error_of([] { attn::parse_matrix("1,\xc3(", "--q"); }) == "--q: '\\xC3(' is not a number");
  // Valid UTF-8 is kept as it is.
  CHECK(error_of([] { attn::parse_matrix("1,é", "--q"); }) == "--q: 'é' is not a number");
}

TEST_CASE("limits: too many values") {
  // 50 000 001 values without building them: the JSON parser counts before the DOM is built.
  // Checked on a smaller scale through matrix_from_json's own count, which is the same code path.
  SUBCASE("matrix_from_json counts rows times columns") {
    nlohmann::json row = nlohmann::json::array();
    row.get_ref<nlohmann::json::array_t&>().resize(10000, 0);
    nlohmann::json rows = nlohmann::json::array();
    rows.get_ref<nlohmann::json::array_t&>().resize(5001, row);
    CHECK(error_of([&] { attn::matrix_from_json(rows, "input.q"); }) ==
          "input.q has more than 50000000 values");
  }
}

TEST_CASE("limits: read_text refuses files and streams over the limit") {
  const std::filesystem::path dir = std::filesystem::temp_directory_path();
  const std::filesystem::path small = dir / fmt::format("attn-props-{}.json", ::getpid());
  { std::ofstream(small) << "[1, 2, 3]"; }
  CHECK(attn::read_text(small.string(), 9) == "[1, 2, 3]");
  CHECK(error_of([&] { attn::read_text(small.string(), 8); }) ==
        fmt::format("'{}' is larger than 8 bytes", small.string()));
  // A sparse file a little over 1 GiB is refused from its size, before any of it is read.
  const std::filesystem::path big = dir / fmt::format("attn-props-big-{}.json", ::getpid());
  { std::ofstream(big) << "["; }
  std::filesystem::resize_file(big, attn::max_text_bytes + 1);
  CHECK(error_of([&] { attn::read_text(big.string()); }) ==
        fmt::format("'{}' is larger than 1 GiB", big.string()));
  std::filesystem::remove(big);
  std::filesystem::remove(small);
  CHECK(error_of([&] { attn::read_text(dir.string()); }) ==
        fmt::format("'{}' is a directory, not a file", dir.string()));
}

TEST_CASE("limits: d_k and head counts") {
  CHECK(error_of([] { attn::parse_matrix("[[]]", "--q"); }) == "--q is empty");
  CHECK(error_of([] { attn::parse_matrix("[[], []]", "--q"); }) == "--q is empty");
  attn::InputArgs args;
  args.q = "1,2";
  args.k = "1,2";
  args.heads = 0;
  CHECK(error_of([&] { attn::load_input(args, attn::Stage::scores); }) ==
        "--heads must be from 1 to 4096, not 0");
  args.heads = 4097;
  CHECK(error_of([&] { attn::load_input(args, attn::Stage::scores); }) ==
        "--heads must be from 1 to 4096, not 4097");
  args.heads = 1;
  args.kv_heads = 100000;
  CHECK(error_of([&] { attn::load_input(args, attn::Stage::scores); }) ==
        "--kv-heads must be from 1 to 4096, not 100000");
}
