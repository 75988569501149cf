#include "attn/core/bias.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "attn/core/attention.hpp"
#include "attn/core/error.hpp"
#include "attn/core/trace.hpp"

namespace {

using attn::Align;
using attn::Geometry;
using attn::Matrix;

constexpr double inf = std::numeric_limits<double>::infinity();
constexpr double not_a_number = std::numeric_limits<double>::quiet_NaN();

// Every cell equal, naming the cell that is not.
void check_matrix(const Matrix& actual, const Matrix& expected) {
  REQUIRE(actual.rows() == expected.rows());
  REQUIRE(actual.cols() == expected.cols());
  for (std::size_t i = 0; i < actual.rows(); ++i)
    for (std::size_t j = 0; j < actual.cols(); ++j) {
      CAPTURE(i);
      CAPTURE(j);
      CHECK(actual(i, j) == expected(i, j));
    }
}

struct Caught {
  std::string message;
  attn::Exit code = attn::Exit::ok;
  std::string hint;
};

// The attn::Error that f throws, or message "(nothing thrown)".
template <class F>
Caught caught(F&& f) {
  try {
    f();
  } catch (const attn::Error& e) {
    return {e.what(), e.code(), e.hint()};
  }
  return {"(nothing thrown)", attn::Exit::ok, ""};
}

}  // namespace

// ---- ALiBi
// ---------------------------------------------------------------------------------------

TEST_CASE("alibi_slopes follows the ALiBi paper and BLOOM's build_alibi_tensor") {
  // c = 2^⌊log2 n⌋; heads 1..c: 2^(−8h/c); then 2^(−4(2k−1)/c) for k = 1..n − c.
  SUBCASE("1 head: c = 1, 2^−8") {
    CHECK(attn::alibi_slopes(1) == std::vector<double>{1.0 / 256});
  }
  SUBCASE("2 heads: c = 2, 2^−4 and 2^−8") {
    CHECK(attn::alibi_slopes(2) == std::vector<double>{1.0 / 16, 1.0 / 256});
  }
  SUBCASE("8 heads: 1/2, 1/4, …, 1/256, exactly") {
    CHECK(attn::alibi_slopes(8) == std::vector<double>{1.0 / 2, 1.0 / 4, 1.0 / 8, 1.0 / 16,
                                                       1.0 / 32, 1.0 / 64, 1.0 / 128, 1.0 / 256});
  }
  SUBCASE("12 heads: the 8-head slopes, then 2^−0.5, 2^−1.5, 2^−2.5, 2^−3.5") {
    const std::vector<double> s = attn::alibi_slopes(12);
    REQUIRE(s.size() == 12);
    for (std::size_t h = 1; h <= 8; ++h) {
      CAPTURE(h);
      CHECK(s[h - 1] == std::ldexp(1.0, -static_cast<int>(h)));  // powers of two: exact
    }
    // 2^−(k − ½) = √½ / 2^(k−1); allow one rounding of the irrational power (relative 1e-15).
    const double root_half = 0.70710678118654752;
    CHECK(s[8] == doctest::Approx(root_half).epsilon(1e-15));
    CHECK(s[9] == doctest::Approx(root_half / 2).epsilon(1e-15));
    CHECK(s[10] == doctest::Approx(root_half / 4).epsilon(1e-15));
    CHECK(s[11] == doctest::Approx(root_half / 8).epsilon(1e-15));
  }
  SUBCASE("16 heads: c = 16, 2^(−h/2); even h exact, odd h the half-steps") {
    const std::vector<double> s = attn::alibi_slopes(16);
    REQUIRE(s.size() == 16);
    for (std::size_t h = 1; h <= 16; ++h) {
      CAPTURE(h);
      const double expected = std::pow(2.0, -static_cast<double>(h) / 2);
      if (h % 2 == 0)
        CHECK(s[h - 1] == std::ldexp(1.0, -static_cast<int>(h / 2)));
      else
        CHECK(s[h - 1] == doctest::Approx(expected).epsilon(1e-15));
    }
    // The 12-head extras are the odd-numbered slopes of the 16-head series.
    const std::vector<double> twelve = attn::alibi_slopes(12);
    for (std::size_t k = 0; k < 4; ++k) CHECK(twelve[8 + k] == s[2 * k]);
  }
  SUBCASE("every count up to 64: decreasing within each part, all in (0, 1)") {
    for (std::size_t n = 1; n <= 64; ++n) {
      const std::vector<double> s = attn::alibi_slopes(n);
      CAPTURE(n);
      REQUIRE(s.size() == n);
      for (double m : s) CHECK((m > 0 && m < 1));
    }
  }
}

TEST_CASE("alibi_slopes rejects head counts outside 1..4096") {
  const Caught zero = caught([] { attn::alibi_slopes(0); });
  CHECK(zero.message == "alibi: heads must be between 1 and 4096, got 0");
  CHECK(zero.code == attn::Exit::usage);
  CHECK(caught([] { attn::alibi_slopes(4097); }).message ==
        "alibi: heads must be between 1 and 4096, got 4097");
  CHECK(attn::alibi_slopes(4096).size() == 4096);
}

