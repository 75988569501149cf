#include "attn/teach/draw.hpp"

#include <doctest/doctest.h>

#include <numeric>
#include <set>

using attn::QuestionKind;

TEST_CASE("draw_tenths: positive tenths that sum to 10, every split drawn") {
  for (std::size_t n : {2u, 3u}) {
    std::set<std::vector<std::int64_t>> seen;
    attn::SeededRng rng(5);
    for (int t = 0; t < 2000; ++t) {
      const auto w = attn::draw_tenths(rng, n);
      REQUIRE(w.size() == n);
      CHECK(std::accumulate(w.begin(), w.end(), std::int64_t{0}) == 10);
      for (auto x : w) CHECK(x >= 1);
      seen.insert(w);
    }
    // 2 weights: a = 1 … 9; 3 weights: the 36 splits of 10 into three positive parts
    CHECK(seen.size() == (n == 2 ? 9u : 36u));
  }
  attn::SeededRng rng(1);
  CHECK_THROWS(attn::draw_tenths(rng, 4));
}

TEST_CASE("draw_half, draw_whole: the ranges they promise") {
  attn::SeededRng rng(9);
  std::set<double> halves, nonzero;
  for (int t = 0; t < 1000; ++t) {
    halves.insert(attn::draw_half(rng));
    nonzero.insert(attn::draw_nonzero_half(rng));
  }
  CHECK(halves == std::set<double>{-2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2});
  CHECK(nonzero == std::set<double>{-2, -1.5, -1, -0.5, 0.5, 1, 1.5, 2});
  const attn::Matrix m = attn::draw_whole(rng, 3, 4, -2, 2);
  CHECK(m.rows() == 3);
  CHECK(m.cols() == 4);
  for (double x : m.values())
    CHECK((x >= -2 && x <= 2 && x == static_cast<double>(static_cast<int>(x))));
}

TEST_CASE("option_label and draw_variant") {
  CHECK(attn::option_label(0) == "A");
  CHECK(attn::option_label(3) == "D");
  // A forced variant draws nothing from the generator.
  int draws = 0;
  CHECK(attn::draw_variant(QuestionKind::rope, std::string("pairing"), [&] {
          ++draws;
          return std::size_t{0};
        }) == "pairing");
  CHECK(draws == 0);
  CHECK(attn::draw_variant(QuestionKind::rope, std::nullopt, [] { return std::size_t{1}; }) ==
        "shift");
}
