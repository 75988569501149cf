// Rotary position embeddings: hand-worked rotations in both conventions, and the properties that
// make RoPE what it is over random inputs.
#include "attn/core/rope.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <random>

#include "attn/core/attention.hpp"
#include "attn/core/error.hpp"

using attn::Matrix;
using attn::RopeStyle;
using doctest::Approx;

namespace {

Matrix random_matrix(std::mt19937_64& rng, std::size_t rows, std::size_t cols) {
  Matrix m(rows, cols);
  for (double& x : m.values()) x = static_cast<double>(rng() >> 11) * 0x1p-53 * 4.0 - 2.0;
  return m;
}

// Rotates one row x at position p with the given options.
Matrix rotated(const Matrix& x, std::int64_t p, const attn::RopeOptions& o) {
  const std::size_t r = o.dim.value_or(x.cols());
  const std::vector<std::int64_t> pos{p};
  const Matrix angles = attn::rope_angles(pos, attn::rope_frequencies(r, o.base), o.scale);
  return attn::rotate(x, attn::cosines(angles), attn::sines(angles), r, o.style);
}

double dot(const Matrix& a, const Matrix& b) {
  double s = 0;
  for (std::size_t t = 0; t < a.cols(); ++t) s += a(0, t) * b(0, t);
  return s;
}

}  // namespace

TEST_CASE("a 2-d rotation by hand: both styles pair dimensions 0 and 1") {
  // d = R = 2: θ_0 = base^0 = 1, so position 1 turns by 1 radian:
  // (1, 0) → (cos 1, sin 1) = (0.5403, 0.8415); (0, 1) → (−sin 1, cos 1) = (−0.8415, 0.5403)
  for (RopeStyle style : {RopeStyle::half, RopeStyle::interleaved}) {
    attn::RopeOptions o;
    o.style = style;
    const Matrix x = rotated(Matrix{{1, 0}}, 1, o);
    CHECK(x(0, 0) == Approx(std::cos(1.0)).epsilon(1e-15));
    CHECK(x(0, 1) == Approx(std::sin(1.0)).epsilon(1e-15));
    const Matrix y = rotated(Matrix{{0, 1}}, 1, o);
    CHECK(y(0, 0) == Approx(-std::sin(1.0)).epsilon(1e-15));
    CHECK(y(0, 1) == Approx(std::cos(1.0)).epsilon(1e-15));
  }
}

TEST_CASE("a 4-d rotation by hand: the two styles pair different dimensions") {
  // d = R = 4, base 100: θ = [100^0, 100^(−2/4)] = [1, 0.1]. Position 2: angles [2, 0.2].
  // x = (1, 2, 3, 4).
  attn::RopeOptions o;
  o.base = 100;
  const double c0 = std::cos(2.0), s0 = std::sin(2.0), c1 = std::cos(0.2), s1 = std::sin(0.2);
  SUBCASE("half: pairs (0, 2) and (1, 3)") {
    // (x0, x2) = (1, 3) → (1·c0 − 3·s0, 1·s0 + 3·c0); (x1, x3) = (2, 4) → (2·c1 − 4·s1, 2·s1 +
    // 4·c1)
    const Matrix x = rotated(Matrix{{1, 2, 3, 4}}, 2, o);
    CHECK(x(0, 0) == Approx(1 * c0 - 3 * s0).epsilon(1e-15));
    CHECK(x(0, 2) == Approx(1 * s0 + 3 * c0).epsilon(1e-15));
    CHECK(x(0, 1) == Approx(2 * c1 - 4 * s1).epsilon(1e-15));
    CHECK(x(0, 3) == Approx(2 * s1 + 4 * c1).epsilon(1e-15));
  }
  SUBCASE("interleaved: pairs (0, 1) and (2, 3)") {
    // (x0, x1) = (1, 2) → (1·c0 − 2·s0, 1·s0 + 2·c0); (x2, x3) = (3, 4) → (3·c1 − 4·s1, 3·s1 +
    // 4·c1)
    o.style = RopeStyle::interleaved;
    const Matrix x = rotated(Matrix{{1, 2, 3, 4}}, 2, o);
    CHECK(x(0, 0) == Approx(1 * c0 - 2 * s0).epsilon(1e-15));
    CHECK(x(0, 1) == Approx(1 * s0 + 2 * c0).epsilon(1e-15));
    CHECK(x(0, 2) == Approx(3 * c1 - 4 * s1).epsilon(1e-15));
    CHECK(x(0, 3) == Approx(3 * s1 + 4 * c1).epsilon(1e-15));
  }
  SUBCASE("partial rotary: R = 2 rotates (0, 1) only, dims 2 and 3 pass through") {
    o.dim = 2;  // θ_0 = 1 over R = 2
    const Matrix x = rotated(Matrix{{1, 2, 3, 4}}, 2, o);
    CHECK(x(0, 0) == Approx(1 * c0 - 2 * s0).epsilon(1e-15));
    CHECK(x(0, 2) == 3.0);
    CHECK(x(0, 3) == 4.0);
  }
}