TEST_CASE("alibi_bias is m·(j − p)") {
  SUBCASE("square, 3×3, m = 1/2: p = i") {
    // row i: ½·(j − i)
    check_matrix(attn::alibi_bias({3, 3}, 0.5), Matrix{{0.0, 0.5, 1.0},  //
                                                       {-0.5, 0.0, 0.5},
                                                       {-1.0, -0.5, 0.0}});
  }
  SUBCASE("2 queries, 4 keys, bottom-right: p = 2, 3") {
    // row 0: ½·(j − 2) = −1, −½, 0, ½;  row 1: ½·(j − 3) = −1.5, −1, −½, 0
    check_matrix(attn::alibi_bias({2, 4, Align::bottom_right}, 0.5),
                 Matrix{{-1.0, -0.5, 0.0, 0.5}, {-1.5, -1.0, -0.5, 0.0}});
  }
  SUBCASE("2 queries, 4 keys, top-left: p = 0, 1") {
    check_matrix(attn::alibi_bias({2, 4, Align::top_left}, 0.5),
                 Matrix{{0.0, 0.5, 1.0, 1.5}, {-0.5, 0.0, 0.5, 1.0}});
  }
  SUBCASE("3 queries, 2 keys, bottom-right: p = −1, 0, 1") {
    // row 0: ¼·(j + 1) = ¼, ½
    check_matrix(attn::alibi_bias({3, 2, Align::bottom_right}, 0.25),
                 Matrix{{0.25, 0.5}, {0.0, 0.25}, {-0.25, 0.0}});
  }
  SUBCASE("the diagonal is +0, not −0") {
    const Matrix b = attn::alibi_bias({2, 2}, 0.5);
    CHECK_FALSE(std::signbit(b(0, 0)));
    CHECK_FALSE(std::signbit(b(1, 1)));
  }
  SUBCASE("slope 0 gives no bias; no queries or keys give an empty matrix") {
    check_matrix(attn::alibi_bias({2, 3}, 0.0), Matrix(2, 3));
    CHECK(attn::alibi_bias({0, 3}, 0.5).empty());
  }
}

TEST_CASE("BLOOM's +m·j differs from −m·(p − j) by a constant per row, so softmax agrees") {
  // b_ij − b_ik must be the same in both forms for every row and pair of keys.
  const std::vector<double> slopes = attn::alibi_slopes(12);
  for (const Geometry g : {Geometry{4, 4}, Geometry{2, 5, Align::bottom_right},
                           Geometry{2, 5, Align::top_left}, Geometry{5, 2, Align::bottom_right}}) {
    for (double m : slopes) {
      const Matrix b = attn::alibi_bias(g, m);
      for (std::size_t i = 0; i < g.n_q; ++i)
        for (std::size_t j = 0; j < g.n_k; ++j)
          for (std::size_t k = 0; k < g.n_k; ++k) {
            CAPTURE(i);
            CAPTURE(j);
            CAPTURE(k);
            const double bloom = m * static_cast<double>(j) - m * static_cast<double>(k);
            CHECK(b(i, j) - b(i, k) == doctest::Approx(bloom).epsilon(1e-12));
          }
    }
  }
}

TEST_CASE("alibi_symmetric_bias is −m·|p − j|, flash-attn's form") {
  SUBCASE("2 queries, 3 keys, bottom-right, m = 1/2: p = 1, 2") {
    // row 0 (p = 1): −½·|1 − j| = −½, 0, −½;  row 1 (p = 2): −½·|2 − j| = −1, −½, 0
    check_matrix(attn::alibi_symmetric_bias({2, 3, Align::bottom_right}, 0.5),
                 Matrix{{-0.5, 0.0, -0.5}, {-1.0, -0.5, 0.0}});
  }
  SUBCASE("top-left: p = i") {
    // row 0 (p = 0): 0, −½, −1;  row 1 (p = 1): −½, 0, −½
    check_matrix(attn::alibi_symmetric_bias({2, 3, Align::top_left}, 0.5),
                 Matrix{{0.0, -0.5, -1.0}, {-0.5, 0.0, -0.5}});
  }
  SUBCASE("one head: m = 2^−8, and b(0, 1) = −m where plain alibi has +m") {
    const double m = attn::alibi_slopes(1)[0];
    CHECK(m == 1.0 / 256);
    check_matrix(attn::alibi_symmetric_bias({2, 2}, m), Matrix{{0.0, -m}, {-m, 0.0}});
    check_matrix(attn::alibi_bias({2, 2}, m), Matrix{{0.0, m}, {-m, 0.0}});
  }
  SUBCASE("agrees with alibi_bias on keys at or before the query, and only there") {
    for (const Geometry g :
         {Geometry{4, 4}, Geometry{2, 5, Align::bottom_right}, Geometry{2, 5, Align::top_left},
          Geometry{5, 2, Align::bottom_right}}) {
      const Matrix a = attn::alibi_bias(g, 0.25);
      const Matrix s = attn::alibi_symmetric_bias(g, 0.25);
      for (std::size_t i = 0; i < g.n_q; ++i)
        for (std::size_t j = 0; j < g.n_k; ++j) {
          CAPTURE(i);
          CAPTURE(j);
          const bool past = static_cast<std::int64_t>(j) <= g.position(i);
          CHECK((a(i, j) == s(i, j)) == past);
          CHECK(s(i, j) == -std::abs(a(i, j)));
        }
    }
  }
  SUBCASE("the diagonal is +0; a bad slope is refused as for alibi_bias") {
    CHECK_FALSE(std::signbit(attn::alibi_symmetric_bias({2, 2}, 0.5)(1, 1)));
    CHECK(caught([] {
            attn::alibi_symmetric_bias({1, 1}, -1.0);
          }).message == "alibi: slope must be finite and ≥ 0, got -1");
  }
}

