#include "attn/teach/rng.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <set>

using doctest::Approx;

TEST_CASE("SeededRng: raw output is std::mt19937_64's, which the standard fixes") {
  // [rand.predef]: the 10000th output of a default-constructed mt19937_64 (seed 5489) is
  // 9981545732273789042.
  attn::SeededRng rng(5489);
  std::uint64_t x = 0;
  for (int n = 0; n < 10000; ++n) x = rng.next();
  CHECK(x == 9981545732273789042ULL);
}

TEST_CASE("SeededRng: uniform_int covers its range and nothing else") {
  attn::SeededRng rng(1);
  std::set<std::int64_t> seen;
  for (int n = 0; n < 2000; ++n) {
    const auto x = rng.uniform_int(-4, 4);
    REQUIRE(x >= -4);
    REQUIRE(x <= 4);
    seen.insert(x);
  }
  CHECK(seen.size() == 9);
}

TEST_CASE("SeededRng: index and shuffle") {
  attn::SeededRng rng(3);
  for (int n = 0; n < 100; ++n) CHECK(rng.index(3) < 3);
  std::vector<int> v{1, 2, 3, 4, 5, 6};
  rng.shuffle(v);
  std::vector<int> sorted = v;
  std::ranges::sort(sorted);
  CHECK(sorted == std::vector<int>{1, 2, 3, 4, 5, 6});  // a permutation
}

TEST_CASE("SeededRng: uniform01 in [0, 1), normal has mean 0 and variance 1") {
  attn::SeededRng rng(2);
  double sum = 0, sum_sq = 0;
  constexpr int n = 100000;
  for (int k = 0; k < n; ++k) {
    const double u = rng.uniform01();
    REQUIRE(u >= 0.0);
    REQUIRE(u < 1.0);
    const double z = rng.normal();
    sum += z;
    sum_sq += z * z;
  }
  // standard error of the mean 1/√n ≈ 0.003, of the variance √(2/n) ≈ 0.0045
  CHECK(std::abs(sum / n) < 0.02);
  CHECK(sum_sq / n == Approx(1.0).epsilon(0.03));
}

TEST_CASE("fnv1a64 and student_seed") {
  CHECK(attn::fnv1a64("") == 0xcbf29ce484222325ULL);   // the offset basis
  CHECK(attn::fnv1a64("a") == 0xaf63dc4c8601ec8cULL);  // FNV's published test vector
  const auto ada = attn::student_seed(7, "Ada"), bob = attn::student_seed(7, "Bob");
  CHECK(ada != bob);
  CHECK(ada == attn::student_seed(7, "Ada"));
  CHECK(ada != attn::student_seed(8, "Ada"));
  CHECK(ada < (std::uint64_t{1} << 53));  // exact in JSON readers that use doubles
  CHECK(ada == 761409367651234ULL);       // printed on Ada's practice sheet (tests/cli/quiz.t)
}
