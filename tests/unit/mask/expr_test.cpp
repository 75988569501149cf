#include "attn/mask/expr.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "mask_testing.hpp"

using attn::Align;
using attn::BoolMatrix;
using attn::Geometry;
using attn::KeyRange;
using attn::MaskExpr;
using attn::testing::br;
using attn::testing::mask;
using attn::testing::tl;

namespace {

// ---- Random expressions over random shapes, for the laws ----

struct Case {
  Geometry g;
  std::string expr;
};

std::size_t pick(std::mt19937& rng, std::size_t lo, std::size_t hi) {
  return std::uniform_int_distribution<std::size_t>(lo, hi)(rng);
}

Geometry random_geometry(std::mt19937& rng) {
  return {pick(rng, 0, 6), pick(rng, 0, 6), pick(rng, 0, 1) == 0 ? br : tl};
}

// A list of n numbers in [lo, hi], "a,b,c".
std::string random_list(std::mt19937& rng, std::size_t n, std::size_t lo, std::size_t hi) {
  std::string text;
  for (std::size_t k = 0; k < n; ++k) text += (k ? "," : "") + std::to_string(pick(rng, lo, hi));
  return text;
}

// An atom whose parameters fit g: valid lists have n_q lengths, document ids cover every key and
// query position.
std::string random_atom(std::mt19937& rng, const Geometry& g) {
  const auto last_position = g.n_q == 0 ? std::int64_t{-1} : g.position(g.n_q - 1);
  const std::size_t ids = std::max<std::size_t>(
      {std::size_t{1}, g.n_k,
       static_cast<std::size_t>(std::max<std::int64_t>(last_position + 1, 0))});
  switch (pick(rng, 0, 10)) {
    case 0:
      return "full";
    case 1:
      return "none";
    case 2:
      return "causal";
    case 3:
      return fmt::format("window:{}", pick(rng, 1, 4));
    case 4:
      return fmt::format("local:{}", pick(rng, 0, 3));
    case 5:
      return fmt::format("prefix:{}", pick(rng, 0, 5));
    case 6:
      return fmt::format("valid:{}", pick(rng, 0, 7));
    case 7:
      return g.n_q >= 2 ? "valid:" + random_list(rng, g.n_q, 0, 7) : "valid:2";
    case 8:
      return "document:" + random_list(rng, ids, 0, 2);
    case 9:
      return fmt::format("chunk:{}", pick(rng, 1, 4));
    default:
      return fmt::format("dilated:{}:{}", pick(rng, 0, 4), pick(rng, 1, 3));
  }
}

std::string random_expr(std::mt19937& rng, const Geometry& g, int depth) {
  if (depth == 0 || pick(rng, 0, 2) == 0) return random_atom(rng, g);
  switch (pick(rng, 0, 3)) {
    case 0:
      return "!" + random_expr(rng, g, depth - 1);
    case 1:
      return "(" + random_expr(rng, g, depth - 1) + ")";
    case 2:
      return random_expr(rng, g, depth - 1) + " & " + random_expr(rng, g, depth - 1);
    default:
      return random_expr(rng, g, depth - 1) + "|" + random_expr(rng, g, depth - 1);
  }
}

Case random_case(std::mt19937& rng) {
  const Geometry g = random_geometry(rng);
  return {g, random_expr(rng, g, 3)};
}

template <class Op>
BoolMatrix cellwise(const BoolMatrix& a, const BoolMatrix& b, Op op) {
  BoolMatrix c(a.rows(), a.cols());
  for (std::size_t i = 0; i < a.rows(); ++i)
    for (std::size_t j = 0; j < a.cols(); ++j) c(i, j) = op(a(i, j), b(i, j));
  return c;
}

BoolMatrix negate(const BoolMatrix& a) {
  return cellwise(a, a, [](bool x, bool) { return !x; });
}

}  // namespace

// ---- Operators, laws, span, text and explain ----

