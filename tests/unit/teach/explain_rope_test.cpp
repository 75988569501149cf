// `attn explain rope`: its numbers against the closed forms they illustrate.
#include "attn/teach/explain_rope.hpp"

#include <doctest/doctest.h>

#include <cmath>

#include "attn/core/error.hpp"

using doctest::Approx;

TEST_CASE("explain_rope: shifted pairs score alike, each pair gives 2cos(Δθ), the styles relate") {
  attn::RopeExplainOptions o;
  o.dim = 6;
  o.base = 50;
  const attn::RopeReport r = attn::explain_rope(o);
  // θ_i = 50^(−2i/6) = 50^(−i/3)
  REQUIRE(r.frequencies.size() == 3);
  CHECK(r.frequencies[1] == Approx(std::pow(50.0, -1.0 / 3)).epsilon(1e-15));
  for (const auto& s : r.shifts) CHECK(s.score == Approx(r.shifts.front().score).epsilon(1e-9));
  // (R(mθ)q)·(R(nθ)k) = q·R((n − m)θ)k; per half pair (a, b) = (i, i + 3), with φ = (n − m)θ_i:
  // (q_a k_a + q_b k_b)·cos φ + (q_b k_a − q_a k_b)·sin φ. Here m = 3, n = 1: φ = −2θ_i.
  double want = 0;
  for (std::size_t i = 0; i < 3; ++i) {
    const double qa = r.q[i], qb = r.q[i + 3], ka = r.k[i], kb = r.k[i + 3];
    const double a = -2 * r.frequencies[i];
    want += (qa * ka + qb * kb) * std::cos(a) + (qb * ka - qa * kb) * std::sin(a);
  }
  CHECK(r.shifts.front().score == Approx(want).epsilon(1e-12));
  for (const auto& d : r.distances)
    for (std::size_t i = 0; i < 3; ++i)
      CHECK(d.per_pair[i] ==
            Approx(2 * std::cos(static_cast<double>(d.distance) * r.frequencies[i]))
                .epsilon(1e-12)
                .scale(1));
  CHECK(r.distances.front().score == Approx(6.0).epsilon(1e-15));  // Δ = 0: d
  CHECK(r.converted_score == Approx(r.interleaved_score).epsilon(1e-12));
  CHECK(std::abs(r.half_score - r.interleaved_score) > 1e-3);
  CHECK(r.permutation == std::vector<std::size_t>{0, 3, 1, 4, 2, 5});
}

TEST_CASE("explain_rope refuses an odd dimension and a base not above 1") {
  attn::RopeExplainOptions o;
  o.dim = 5;
  CHECK_THROWS_WITH_AS(attn::explain_rope(o), "--dim 5 must be even and at least 2", attn::Error);
  o.dim = 4;
  o.base = 0.5;
  CHECK_THROWS_WITH_AS(attn::explain_rope(o), "--base must be a number above 1, not 0.5",
                       attn::Error);
}
