#include "attn/teach/generate_gradient.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <set>

#include "attn/teach/slips.hpp"
#include "attn/teach/solve.hpp"
#include "models.hpp"

using attn::Matrix;
using attn::Question;
using attn::QuestionKind;
using doctest::Approx;

namespace {

Question drawn(std::uint64_t seed, std::optional<std::string> variant = {}) {
  attn::SeededRng rng(seed);
  Question q = attn::make_gradient(rng, variant);
  attn::solve(q);
  return q;
}

bool whole_in(double x, double lo, double hi) {
  return x >= lo && x <= hi && x == std::round(x);
}

// Whether a and b differ by more than `apart` in some cell.
bool differ(const Matrix& a, const Matrix& b, double apart) {
  for (std::size_t n = 0; n < a.size(); ++n)
    if (std::abs(a.values()[n] - b.values()[n]) > apart) return true;
  return false;
}

}  // namespace

TEST_CASE("gradient questions: the numbers each variant promises, and the answer by formula") {
  std::set<std::string> variants;
  for (std::uint64_t seed = 1; seed <= 300; ++seed) {
    const Question q = drawn(seed);
    CAPTURE(seed);
    CAPTURE(q.variant);
    variants.insert(q.variant);
    const auto alpha = models::row(*q.weights), dalpha = models::row(*q.dalpha);
    const std::size_t n = q.variant == "softmax" ? 3 : q.variant == "masked" ? 4 : 2;
    REQUIRE(alpha.size() == n);
    REQUIRE(dalpha.size() == n);
    double tenths = 0;
    std::size_t zero = 0;
    for (double a : alpha) {
      CHECK(whole_in(a * 10, 0, 10));
      tenths += a * 10;
      zero += a == 0;
    }
    CHECK(tenths == Approx(10));
    for (double d : dalpha) CHECK(whole_in(d, -2, 2));
    if (q.variant == "masked") {
      // one key blocked (M = −∞, α = 0), the others visible with a weight
      REQUIRE(q.mask_row);
      std::size_t blocked = 0;
      for (std::size_t j = 0; j < 4; ++j) {
        const bool b = (*q.mask_row)(0, j) == -models::kInf;
        blocked += b;
        CHECK((b ? alpha[j] == 0 : alpha[j] > 0));
      }
      CHECK(blocked == 1);
    } else {
      CHECK(zero == 0);
    }
    // The answer is the formula's.
    const auto dbeta = models::dbeta(alpha, dalpha);
    if (q.variant == "query") {
      REQUIRE(q.k);
      CHECK(q.k->rows() == 2);
      CHECK(q.k->cols() == 4);
      for (double x : q.k->values()) CHECK(whole_in(x, -2, 2));
      const auto dq = models::dq(dbeta, *q.k, 0.5);
      for (std::size_t t = 0; t < 4; ++t) CHECK(q.answer.values(0, t) == Approx(dq[t]));
    } else {
      for (std::size_t j = 0; j < n; ++j) CHECK(q.answer.values(0, j) == Approx(dbeta[j]));
    }
  }
  CHECK(variants == std::set<std::string>{"softmax", "masked", "query"});
}

TEST_CASE("gradient questions: every slip differs from the answer and from the other slips") {
  // By more than twice the tolerance in some entry, so that `check` can name each one and an LMS
  // export offers each as its own wrong answer; the generator redraws until it holds.
  for (const char* variant : {"softmax", "masked", "query"})
    for (std::uint64_t seed = 1; seed <= 300; ++seed) {
      const Question q = drawn(seed, std::string(variant));
      const auto slips = attn::numeric_slips(q);
      CAPTURE(variant);
      CAPTURE(seed);
      CHECK(slips.size() >= 3);
      for (std::size_t a = 0; a < slips.size(); ++a) {
        CHECK(differ(slips[a].value, q.answer.values, 0.02));
        for (std::size_t b = a + 1; b < slips.size(); ++b)
          CHECK(differ(slips[a].value, slips[b].value, 0.02));
      }
      CHECK(attn::slips_distinct(q));
    }
}

TEST_CASE("gradient questions: the prompt gives the rule") {
  const Question q = drawn(1, std::string("masked"));
  CHECK(q.prompt.find("$d\\beta_j = \\alpha_j (d\\alpha_j - D)$") != std::string::npos);
  CHECK(q.prompt.find("Which entries get no gradient?") != std::string::npos);
  CHECK(drawn(1, std::string("query")).prompt.find("$c = 1/\\sqrt{d_k}$") != std::string::npos);
}