TEST_CASE("operators on hand-checked cases") {
  // causal & window:2 = window:2 (the window is already causal).
  CHECK(mask("causal&window:2", 4, 4) == mask("window:2", 4, 4));
  CHECK(mask("causal & document:0,0,1,1", 4, 4) == BoolMatrix{{1, 0, 0, 0},  //
                                                              {1, 1, 0, 0},
                                                              {0, 0, 1, 0},
                                                              {0, 0, 1, 1}});
  CHECK(mask("prefix:2|local:1", 4, 4) == BoolMatrix{{1, 1, 0, 0},  //
                                                     {1, 1, 1, 0},
                                                     {1, 1, 1, 1},
                                                     {1, 1, 1, 1}});
  CHECK(mask("!(causal)", 3, 3) == BoolMatrix{{0, 1, 1},  //
                                              {0, 0, 1},
                                              {0, 0, 0}});
  CHECK(mask("! causal & full", 2, 2) == BoolMatrix{{0, 1},  // (!causal) & full
                                                    {0, 0}});
}

TEST_CASE("empty shapes evaluate to empty matrices") {
  CHECK(mask("causal", 0, 3) == BoolMatrix(0, 3));
  CHECK(mask("causal & valid:2", 3, 0) == BoolMatrix(3, 0));
}

TEST_CASE("& is the cellwise and, | the cellwise or, ! the cellwise not") {
  std::mt19937 rng(20240601);
  for (int trial = 0; trial < 400; ++trial) {
    const Geometry g = random_geometry(rng);
    const std::string a = random_expr(rng, g, 3);
    const std::string b = random_expr(rng, g, 3);
    CAPTURE(a);
    CAPTURE(b);
    CAPTURE(g.n_q);
    CAPTURE(g.n_k);
    const BoolMatrix ma = MaskExpr::parse(a).evaluate(g);
    const BoolMatrix mb = MaskExpr::parse(b).evaluate(g);
    const auto eval = [&](const std::string& text) { return MaskExpr::parse(text).evaluate(g); };
    const auto both = cellwise(ma, mb, [](bool x, bool y) { return x && y; });
    const auto either = cellwise(ma, mb, [](bool x, bool y) { return x || y; });
    const std::string pa = "(" + a + ")";
    const std::string pb = "(" + b + ")";
    CHECK(eval(pa + "&" + pb) == both);
    CHECK(eval(pa + "|" + pb) == either);
    CHECK(eval("!" + pa) == negate(ma));
    CHECK(eval("!!" + pa) == ma);
    CHECK(eval("!(" + pa + "&" + pb + ")") == eval("!" + pa + "|!" + pb));  // De Morgan
    CHECK(eval("!(" + pa + "|" + pb + ")") == eval("!" + pa + "&!" + pb));  // De Morgan
    CHECK(eval("full") == BoolMatrix(g.n_q, g.n_k, true));
  }
}

TEST_CASE("& binds tighter than |, and ! tighter than both") {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    const Geometry g = random_geometry(rng);
    const std::string a = random_atom(rng, g);
    const std::string b = random_atom(rng, g);
    const std::string c = random_atom(rng, g);
    CAPTURE(a);
    CAPTURE(b);
    CAPTURE(c);
    const auto eval = [&](const std::string& text) { return MaskExpr::parse(text).evaluate(g); };
    CHECK(eval(a + "|" + b + "&" + c) == eval(a + "|(" + b + "&" + c + ")"));
    CHECK(eval(a + "&" + b + "|" + c) == eval("(" + a + "&" + b + ")|" + c));
    CHECK(eval("!" + a + "&" + b) == eval("(!" + a + ")&" + b));
  }
  // A case where the grouping matters: full | full & causal is full; (full | full) & causal is not.
  CHECK(mask("full|full&causal", 3, 3) == BoolMatrix(3, 3, true));
  CHECK(mask("(full|full)&causal", 3, 3) == mask("causal", 3, 3));
}