TEST_CASE("alibi_bias rejects a negative or non-finite slope") {
  CHECK(caught([] {
          attn::alibi_bias({2, 2}, -0.5);
        }).message == "alibi: slope must be finite and ≥ 0, got -0.5");
  CHECK(caught([] {
          attn::alibi_bias({2, 2}, not_a_number);
        }).message == "alibi: slope must be finite and ≥ 0, got nan");
  CHECK(caught([] {
          attn::alibi_bias({2, 2}, inf);
        }).message == "alibi: slope must be finite and ≥ 0, got inf");
}

// ---- T5
// ------------------------------------------------------------------------------------------

namespace {

// Hugging Face T5Attention._relative_position_bucket(r, bidirectional, 32, 128) for
// r = −130 … 130, computed once by the published formula in IEEE float32 (every division,
// logarithm and product rounded to float32, then truncated as .to(torch.long) does) with a Python
// reimplementation. A double evaluation gives the same tables for these defaults.
constexpr std::array<int, 261> hf_bidirectional{
    15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15,  // r = −130
    15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15,  // r = −110
    14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14,  // r = −90
    14, 14, 14, 14, 14, 14, 14, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13,  // r = −70
    13, 13, 13, 13, 13, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 11,  // r = −50
    11, 11, 11, 11, 11, 11, 11, 11, 10, 10, 10, 10, 10, 10, 10, 9,  9,  9,  9,  8,   // r = −30
    8,  8,  8,  7,  6,  5,  4,  3,  2,  1,  0,  17, 18, 19, 20, 21, 22, 23, 24, 24,  // r = −10
    24, 24, 25, 25, 25, 25, 26, 26, 26, 26, 26, 26, 26, 27, 27, 27, 27, 27, 27, 27,  // r = +10
    27, 27, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 29, 29, 29, 29,  // r = +30
    29, 29, 29, 29, 29, 29, 29, 29, 29, 29, 29, 29, 29, 29, 30, 30, 30, 30, 30, 30,  // r = +50
    30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30,  // r = +70
    30, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31,  // r = +90
    31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31,  // r = +110
    31,                                                                              // r = +130
};
constexpr std::array<int, 261> hf_causal{
    31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 30, 30,  // r = −130
    30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 29, 29, 29, 29, 29, 29, 29, 29,  // r = −110
    29, 29, 29, 29, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 27, 27, 27, 27, 27, 27,  // r = −90
    27, 27, 27, 27, 26, 26, 26, 26, 26, 26, 26, 26, 25, 25, 25, 25, 25, 25, 25, 24,  // r = −70
    24, 24, 24, 24, 24, 23, 23, 23, 23, 23, 23, 22, 22, 22, 22, 22, 21, 21, 21, 21,  // r = −50
    20, 20, 20, 20, 19, 19, 19, 18, 18, 18, 17, 17, 16, 16, 16, 15, 14, 13, 12, 11,  // r = −30
    10, 9,  8,  7,  6,  5,  4,  3,  2,  1,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,   // r = −10
    0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,   // r = +10
    0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,   // r = +30
    0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,   // r = +50
    0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,   // r = +70
    0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,   // r = +90
    0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,   // r = +110
    0,                                                                               // r = +130
};

}  // namespace

TEST_CASE("t5_bucket matches Hugging Face's tables for r = −130 … 130") {
  for (std::int64_t r = -130; r <= 130; ++r) {
    CAPTURE(r);
    const auto k = static_cast<std::size_t>(r + 130);
    CHECK(attn::t5_bucket(r, true) == hf_bidirectional[k]);
    CHECK(attn::t5_bucket(r, false) == hf_causal[k]);
  }
}

