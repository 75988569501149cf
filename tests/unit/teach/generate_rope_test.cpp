#include "attn/teach/generate_rope.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <map>
#include <set>

#include "attn/teach/slips.hpp"
#include "attn/teach/solve.hpp"
#include "models.hpp"

using attn::Matrix;
using attn::Question;
using doctest::Approx;

namespace {

Question drawn(std::uint64_t seed, std::optional<std::string> variant = {}) {
  attn::SeededRng rng(seed);
  Question q = attn::make_rope(rng, variant);
  attn::solve(q);
  return q;
}

bool is_half(double x) {
  return x >= -2 && x <= 2 && x * 2 == std::round(x * 2);
}

}  // namespace

TEST_CASE("rope:rotate: halves at positions m > n ≥ 1, the score by formula, the slips apart") {
  std::set<std::pair<std::int64_t, std::int64_t>> positions;
  for (std::uint64_t seed = 1; seed <= 300; ++seed) {
    const Question q = drawn(seed, std::string("rotate"));
    CAPTURE(seed);
    const auto qv = models::row(*q.q), kv = models::row(*q.k);
    for (double x : qv) CHECK(is_half(x));
    for (double x : kv) CHECK(is_half(x));
    const std::int64_t m = *q.q_position, n = *q.k_position;
    CHECK(n >= 1);
    CHECK(m > n);
    CHECK(m <= 5);
    positions.insert({m, n});
    // s = q'·k' with q' = R(m)q, k' = R(n)k, θ = 1
    CHECK(q.answer.values(0, 0) ==
          Approx(models::rope_score(qv, kv, static_cast<double>(m), static_cast<double>(n))));
    CHECK(attn::slips_distinct(q));
  }
  CHECK(positions.size() == 9);  // n = 1 … 3, m = n + 1 … 5
}

TEST_CASE("rope:shift: each option is its mistake, only the right one keeps the score") {
  std::map<std::string, std::size_t> ids;
  for (std::uint64_t seed = 1; seed <= 300; ++seed) {
    const Question q = drawn(seed, std::string("shift"));
    CAPTURE(seed);
    const auto qv = models::row(*q.q), kv = models::row(*q.k);
    const std::int64_t m = *q.q_position, n = *q.k_position;
    REQUIRE(q.choices.size() == 4);
    std::int64_t t = 0;
    for (const auto& c : q.choices)
      if (c.id == "correct") t = c.positions->first - m;
    CHECK(t >= 1);
    const double right = models::rope_score(qv, kv, static_cast<double>(m), static_cast<double>(n));
    std::set<std::pair<std::int64_t, std::int64_t>> offered;
    for (const auto& c : q.choices) {
      CAPTURE(c.id);
      ++ids[c.id];
      const auto [a, b] = *c.positions;
      offered.insert(*c.positions);
      // The positions each id stands for, from the mistake's description.
      if (c.id == "correct") CHECK((a == m + t && b == n + t));
      if (c.id == "swapped") CHECK((a == n && b == m));
      if (c.id == "query_shifted") CHECK((a == m + t && b == n));
      if (c.id == "doubled") CHECK((a == 2 * m && b == 2 * n));
      const double s = models::rope_score(qv, kv, static_cast<double>(a), static_cast<double>(b));
      if (c.id == "correct")
        CHECK(s == Approx(right));
      else
        CHECK(std::abs(s - right) > 0.02);
      CHECK(c.text == "$(m', n') = (" + std::to_string(a) + ", " + std::to_string(b) + ")$");
    }
    CHECK(offered.size() == 4);
    CHECK(q.answer.labels.size() == 1);
  }
  CHECK(ids == std::map<std::string, std::size_t>{
                   {"correct", 300}, {"doubled", 300}, {"query_shifted", 300}, {"swapped", 300}});
}

TEST_CASE("rope:pairing: the three ways to pair four dimensions, the formula's convention right") {
  // The style of each formula, from the code or paper it quotes.
  const std::map<std::string, std::vector<std::pair<std::size_t, std::size_t>>> right{
      {"hf_rotate_half", {{0, 2}, {1, 3}}},   {"neox_formula", {{0, 2}, {1, 3}}},
      {"flash_half", {{0, 2}, {1, 3}}},       {"gptj_every_two", {{0, 1}, {2, 3}}},
      {"roformer_formula", {{0, 1}, {2, 3}}}, {"meta_complex", {{0, 1}, {2, 3}}},
      {"flash_interleaved", {{0, 1}, {2, 3}}}};
  std::set<std::string> formulas;
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    const Question q = drawn(seed, std::string("pairing"));
    CAPTURE(seed);
    CAPTURE(q.formula);
    formulas.insert(q.formula);
    REQUIRE(right.contains(q.formula));
    REQUIRE(q.choices.size() == 3);
    std::set<std::vector<std::pair<std::size_t, std::size_t>>> offered;
    for (const auto& c : q.choices) {
      offered.insert(c.pairs);
      if (c.id == "correct") {
        CHECK(c.pairs == right.at(q.formula));
        CHECK(c.label == q.answer.labels);
      } else if (c.id == "other_pairing") {
        CHECK(c.pairs != right.at(q.formula));
        CHECK((c.pairs == std::vector<std::pair<std::size_t, std::size_t>>{{0, 2}, {1, 3}} ||
               c.pairs == std::vector<std::pair<std::size_t, std::size_t>>{{0, 1}, {2, 3}}));
      } else {
        CHECK(c.id == "mirrored");
        CHECK(c.pairs == std::vector<std::pair<std::size_t, std::size_t>>{{0, 3}, {1, 2}});
      }
    }
    CHECK(offered.size() == 3);  // the three perfect matchings of {0, 1, 2, 3}
    CHECK(q.prompt.find(attn::rope_formula(q.formula).text) != std::string::npos);
  }
  CHECK(formulas.size() == right.size());
}