TEST_CASE("evaluate agrees with allows cell by cell") {
  std::mt19937 rng(11);
  for (int trial = 0; trial < 300; ++trial) {
    const Case c = random_case(rng);
    CAPTURE(c.expr);
    const MaskExpr e = MaskExpr::parse(c.expr);
    const BoolMatrix m = e.evaluate(c.g);
    for (std::size_t i = 0; i < c.g.n_q; ++i) {
      for (std::size_t j = 0; j < c.g.n_k; ++j) {
        CAPTURE(i);
        CAPTURE(j);
        REQUIRE(m(i, j) == e.allows(i, c.g.position(i), static_cast<std::int64_t>(j)));
      }
    }
  }
}

TEST_CASE("span contains every allowed key") {
  std::mt19937 rng(12345);
  for (int trial = 0; trial < 1000; ++trial) {
    const Case c = random_case(rng);
    CAPTURE(c.expr);
    const MaskExpr e = MaskExpr::parse(c.expr);
    const BoolMatrix m = e.evaluate(c.g);
    for (std::size_t i = 0; i < c.g.n_q; ++i) {
      const KeyRange range = e.span(c.g, i);
      CAPTURE(i);
      CAPTURE(range);
      REQUIRE(range.end <= c.g.n_k);
      for (std::size_t j = 0; j < c.g.n_k; ++j) {
        CAPTURE(j);
        if (m(i, j)) REQUIRE(range.contains(j));
      }
    }
  }
}

TEST_CASE("to_string is canonical: parsing it again gives the same text and mask") {
  std::mt19937 rng(99);
  for (int trial = 0; trial < 300; ++trial) {
    const Case c = random_case(rng);
    CAPTURE(c.expr);
    const MaskExpr e = MaskExpr::parse(c.expr);
    const MaskExpr again = MaskExpr::parse(e.to_string());
    CHECK(again.to_string() == e.to_string());
    CHECK(again.evaluate(c.g) == e.evaluate(c.g));
  }
}

TEST_CASE("span is the exact interval for a single interval atom") {
  const Geometry square{4, 4, br};
  CHECK(MaskExpr::parse("causal").span(square, 2) == KeyRange{0, 3});
  CHECK(MaskExpr::parse("causal & window:3").span(square, 3) == KeyRange{1, 4});
  CHECK(MaskExpr::parse("chunk:2").span(square, 2) == KeyRange{2, 4});
  CHECK(MaskExpr::parse("local:1").span(square, 0) == KeyRange{0, 2});
  CHECK(MaskExpr::parse("prefix:3").span(square, 0) == KeyRange{0, 3});
  CHECK(MaskExpr::parse("causal | local:1").span(square, 0) == KeyRange{0, 2});  // the hull
  CHECK(MaskExpr::parse("!causal").span(square, 0) == KeyRange{0, 4});           // ! gives all
  // p = −2 under window:2 covers no key: the empty range.
  CHECK(MaskExpr::parse("window:2").span(Geometry{4, 2, br}, 0) == KeyRange{});
  // document: from the first to the last key with p's id (7 at keys 0 and 2).
  CHECK(MaskExpr::parse("document:7,3,7").span(Geometry{3, 3, br}, 0) == KeyRange{0, 3});
  CHECK(MaskExpr::parse("document:7,3,7").span(Geometry{3, 3, br}, 1) == KeyRange{1, 2});
}