TEST_CASE("t5_bucket: worked values with the defaults (32 buckets, max_distance 128)") {
  // Bidirectional: 16 buckets a side, exact below 8. r = +16: start 16, n = 16,
  // 8 + ⌊ln(16/8) / ln(128/8) · 8⌋ = 8 + ⌊¼ · 8⌋ = 10, so 26.
  CHECK(attn::t5_bucket(16, true) == 26);
  CHECK(attn::t5_bucket(-16, true) == 10);
  CHECK(attn::t5_bucket(0, true) == 0);
  CHECK(attn::t5_bucket(7, true) == 23);  // exact: 16 + 7
  CHECK(attn::t5_bucket(8, true) == 24);  // first logarithmic bucket: 16 + 8 + ⌊0⌋
  // Causal: 32 buckets, exact below 16; keys after the query all share bucket 0.
  CHECK(attn::t5_bucket(-15, false) == 15);
  CHECK(attn::t5_bucket(-16, false) == 16);
  // r = −32: 16 + ⌊ln 2 / ln 8 · 16⌋ = 16 + ⌊5.33⌋ = 21
  CHECK(attn::t5_bucket(-32, false) == 21);
  for (std::int64_t r : {1, 2, 100, 1000000}) CHECK(attn::t5_bucket(r, false) == 0);
  // Far away and at the extremes of int64: the last bucket of each side.
  constexpr std::int64_t lowest = std::numeric_limits<std::int64_t>::min();
  constexpr std::int64_t highest = std::numeric_limits<std::int64_t>::max();
  CHECK(attn::t5_bucket(lowest, true) == 15);
  CHECK(attn::t5_bucket(highest, true) == 31);
  CHECK(attn::t5_bucket(lowest, false) == 31);
  CHECK(attn::t5_bucket(highest, false) == 0);
}

TEST_CASE("t5_bucket: exact-integer boundaries, where float32 and double can disagree") {
  // With the defaults the logarithmic term is an exact integer at bidirectional n = 16, 32, 64, 128
  // (the term is 2·log2(n/8)) and causal n = 16, 128; float32 lands exactly on it, as does double.
  CHECK(attn::t5_bucket(-16, true) == 10);   // 8 + 2
  CHECK(attn::t5_bucket(-32, true) == 12);   // 8 + 4
  CHECK(attn::t5_bucket(-64, true) == 14);   // 8 + 6
  CHECK(attn::t5_bucket(-63, true) == 13);   // just below the boundary
  CHECK(attn::t5_bucket(-128, true) == 15);  // 8 + 8 = 16, clipped to nb − 1
  CHECK(attn::t5_bucket(-127, true) == 15);  // 8 + 7
  CHECK(attn::t5_bucket(-128, false) == 31);
  // Other configurations, where a double evaluation truncates to the other side. Expected values
  // from the same float32 reimplementation of Hugging Face's formula (double's answer in brackets).
  // Causal, 10 buckets, distance 160: ln(n/5)/ln 32 · 5 = log2(n/5), exactly 1 at n = 10.
  CHECK(attn::t5_bucket(-10, false, 10, 160) == 6);  // [5]
  CHECK(attn::t5_bucket(-20, false, 10, 160) == 7);  // [6]
  CHECK(attn::t5_bucket(-8, true, 18, 128) == 5);    // [4]
  CHECK(attn::t5_bucket(-24, false, 36, 32) == 27);  // [26]
  CHECK(attn::t5_bucket(-18, true, 38, 288) == 11);  // [10]
  // Here float32 lands below an exact 3 (ln 1.5 / ln 3.375 · 9 = 3) and Hugging Face truncates to
  // 2; we follow Hugging Face.
  CHECK(attn::t5_bucket(-12, true, 34, 27) == 10);  // [11]
  CHECK(attn::t5_bucket(12, true, 34, 27) == 27);   // [28]
}

TEST_CASE("t5_bucket: monotonic in distance and always a valid bucket") {
  struct Config {
    int num_buckets, max_distance;
  };
  for (const Config c : {Config{32, 128}, Config{4, 3}, Config{2, 2}, Config{8, 1000},
                         Config{64, 256}, Config{10, 160}, Config{34, 27}}) {
    for (bool bidirectional : {true, false}) {
      if (bidirectional && c.num_buckets < 4) continue;
      CAPTURE(c.num_buckets);
      CAPTURE(c.max_distance);
      CAPTURE(bidirectional);
      int before_past = -1, before_future = -1;
      for (std::int64_t n = 0; n <= 3 * c.max_distance; ++n) {
        CAPTURE(n);
        const int past = attn::t5_bucket(-n, bidirectional, c.num_buckets, c.max_distance);
        const int future = attn::t5_bucket(n, bidirectional, c.num_buckets, c.max_distance);
        CHECK((past >= 0 && past < c.num_buckets));
        CHECK((future >= 0 && future < c.num_buckets));
        CHECK(past >= before_past);
        CHECK(future >= before_future);
        before_past = past;
        before_future = future;
      }
    }
  }
}