TEST_CASE("properties over random inputs: norms, relative positions, the two styles, R = 0") {
  std::mt19937_64 rng(19);
  for (int trial = 0; trial < 500; ++trial) {
    const std::size_t d = 2 * (1 + rng() % 4);
    attn::RopeOptions o;
    o.base = 2.0 + static_cast<double>(rng() % 20000);
    o.style = (rng() & 1) ? RopeStyle::half : RopeStyle::interleaved;
    if (rng() % 3 == 0) o.dim = 2 * (rng() % (d / 2 + 1));
    if (rng() % 4 == 0) o.scale = 1.0 + static_cast<double>(rng() % 8);
    const Matrix q = random_matrix(rng, 1, d), k = random_matrix(rng, 1, d);
    const auto m = static_cast<std::int64_t>(rng() % 50), n = static_cast<std::int64_t>(rng() % 50);
    const auto shift = static_cast<std::int64_t>(rng() % 1000);
    CAPTURE(trial);
    // a rotation keeps the norm
    const Matrix qm = rotated(q, m, o);
    CHECK(dot(qm, qm) == Approx(dot(q, q)).epsilon(1e-12));
    // q_m·k_n depends on m − n only
    CHECK(dot(qm, rotated(k, n, o)) ==
          Approx(dot(rotated(q, m + shift, o), rotated(k, n + shift, o))).epsilon(1e-9).scale(1));
    // interleaved equals half after the permutation
    const std::size_t r = o.dim.value_or(d);
    const auto perm = attn::interleaved_to_half(r);
    Matrix q_half = q;
    for (std::size_t t = 0; t < r; ++t) q_half(0, perm[t]) = q(0, t);
    attn::RopeOptions inter = o, half = o;
    inter.style = RopeStyle::interleaved;
    half.style = RopeStyle::half;
    const Matrix a = rotated(q, m, inter), b = rotated(q_half, m, half);
    for (std::size_t t = 0; t < r; ++t) CHECK(b(0, perm[t]) == Approx(a(0, t)).epsilon(1e-14));
    // R = 0 rotates nothing
    attn::RopeOptions none = o;
    none.dim = 0;
    CHECK(rotated(q, m, none) == q);
  }
}

TEST_CASE("run_attention with RoPE scores the rotated q and k; positions follow the geometry") {
  // q = [1, 0] (one query, bottom-right: p = 2 of 3 keys), k = [1, 0] at p = 0, 1, 2, base 4
  // (θ_0 = 1 for R = 2): q_m·k_n = cos((m − n)·1) → s = [cos 2, cos 1, cos 0].
  attn::Problem p;
  p.q = Matrix{{1, 0}};
  p.k = Matrix{{1, 0}, {1, 0}, {1, 0}};
  p.rope = attn::RopeOptions{};
  p.rope->base = 4;
  p.scale = 1.0;
  const attn::Trace t = attn::run_attention(p, attn::Stage::scores);
  CHECK(t.dot(0, 0) == Approx(std::cos(2.0)).epsilon(1e-15));
  CHECK(t.dot(0, 1) == Approx(std::cos(1.0)).epsilon(1e-15));
  CHECK(t.dot(0, 2) == Approx(1.0).epsilon(1e-15));
  CHECK(t.rope->q_positions == std::vector<std::int64_t>{2});
  p.align = attn::Align::top_left;  // the query now sits at p = 0: s = [cos 0, cos 1, cos 2]
  CHECK(attn::run_attention(p, attn::Stage::scores).dot(0, 2) ==
        Approx(std::cos(2.0)).epsilon(1e-15));
  p.rope->q_positions = std::vector<std::int64_t>{7};  // explicit: cos(7 − j)
  CHECK(attn::run_attention(p, attn::Stage::scores).dot(0, 0) ==
        Approx(std::cos(7.0)).epsilon(1e-15));
}

TEST_CASE("check_rope names the value at fault") {
  attn::RopeOptions o;
  o.dim = 3;
  CHECK_THROWS_WITH_AS(attn::check_rope(o, 4, 1, 1),
                       "--rope-dim 3 is odd: dimensions rotate in pairs", attn::Error);
  o.dim = 6;
  CHECK_THROWS_WITH_AS(attn::check_rope(o, 4, 1, 1), "--rope-dim 6 is more than d_k = 4",
                       attn::Error);
  o.dim.reset();
  CHECK_THROWS_WITH_AS(attn::check_rope(o, 3, 1, 1),
                       "d_k = 3 is odd, and RoPE rotates pairs of dimensions", attn::Error);
  o.base = 1;
  CHECK_THROWS_WITH_AS(attn::check_rope(o, 4, 1, 1), "--rope-base must be a number above 1, not 1",
                       attn::Error);
  o.base = 10000;
  o.scale = 0;
  CHECK_THROWS_WITH_AS(attn::check_rope(o, 4, 1, 1),
                       "--rope-scale must be a positive number, not 0", attn::Error);
  o.scale = 1;
  o.q_positions = std::vector<std::int64_t>{0, 1};
  CHECK_THROWS_WITH_AS(attn::check_rope(o, 4, 3, 1),
                       "--q-positions has 2 ids but there are 3 queries", attn::Error);
}