TEST_CASE("to_string spaces operators and brackets only where precedence needs it") {
  const auto canonical = [](std::string_view text) { return MaskExpr::parse(text).to_string(); };
  CHECK(canonical("causal&window:3") == "causal & window:3");
  CHECK(canonical(" ( prefix:2 ) |local:1 ") == "prefix:2 | local:1");
  CHECK(canonical("(prefix:2|local:1)&causal") == "(prefix:2 | local:1) & causal");
  CHECK(canonical("causal&(window:3&chunk:2)") == "causal & window:3 & chunk:2");
  CHECK(canonical("!(causal)") == "!causal");
  CHECK(canonical("!(causal&window:3)") == "!(causal & window:3)");
  CHECK(canonical("!!causal") == "!!causal");
  CHECK(canonical("none") == "full");
  CHECK(canonical("valid : 3 , 2") == "valid:3,2");
  CHECK(canonical("dilated:2:1 | window:007") == "dilated:2:1 | window:7");
  CHECK(MaskExpr::causal().to_string() == "causal");
  CHECK(MaskExpr::parse("causal") == MaskExpr::causal());
}

TEST_CASE("atoms lists each distinct atom once, in order") {
  CHECK(MaskExpr::parse("causal&window:3|causal").atoms() ==
        std::vector<std::string>{"causal", "window:3"});
  CHECK(MaskExpr::parse("!(document:0,1 | dilated:2:2)").atoms() ==
        std::vector<std::string>{"document:0,1", "dilated:2:2"});
}

TEST_CASE("is_full is true only for full or none alone") {
  CHECK(MaskExpr().is_full());
  CHECK(MaskExpr::full().is_full());
  CHECK(MaskExpr::parse("none").is_full());
  CHECK(MaskExpr::parse(" ( full ) ").is_full());
  CHECK_FALSE(MaskExpr::parse("full & full").is_full());
  CHECK_FALSE(MaskExpr::causal().is_full());
}

TEST_CASE("explain gives one line per atom and a verdict") {
  const MaskExpr e = MaskExpr::parse("causal & window:3");
  const Geometry square{4, 4, br};
  // p = 3, j = 0: causal holds, but p − j = 3 is outside the window of 3 keys.
  CHECK(e.explain(square, 3, 0) ==
        std::vector<std::string>{
            "allowed by causal: j = 0 ≤ p = 3",
            "blocked by window:3: p − j = 3 is not < 3",
            "verdict: blocked (row i = 3 at position p = 3, key j = 0, mask causal & window:3)",
        });
  CHECK(e.explain(square, 3, 1) ==
        std::vector<std::string>{
            "allowed by causal: j = 1 ≤ p = 3",
            "allowed by window:3: 0 ≤ p − j = 2 < 3",
            "verdict: allowed (row i = 3 at position p = 3, key j = 1, mask causal & window:3)",
        });
  // Row 0 of a 4×2 bottom-right mask sits at p = −2, before any document starts.
  CHECK(MaskExpr::parse("!document:0,1 | chunk:2").explain(Geometry{4, 2, br}, 0, 1) ==
        std::vector<std::string>{
            "blocked by document:0,1: position p = -2 has no segment id",
            "blocked by chunk:2: ⌊p/2⌋ = -1 ≠ ⌊j/2⌋ = 0",
            "verdict: allowed (row i = 0 at position p = -2, key j = 1, mask !document:0,1 | "
            "chunk:2)",
        });
  CHECK(MaskExpr::parse("valid:1,3").explain(Geometry{2, 4, br}, 1, 3)[0] ==
        "blocked by valid:1,3: j = 3 ≥ L = 3 (the length for row 1)");
  CHECK(MaskExpr::parse("dilated:2:2").explain(Geometry{4, 4, br}, 3, 2)[0] ==
        "blocked by dilated:2:2: |p − j| = 1 ≤ 2 and p − j = 1 is not divisible by 2");
  CHECK_THROWS_WITH_AS(e.explain(square, 4, 0),
                       "--mask: cell (i = 4, j = 0) is outside the 4×4 mask", attn::Error);
}

TEST_CASE("evaluate handles a long sequence") {
  // Row p keeps min(p + 1, 128) keys: 1 + 2 + … + 128 for the first 128 rows, then 128 each.
  const BoolMatrix m = mask("causal & window:128", 1024, 1024);
  CHECK(m.count() == 128 * 129 / 2 + (1024 - 128) * 128);
}