TEST_CASE("t5_buckets and t5_bias read r = j − p off the geometry") {
  SUBCASE("3×3 bidirectional: r = j − i") {
    // r = +1, +2 → 17, 18 (upper half); r = −1, −2 → 1, 2
    check_matrix(attn::t5_buckets({3, 3}), Matrix{{0, 17, 18}, {1, 0, 17}, {2, 1, 0}});
  }
  SUBCASE("2 queries, 3 keys, causal, bottom-right (p = 1, 2) and top-left (p = 0, 1)") {
    const attn::T5Options causal{.bidirectional = false};
    check_matrix(attn::t5_buckets({2, 3, Align::bottom_right}, causal),
                 Matrix{{1, 0, 0}, {2, 1, 0}});
    check_matrix(attn::t5_buckets({2, 3, Align::top_left}, causal), Matrix{{0, 0, 0}, {1, 0, 0}});
  }
  SUBCASE("t5_bias looks each bucket up in the table") {
    // table[k] = k/10: the bias is the bucket matrix divided by 10
    std::vector<double> table(32);
    for (std::size_t k = 0; k < table.size(); ++k) table[k] = static_cast<double>(k) / 10;
    check_matrix(attn::t5_bias({3, 3}, {}, table),
                 Matrix{{0.0, 1.7, 1.8}, {0.1, 0.0, 1.7}, {0.2, 0.1, 0.0}});
  }
}

TEST_CASE("T5 options and tables are validated") {
  using attn::T5Options;
  CHECK(caught([] { attn::t5_bucket(0, true, 31, 128); }).message ==
        "t5: num_buckets must be even, got 31");
  CHECK(caught([] { attn::t5_bucket(0, true, 2, 128); }).message ==
        "t5: num_buckets must be at least 4 for bidirectional buckets, got 2");
  CHECK(caught([] { attn::t5_bucket(0, false, 0, 128); }).message ==
        "t5: num_buckets must be at least 2 for causal buckets, got 0");
  CHECK(caught([] { attn::t5_bucket(0, false, 70000, 128); }).message ==
        "t5: num_buckets must be at most 65536, got 70000");
  const Caught distance = caught([] { attn::t5_buckets({2, 2}, T5Options{true, 32, 8}); });
  CHECK(distance.message == "t5: max_distance must be greater than max_exact = 8, got 8");
  CHECK(distance.code == attn::Exit::usage);
  CHECK(distance.hint ==
        "max_exact is num_buckets/4 for bidirectional buckets, num_buckets/2 for causal ones");
  CHECK(caught([] { attn::t5_bucket(0, false, 32, 16); }).message ==
        "t5: max_distance must be greater than max_exact = 16, got 16");
  CHECK(attn::t5_bucket(-20, false, 32, 17) == 31);  // the smallest usable max_distance

  const std::vector<double> short_table(31, 0.0);
  const Caught size = caught([&] { attn::t5_bias({2, 2}, {}, short_table); });
  CHECK(size.message == "t5: the bias table has 31 values but there are 32 buckets");
  CHECK(size.code == attn::Exit::data);
  std::vector<double> table(32, 0.0);
  table[3] = not_a_number;
  CHECK(caught([&] {
          attn::t5_bias({2, 2}, {}, table);
        }).message == "t5: table[3] is nan; bias values must be finite");
}

// ---- Clipped relative positions
// ------------------------------------------------------------------

TEST_CASE("relative_bias clips j − p to [−K, K]") {
  const std::vector<double> table{10, 20, 30};  // K = 1: distances −1, 0, +1
  SUBCASE("2 queries, 4 keys, bottom-right (p = 2, 3)") {
    // row 0: j − p = −2, −1, 0, +1 → clipped −1, −1, 0, +1 → 10, 10, 20, 30
    // row 1: j − p = −3, −2, −1, 0 → −1, −1, −1, 0       → 10, 10, 10, 20
    check_matrix(attn::relative_bias({2, 4}, table, 1), Matrix{{10, 10, 20, 30}, {10, 10, 10, 20}});
  }
  SUBCASE("2 queries, 4 keys, top-left (p = 0, 1)") {
    // row 0: 0, +1, +2, +3 → 20, 30, 30, 30;  row 1: −1, 0, +1, +2 → 10, 20, 30, 30
    check_matrix(attn::relative_bias({2, 4, Align::top_left}, table, 1),
                 Matrix{{20, 30, 30, 30}, {10, 20, 30, 30}});
  }
  SUBCASE("K = 0: one value everywhere") {
    check_matrix(attn::relative_bias({2, 3}, std::vector<double>{-1.5}, 0), Matrix(2, 3, -1.5));
  }
  SUBCASE("K = 2, 3×3: nothing clips") {
    // table[d + 2] = d
    check_matrix(attn::relative_bias({3, 3}, std::vector<double>{-2, -1, 0, 1, 2}, 2),
                 Matrix{{0, 1, 2}, {-1, 0, 1}, {-2, -1, 0}});
  }
}

TEST_CASE("relative_bias validates K and the table") {
  const std::vector<double> table{1, 2, 3, 4};
  const Caught size = caught([&] { attn::relative_bias({2, 2}, table, 2); });
  CHECK(size.message == "relative: K = 2 needs 2K+1 = 5 table values, got 4");
  CHECK(size.code == attn::Exit::data);
  const Caught negative = caught([&] { attn::relative_bias({2, 2}, table, -1); });
  CHECK(negative.message == "relative: K must be ≥ 0, got -1");
  CHECK(negative.code == attn::Exit::usage);
  CHECK(caught([&] {
          attn::relative_bias({2, 2}, table, std::numeric_limits<std::int64_t>::max());
        }).message ==
        "relative: K = 9223372036854775807 needs 2K+1 = 18446744073709551615 table "
        "values, got 4");
  CHECK(caught([] {
          attn::relative_bias({2, 2}, std::vector<double>{0, -inf, 0}, 1);
        }).message == "relative: table[1] is -inf; bias values must be finite");
}

// ---- Soft capping
// --------------------------------------------------------------------------------

TEST_CASE("softcap is cap·tanh(β/cap)") {
  CHECK(attn::softcap(0.0, 50.0) == 0.0);
  CHECK(attn::softcap(50.0, 50.0) == 50.0 * std::tanh(1.0));  // ≈ 38.08
  CHECK(attn::softcap(50.0, 50.0) == doctest::Approx(38.079707797788).epsilon(1e-12));
  CHECK(attn::softcap(1.0, 50.0) == doctest::Approx(1.0).epsilon(1e-3));  // |β| ≪ cap: about β
  for (double beta : {0.01, 0.5, 3.0, 49.0, 120.0, 700.0}) {
    CAPTURE(beta);
    CHECK(attn::softcap(-beta, 50.0) == -attn::softcap(beta, 50.0));  // odd
    CHECK(std::abs(attn::softcap(beta, 50.0)) < 50.0);                // inside (−cap, cap)
    CHECK(attn::softcap(beta, 50.0) < beta);                          // pulled towards 0
  }
  // Far beyond the cap, tanh rounds to 1 in double: the bound is reached, not exceeded.
  CHECK(attn::softcap(1e6, 50.0) == 50.0);
  CHECK(attn::softcap(-inf, 50.0) == -inf);  // a blocked cell stays blocked
  CHECK(attn::softcap(inf, 50.0) == inf);
  CHECK(std::isnan(attn::softcap(not_a_number, 50.0)));
}

TEST_CASE("softcap over a matrix, and a cap that must be finite and positive") {
  const Matrix capped = attn::softcap(Matrix{{0.0, 50.0}, {-inf, -50.0}}, 50.0);
  check_matrix(capped, Matrix{{0.0, 50.0 * std::tanh(1.0)}, {-inf, -50.0 * std::tanh(1.0)}});
  const Caught zero = caught([] { attn::softcap(1.0, 0.0); });
  CHECK(zero.message == "the softcap must be a positive number, not 0");
  CHECK(zero.code == attn::Exit::data);
  CHECK(caught([] { attn::softcap(1.0, -30.0); }).message ==
        "the softcap must be a positive number, not -30");
  CHECK(caught([] { attn::softcap(Matrix(1, 1), inf); }).message ==
        "the softcap must be a positive number, not inf");
}

// ---- The CLI's --bias value
// ----------------------------------------------------------------------

TEST_CASE("parse_bias_spec reads each kind") {
  using attn::BiasKind;
  SUBCASE("alibi: slope from the caller's heads") {
    const attn::BiasSpec s = attn::parse_bias_spec("alibi");
    CHECK(s.kind == BiasKind::alibi);
    CHECK_FALSE(s.slope.has_value());
  }
  SUBCASE("alibi:SLOPE") {
    CHECK(attn::parse_bias_spec("alibi:0.25").slope == 0.25);
    CHECK(attn::parse_bias_spec("alibi:+1e-2").slope == 0.01);
    CHECK(attn::parse_bias_spec("alibi:0").slope == 0.0);
    CHECK_FALSE(attn::parse_bias_spec("alibi:0.25").symmetric);
  }
  SUBCASE("alibi:symmetric and alibi:symmetric:SLOPE") {
    const attn::BiasSpec s = attn::parse_bias_spec("alibi:symmetric");
    CHECK(s.kind == BiasKind::alibi);
    CHECK(s.symmetric);
    CHECK_FALSE(s.slope.has_value());
    const attn::BiasSpec t = attn::parse_bias_spec("alibi:symmetric:0.5");
    CHECK(t.symmetric);
    CHECK(t.slope == 0.5);
  }
  SUBCASE("t5 and t5:causal, with T5's default buckets") {
    const attn::BiasSpec t5 = attn::parse_bias_spec("t5");
    CHECK(t5.kind == BiasKind::t5);
    CHECK(t5.t5.bidirectional);
    CHECK(t5.t5.num_buckets == 32);
    CHECK(t5.t5.max_distance == 128);
    CHECK_FALSE(attn::parse_bias_spec("t5:causal").t5.bidirectional);
  }
  SUBCASE("relative:TABLE, K = (size − 1)/2, spaces around values allowed") {
    const attn::BiasSpec s = attn::parse_bias_spec("relative:-1, 0.5 ,2");
    CHECK(s.kind == BiasKind::relative);
    CHECK(s.table == std::vector<double>{-1, 0.5, 2});
    CHECK(s.max_distance == 1);
    CHECK(attn::parse_bias_spec("relative:7").max_distance == 0);
  }
  CHECK(attn::to_string(BiasKind::relative) == "relative");
}

TEST_CASE("parse_bias_spec errors name the column and suggest a kind") {
  const Caught empty = caught([] { attn::parse_bias_spec(""); });
  CHECK(empty.message == "--bias: empty value");
  CHECK(empty.hint ==
        "expected alibi, alibi:SLOPE, alibi:symmetric[:SLOPE], t5, t5:causal or relative:V,V,… "
        "(2K+1 values)");
  CHECK(empty.code == attn::Exit::usage);

  const Caught typo = caught([] { attn::parse_bias_spec("alibo:0.5"); });
  CHECK(typo.message == "--bias: unknown kind 'alibo' at column 1");
  CHECK(typo.hint == "did you mean 'alibi'?");
  CHECK(caught([] { attn::parse_bias_spec("relatve:1"); }).hint == "did you mean 'relative'?");
  CHECK(caught([] { attn::parse_bias_spec("t6"); }).hint == "did you mean 't5'?");
  const Caught unknown = caught([] { attn::parse_bias_spec("rope"); });
  CHECK(unknown.message == "--bias: unknown kind 'rope' at column 1");
  CHECK(unknown.hint ==
        "expected alibi, alibi:SLOPE, alibi:symmetric[:SLOPE], t5, t5:causal or relative:V,V,… "
        "(2K+1 values)");

  CHECK(caught([] { attn::parse_bias_spec("alibi:"); }).message ==
        "--bias: missing slope at column 7");
  CHECK(caught([] { attn::parse_bias_spec("alibi:x"); }).message ==
        "--bias: slope 'x' at column 7 is not a number");
  CHECK(caught([] { attn::parse_bias_spec("alibi:0.5:2"); }).message ==
        "--bias: slope '0.5:2' at column 7 is not a number");
  CHECK(caught([] { attn::parse_bias_spec("alibi:+-1"); }).message ==
        "--bias: slope '+-1' at column 7 is not a number");
  CHECK(caught([] { attn::parse_bias_spec("alibi:-0.5"); }).message ==
        "--bias: slope at column 7 must be ≥ 0, got -0.5");
  CHECK(caught([] { attn::parse_bias_spec("alibi:inf"); }).message ==
        "--bias: slope 'inf' at column 7 must be finite");
  CHECK(caught([] { attn::parse_bias_spec("alibi:1e999"); }).message ==
        "--bias: slope '1e999' at column 7 is out of range");

  const Caught form = caught([] { attn::parse_bias_spec("alibi:symetric"); });
  CHECK(form.message == "--bias: unknown alibi form 'symetric' at column 7");
  CHECK(form.hint == "did you mean 'symmetric'?");
  CHECK(caught([] { attn::parse_bias_spec("alibi:bloom"); }).message ==
        "--bias: slope 'bloom' at column 7 is not a number");
  CHECK(caught([] { attn::parse_bias_spec("alibi:symmetric:"); }).message ==
        "--bias: missing slope at column 17");
  CHECK(caught([] { attn::parse_bias_spec("alibi:symmetric:-1"); }).message ==
        "--bias: slope at column 17 must be ≥ 0, got -1");
  CHECK(caught([] { attn::parse_bias_spec("alibi:symmetric:x"); }).message ==
        "--bias: slope 'x' at column 17 is not a number");

  const Caught mode = caught([] { attn::parse_bias_spec("t5:casual"); });
  CHECK(mode.message == "--bias: unknown t5 mode 'casual' at column 4");
  CHECK(mode.hint == "did you mean 'causal'?");
  const Caught other = caught([] { attn::parse_bias_spec("t5:decoder"); });
  CHECK(other.message == "--bias: unknown t5 mode 'decoder' at column 4");
  CHECK(other.hint == "the only mode is causal; plain t5 is bidirectional");

  const Caught no_table = caught([] { attn::parse_bias_spec("relative"); });
  CHECK(no_table.message == "--bias: missing table for relative at column 9");
  CHECK(no_table.hint == "write relative:V,V,… with 2K+1 values, for distances −K … K");
  CHECK(caught([] { attn::parse_bias_spec("relative:"); }).message ==
        "--bias: missing table for relative at column 10");
  CHECK(caught([] { attn::parse_bias_spec("relative:1,,2"); }).message ==
        "--bias: missing table value at column 12");
  CHECK(caught([] { attn::parse_bias_spec("relative:1,2,"); }).message ==
        "--bias: missing table value at column 14");
  CHECK(caught([] { attn::parse_bias_spec("relative:1, x,2"); }).message ==
        "--bias: table value 'x' at column 13 is not a number");
  CHECK(caught([] { attn::parse_bias_spec("relative:1,nan,2"); }).message ==
        "--bias: table value 'nan' at column 12 must be finite");
  const Caught even = caught([] { attn::parse_bias_spec("relative:1,2"); });
  CHECK(even.message ==
        "--bias: the relative table at column 10 has 2 values; it needs an odd number, 2K+1");
  CHECK(even.hint == "the values are for distances −K … K, e.g. relative:-1,0,1 for K = 1");
}

// ---- The order of softcap and bias ----

TEST_CASE("parse_softcap_order: bias-first is attn's order, cap-first flash-attn's") {
  CHECK_FALSE(attn::parse_softcap_order("bias-first"));
  CHECK(attn::parse_softcap_order("cap-first"));
  const Caught typo = caught([] { attn::parse_softcap_order("cap-frist"); });
  CHECK(typo.code == attn::Exit::usage);
  CHECK(typo.message == "--softcap-order: expected bias-first or cap-first, got 'cap-frist'");
  CHECK(typo.hint == "did you mean 'cap-first'?");
  const Caught doc =
      caught([] { attn::parse_softcap_order("last", "input.softcap_order", attn::Exit::data); });
  CHECK(doc.code == attn::Exit::data);
  CHECK(doc.message == "input.softcap_order: expected bias-first or cap-first, got 'last'");
  CHECK(doc.hint ==
        "bias-first caps c·s + b (the default); cap-first caps c·s and adds b after, as "
        "flash-attn does");
}

TEST_CASE("the two orders of softcap and bias, worked by hand") {
  // q = [2], k = [2; 0], v = [1; 0], d_k = 1 so c = 1; b = [0, 3], C = 1. s = c·s = [4, 0].
  attn::Problem p;
  p.q = Matrix{{2.0}};
  p.k = Matrix{{2.0}, {0.0}};
  p.v = Matrix{{1.0}, {0.0}};
  p.bias = Matrix{{0.0, 3.0}};
  p.softcap = 1.0;
  SUBCASE("bias-first: β = C·tanh((c·s + b)/C) = [tanh 4, tanh 3]") {
    // tanh 4 = 0.9993293, tanh 3 = 0.9950548: α₀ = 1/(1 + e^(tanh 3 − tanh 4)) = 0.50107.
    const attn::Trace t = attn::run_attention(p, attn::Stage::output);
    CHECK(t.scores(0, 0) == doctest::Approx(std::tanh(4.0)).epsilon(1e-15));
    CHECK(t.scores(0, 1) == doctest::Approx(std::tanh(3.0)).epsilon(1e-15));
    const double alpha0 = 1.0 / (1.0 + std::exp(std::tanh(3.0) - std::tanh(4.0)));
    CHECK(alpha0 == doctest::Approx(0.50107).epsilon(1e-5));
    CHECK((*t.output)(0, 0) == doctest::Approx(alpha0).epsilon(1e-14));
    CHECK_FALSE(t.softcap_first);
  }
  SUBCASE("cap-first: β = C·tanh(c·s/C) + b = [tanh 4 + 0, tanh 0 + 3]") {
    // α₀ = 1/(1 + e^(3 − tanh 4)) = 1/(1 + e^2.0006707) = 1/8.394014 = 0.11913.
    p.softcap_first = true;
    const attn::Trace t = attn::run_attention(p, attn::Stage::output);
    CHECK(t.scores(0, 0) == doctest::Approx(std::tanh(4.0)).epsilon(1e-15));
    CHECK(t.scores(0, 1) == 3.0);
    const double alpha0 = 1.0 / (1.0 + std::exp(3.0 - std::tanh(4.0)));
    CHECK(alpha0 == doctest::Approx(0.11913).epsilon(1e-5));
    CHECK((*t.output)(0, 0) == doctest::Approx(alpha0).epsilon(1e-14));
    CHECK(t.softcap_first);
    // The trace lists the cap before the bias.
    std::vector<attn::StepKind> kinds;
    for (const attn::TraceStep& step : t.steps()) kinds.push_back(step.kind);
    const auto at = [&](attn::StepKind k) { return std::find(kinds.begin(), kinds.end(), k); };
    CHECK(at(attn::StepKind::softcap) < at(attn::StepKind::bias));
  }
}
