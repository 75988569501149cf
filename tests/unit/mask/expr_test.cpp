#include "attn/mask/expr.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "attn/core/error.hpp"

using attn::Align;
using attn::BoolMatrix;
using attn::Geometry;
using attn::KeyRange;
using attn::MaskExpr;

namespace doctest {
template <>
struct StringMaker<BoolMatrix> {
  static String convert(const BoolMatrix& m) {
    std::string text = fmt::format("{}×{}", m.rows(), m.cols());
    for (std::size_t i = 0; i < m.rows(); ++i) {
      text += "\n  ";
      for (std::size_t j = 0; j < m.cols(); ++j) text += m(i, j) ? '1' : '0';
    }
    return text.c_str();
  }
};
template <>
struct StringMaker<KeyRange> {
  static String convert(const KeyRange& r) {
    return fmt::format("[{}, {})", r.begin, r.end).c_str();
  }
};
}  // namespace doctest

namespace {

constexpr Align br = Align::bottom_right;
constexpr Align tl = Align::top_left;

BoolMatrix mask(std::string_view expr, std::size_t n_q, std::size_t n_k, Align align = br) {
  return MaskExpr::parse(expr).evaluate(Geometry{n_q, n_k, align});
}

// The message of the usage error that parsing `text` throws.
std::string parse_error(std::string_view text) {
  try {
    (void)MaskExpr::parse(text);
  } catch (const attn::Error& e) {
    CHECK(e.code() == attn::Exit::usage);
    return e.what();
  }
  return "(parsed without error)";
}

// The message of the data error that evaluating `text` for g throws.
std::string evaluate_error(std::string_view text, Geometry g) {
  try {
    (void)MaskExpr::parse(text).evaluate(g);
  } catch (const attn::Error& e) {
    CHECK(e.code() == attn::Exit::data);
    return e.what();
  }
  return "(evaluated without error)";
}

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

// ---- Every atom, written out by hand ----
// Shapes: 4×4 (p = i); 2×4 bottom-right (p = i + 2); 2×4 top-left (p = i);
// 4×2 bottom-right (p = i − 2, so rows 0 and 1 sit at positions −2 and −1).

TEST_CASE("full and none allow every key") {
  CHECK(mask("full", 4, 4) == BoolMatrix(4, 4, true));
  CHECK(mask("none", 4, 4) == BoolMatrix(4, 4, true));
  CHECK(mask("full", 2, 4, br) == BoolMatrix(2, 4, true));
  CHECK(mask("full", 2, 4, tl) == BoolMatrix(2, 4, true));
  CHECK(mask("full", 4, 2, br) == BoolMatrix(4, 2, true));
}

TEST_CASE("causal: j ≤ p") {
  CHECK(mask("causal", 4, 4) == BoolMatrix{{1, 0, 0, 0},  //
                                           {1, 1, 0, 0},
                                           {1, 1, 1, 0},
                                           {1, 1, 1, 1}});
  // p = 2, 3: the queries are the last two keys.
  CHECK(mask("causal", 2, 4, br) == BoolMatrix{{1, 1, 1, 0},  //
                                               {1, 1, 1, 1}});
  // p = 0, 1: SDPA's is_causal.
  CHECK(mask("causal", 2, 4, tl) == BoolMatrix{{1, 0, 0, 0},  //
                                               {1, 1, 0, 0}});
  // p = −2, −1, 0, 1: no key precedes a negative position, so the first two rows are empty.
  CHECK(mask("causal", 4, 2, br) == BoolMatrix{{0, 0},  //
                                               {0, 0},
                                               {1, 0},
                                               {1, 1}});
}

TEST_CASE("window:W: p − W < j ≤ p, W keys including the query's own") {
  // window:2 keeps j ∈ {p − 1, p}.
  CHECK(mask("window:2", 4, 4) == BoolMatrix{{1, 0, 0, 0},  //
                                             {1, 1, 0, 0},
                                             {0, 1, 1, 0},
                                             {0, 0, 1, 1}});
  CHECK(mask("window:2", 2, 4, br) == BoolMatrix{{0, 1, 1, 0},  // p = 2
                                                 {0, 0, 1, 1}});
  CHECK(mask("window:2", 2, 4, tl) == BoolMatrix{{1, 0, 0, 0},  // p = 0
                                                 {1, 1, 0, 0}});
  CHECK(mask("window:2", 4, 2, br) == BoolMatrix{{0, 0},  // p = −2: j ∈ {−3, −2}
                                                 {0, 0},  // p = −1: j ∈ {−2, −1}
                                                 {1, 0},
                                                 {1, 1}});
  CHECK(mask("window:1", 4, 4) == BoolMatrix{{1, 0, 0, 0},  // only the diagonal
                                             {0, 1, 0, 0},
                                             {0, 0, 1, 0},
                                             {0, 0, 0, 1}});
}

TEST_CASE("local:W: |p − j| ≤ W, a band of 2W + 1 keys") {
  CHECK(mask("local:1", 4, 4) == BoolMatrix{{1, 1, 0, 0},  //
                                            {1, 1, 1, 0},
                                            {0, 1, 1, 1},
                                            {0, 0, 1, 1}});
  CHECK(mask("local:1", 2, 4, br) == BoolMatrix{{0, 1, 1, 1},  // p = 2
                                                {0, 0, 1, 1}});
  CHECK(mask("local:1", 2, 4, tl) == BoolMatrix{{1, 1, 0, 0},  // p = 0
                                                {1, 1, 1, 0}});
  CHECK(mask("local:1", 4, 2, br) == BoolMatrix{{0, 0},  // p = −2: j ∈ [−3, −1]
                                                {1, 0},  // p = −1: j ∈ [−2, 0]
                                                {1, 1},
                                                {1, 1}});
  CHECK(mask("local:0", 2, 2) == BoolMatrix{{1, 0},  //
                                            {0, 1}});
}

TEST_CASE("prefix:P: j < P or j ≤ p") {
  // The first two keys are visible to everyone; after them, causal.
  CHECK(mask("prefix:2", 4, 4) == BoolMatrix{{1, 1, 0, 0},  //
                                             {1, 1, 0, 0},
                                             {1, 1, 1, 0},
                                             {1, 1, 1, 1}});
  CHECK(mask("prefix:2", 2, 4, br) == BoolMatrix{{1, 1, 1, 0},  // p = 2
                                                 {1, 1, 1, 1}});
  CHECK(mask("prefix:2", 2, 4, tl) == BoolMatrix{{1, 1, 0, 0},  // p = 0
                                                 {1, 1, 0, 0}});
  CHECK(mask("prefix:1", 4, 2, br) == BoolMatrix{{1, 0},  // p = −2 still sees the prefix j = 0
                                                 {1, 0},
                                                 {1, 0},
                                                 {1, 1}});
  CHECK(mask("prefix:0", 4, 4) == mask("causal", 4, 4));
}

TEST_CASE("valid:L: j < L, one L for all rows or one per query row") {
  CHECK(mask("valid:3", 4, 4) == BoolMatrix{{1, 1, 1, 0},  //
                                            {1, 1, 1, 0},
                                            {1, 1, 1, 0},
                                            {1, 1, 1, 0}});
  CHECK(mask("valid:1,2,3,4", 4, 4) == BoolMatrix{{1, 0, 0, 0},  //
                                                  {1, 1, 0, 0},
                                                  {1, 1, 1, 0},
                                                  {1, 1, 1, 1}});
  // Lengths go by row i, not position p, so the alignment does not matter.
  const BoolMatrix rows{{1, 1, 1, 0},  //
                        {1, 0, 0, 0}};
  CHECK(mask("valid:3,1", 2, 4, br) == rows);
  CHECK(mask("valid:3,1", 2, 4, tl) == rows);
  CHECK(mask("valid:1,0,2,1", 4, 2, br) == BoolMatrix{{1, 0},  //
                                                      {0, 0},
                                                      {1, 1},
                                                      {1, 0}});
  CHECK(mask("valid:9", 1, 3) == BoolMatrix{{1, 1, 1}});  // longer than the keys: all valid
}

TEST_CASE("document:IDS: ids[p] = ids[j], and a position without an id attends nothing") {
  // Two documents packed into one sequence: keys 0–1 and 2–3.
  CHECK(mask("document:0,0,1,1", 4, 4) == BoolMatrix{{1, 1, 0, 0},  //
                                                     {1, 1, 0, 0},
                                                     {0, 0, 1, 1},
                                                     {0, 0, 1, 1}});
  CHECK(mask("document:0,0,1,1", 2, 4, br) == BoolMatrix{{0, 0, 1, 1},  // p = 2, 3: document 1
                                                         {0, 0, 1, 1}});
  CHECK(mask("document:0,0,1,1", 2, 4, tl) == BoolMatrix{{1, 1, 0, 0},  // p = 0, 1: document 0
                                                         {1, 1, 0, 0}});
  CHECK(mask("document:0,1", 4, 2, br) == BoolMatrix{{0, 0},  // p = −2: no segment
                                                     {0, 0},  // p = −1: no segment
                                                     {1, 0},
                                                     {0, 1}});
  CHECK(mask("document:0,0,1,1,1", 5, 5) == BoolMatrix{{1, 1, 0, 0, 0},  //
                                                       {1, 1, 0, 0, 0},
                                                       {0, 0, 1, 1, 1},
                                                       {0, 0, 1, 1, 1},
                                                       {0, 0, 1, 1, 1}});
  // The ids need not be contiguous: positions 0 and 2 share id 7.
  CHECK(mask("document:7,3,7", 3, 3) == BoolMatrix{{1, 0, 1},  //
                                                   {0, 1, 0},
                                                   {1, 0, 1}});
}

TEST_CASE("chunk:C: ⌊p/C⌋ = ⌊j/C⌋, with floor division for negative positions") {
  CHECK(mask("chunk:2", 4, 4) == BoolMatrix{{1, 1, 0, 0},  //
                                            {1, 1, 0, 0},
                                            {0, 0, 1, 1},
                                            {0, 0, 1, 1}});
  CHECK(mask("chunk:2", 2, 4, br) == BoolMatrix{{0, 0, 1, 1},  // ⌊2/2⌋ = ⌊3/2⌋ = 1
                                                {0, 0, 1, 1}});
  CHECK(mask("chunk:2", 2, 4, tl) == BoolMatrix{{1, 1, 0, 0},  //
                                                {1, 1, 0, 0}});
  // ⌊−1/2⌋ = −1 (C++'s −1 / 2 would give 0 and wrongly put p = −1 in the chunk of keys 0, 1).
  CHECK(mask("chunk:2", 4, 2, br) == BoolMatrix{{0, 0},  // ⌊−2/2⌋ = −1
                                                {0, 0},  // ⌊−1/2⌋ = −1
                                                {1, 1},
                                                {1, 1}});
  CHECK(mask("chunk:3", 5, 5) == BoolMatrix{{1, 1, 1, 0, 0},  //
                                            {1, 1, 1, 0, 0},
                                            {1, 1, 1, 0, 0},
                                            {0, 0, 0, 1, 1},
                                            {0, 0, 0, 1, 1}});
}

TEST_CASE("dilated:W:D: |p − j| ≤ W and D divides p − j") {
  // dilated:2:2 keeps j ∈ {p − 2, p, p + 2}.
  CHECK(mask("dilated:2:2", 5, 5) == BoolMatrix{{1, 0, 1, 0, 0},  //
                                                {0, 1, 0, 1, 0},
                                                {1, 0, 1, 0, 1},
                                                {0, 1, 0, 1, 0},
                                                {0, 0, 1, 0, 1}});
  CHECK(mask("dilated:2:2", 2, 4, br) == BoolMatrix{{1, 0, 1, 0},  // p = 2
                                                    {0, 1, 0, 1}});
  CHECK(mask("dilated:2:2", 2, 4, tl) == BoolMatrix{{1, 0, 1, 0},  // p = 0
                                                    {0, 1, 0, 1}});
  CHECK(mask("dilated:2:2", 4, 2, br) == BoolMatrix{{1, 0},  // p = −2: j = 0, p − j = −2
                                                    {0, 1},  // p = −1: j = 1, p − j = −2
                                                    {1, 0},
                                                    {0, 1}});
  CHECK(mask("dilated:3:1", 4, 4) == BoolMatrix(4, 4, true));
}

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

// ---- Laws over random expressions and shapes ----

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

// ---- span on hand-checked rows ----

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

// ---- Parse errors: the exact text ----

TEST_CASE("parse errors name the column and suggest the nearest atom") {
  CHECK(parse_error("causal&windw:3") ==
        "--mask: unknown atom 'windw' at column 8 (did you mean 'window'?)");
  CHECK(parse_error("Causal") ==
        "--mask: unknown atom 'Causal' at column 1 (did you mean 'causal'?)");
  CHECK(parse_error("causal | banana") == "--mask: unknown atom 'banana' at column 10");
  CHECK(parse_error("✓") == "--mask: unknown atom '✓' at column 1");
  try {
    (void)MaskExpr::parse("windw:3");
    FAIL("no error");
  } catch (const attn::Error& e) {
    CHECK(e.hint() == attn::mask_syntax());
  }
}

TEST_CASE("parse errors for parameters") {
  CHECK(parse_error("causal&window") ==
        "--mask: window needs a size, as in window:3 (at column 8)");
  CHECK(parse_error("window:") == "--mask: window needs a size, as in window:3 (at column 1)");
  CHECK(parse_error("local") == "--mask: local needs a width, as in local:1 (at column 1)");
  CHECK(parse_error("document") ==
        "--mask: document needs a segment id per key, as in document:0,0,1,1 (at column 1)");
  CHECK(parse_error("dilated:2") ==
        "--mask: dilated needs a width and a step, as in dilated:2:2 (at column 1)");
  CHECK(parse_error("window:x") ==
        "--mask: bad number 'x' at column 8: window needs a size, as in window:3");
  CHECK(parse_error("window:3.5") ==
        "--mask: bad number '3.5' at column 8: window needs a size, as in window:3");
  CHECK(parse_error("window:+3") ==
        "--mask: bad number '+3' at column 8: window needs a size, as in window:3");
  CHECK(parse_error("window:0") ==
        "--mask: window size must be from 1 to 1000000000, got 0 (at column 8)");
  CHECK(parse_error("local:-1") ==
        "--mask: local width must be from 0 to 1000000000, got -1 (at column 7)");
  CHECK(parse_error("chunk:1000000001") ==
        "--mask: chunk size must be from 1 to 1000000000, got 1000000001 (at column 7)");
  CHECK(parse_error("prefix:99999999999999999999") ==
        "--mask: prefix length must be from 0 to 1000000000, got 99999999999999999999 (at column "
        "8)");
  CHECK(parse_error("dilated:2:0") ==
        "--mask: dilated step must be from 1 to 1000000000, got 0 (at column 11)");
  CHECK(parse_error("document:0,-1") ==
        "--mask: document segment id must be from 0 to 1000000000, got -1 (at column 12)");
  CHECK(parse_error("window:3,4") ==
        "--mask: window takes one number, as in window:3 (at column 9)");
  CHECK(parse_error("causal:3") == "--mask: causal takes no parameter (at column 7)");
  CHECK(parse_error("valid:3,,4") == "--mask: missing a number after ',' at column 8");
  CHECK(parse_error("valid:3:4") == "--mask: valid separates its numbers with ',' (at column 8)");
  CHECK(parse_error("dilated:2,2") ==
        "--mask: dilated separates its width and step with ':', as in dilated:2:2 (at column 10)");
  CHECK(parse_error("dilated:2:2:2") ==
        "--mask: dilated takes two numbers, as in dilated:2:2 (at column 12)");
}

TEST_CASE("parse errors for structure") {
  CHECK(parse_error("") == "--mask: the expression is empty");
  CHECK(parse_error(" \t ") == "--mask: the expression is empty");
  CHECK(parse_error("(causal") ==
        "--mask: unbalanced parenthesis: '(' at column 1 is never closed");
  CHECK(parse_error("((causal)") ==
        "--mask: unbalanced parenthesis: '(' at column 1 is never closed");
  CHECK(parse_error("causal)") ==
        "--mask: unbalanced parenthesis: ')' at column 7 has no matching '('");
  CHECK(parse_error("causal window:3") ==
        "--mask: unexpected 'window' at column 8; join atoms with '&' or '|'");
  CHECK(parse_error("(causal !full)") ==
        "--mask: unexpected '!' at column 9; join atoms with '&' or '|'");
  CHECK(parse_error("causal & window:3 ✓") ==
        "--mask: unexpected '✓' at column 19; join atoms with '&' or '|'");
  CHECK(parse_error("causal&") == "--mask: missing an atom after '&' at column 7");
  CHECK(parse_error("!") == "--mask: missing an atom after '!' at column 1");
  CHECK(parse_error("causal&|full") == "--mask: expected an atom at column 8, found '|'");
  CHECK(parse_error("()") == "--mask: expected an atom at column 2, found ')'");
}

TEST_CASE("deep nesting is a usage error, not a stack overflow") {
  const std::string deep = std::string(100000, '(') + "causal" + std::string(100000, ')');
  CHECK(parse_error(deep) ==
        "--mask: the expression nests ( and ! more than 256 deep (at column 257)");
  CHECK(parse_error(std::string(100000, '!') + "causal") ==
        "--mask: the expression nests ( and ! more than 256 deep (at column 257)");
  // 256 levels are fine.
  const std::string ok = std::string(256, '(') + "causal" + std::string(256, ')');
  CHECK(MaskExpr::parse(ok).to_string() == "causal");
  // A long flat chain is one node, however long.
  std::string chain = "causal";
  for (int k = 0; k < 20000; ++k) chain += "&full";
  CHECK(MaskExpr::parse(chain).evaluate(Geometry{3, 3, br}) == mask("causal", 3, 3));
}

TEST_CASE("parameters that do not fit the shape are data errors") {
  CHECK(evaluate_error("valid:3,2,4", Geometry{2, 4, br}) ==
        "--mask: valid gives 3 lengths but there are 2 query rows; give one length per row, or a "
        "single length for every row");
  CHECK(evaluate_error("causal & document:0,0,1", Geometry{4, 5, br}) ==
        "--mask: document gives 3 segment ids but there are 5 keys; give one id per key position");
  CHECK(evaluate_error("document:0,0,1", Geometry{4, 3, tl}) ==
        "--mask: document gives 3 segment ids but query row 3 sits at position 3 (top-left "
        "alignment); give an id for every position up to 3");
  // Bottom-right with n_q > n_k: the negative positions need no ids.
  CHECK(mask("document:0,0,1", 4, 3, br).count() == 5);
  const MaskExpr lengths = MaskExpr::parse("valid:3,2,4");
  CHECK(lengths.allows(2, 2, 3));
  CHECK_THROWS_WITH_AS(lengths.allows(3, 3, 0),
                       "--mask: valid gives 3 lengths, one per query row, so row 3 has none",
                       attn::Error);
}

// ---- Text out: to_string, atoms, is_full, explain ----

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

// ---- BoolMatrix and the additive form ----

TEST_CASE("BoolMatrix counts allowed cells and rejects bad literals") {
  const BoolMatrix m{{1, 0, 1},  //
                     {0, 0, 0}};
  CHECK(m.rows() == 2);
  CHECK(m.cols() == 3);
  CHECK(m(0, 2));
  CHECK_FALSE(m(1, 0));
  CHECK(m.count_row(0) == 2);
  CHECK(m.count_row(1) == 0);
  CHECK(m.count() == 2);
  BoolMatrix n(2, 3);
  n(0, 0) = true;
  n(0, 2) = true;
  CHECK(n == m);
  CHECK_THROWS_AS((BoolMatrix{{1, 0}, {1}}), std::invalid_argument);
  CHECK_THROWS_AS((BoolMatrix{{1, 2}}), std::invalid_argument);
}

TEST_CASE("to_additive writes 0 and −∞; from_additive reads them back") {
  constexpr double inf = std::numeric_limits<double>::infinity();
  const BoolMatrix m = mask("causal", 2, 2);
  const attn::Matrix additive = attn::to_additive(m);
  CHECK(additive == attn::Matrix{{0, -inf}, {0, 0}});
  CHECK(attn::from_additive(additive) == m);
  // Any finite bias counts as allowed.
  CHECK(attn::from_additive(attn::Matrix{{-1e30, -inf}}) == BoolMatrix{{1, 0}});
}

TEST_CASE("mask_atom_names lists every atom") {
  const auto names = attn::mask_atom_names();
  CHECK(std::vector<std::string_view>(names.begin(), names.end()) ==
        std::vector<std::string_view>{"full", "none", "causal", "window", "local", "prefix",
                                      "valid", "document", "chunk", "dilated"});
}

TEST_CASE("evaluate handles a long sequence") {
  // Row p keeps min(p + 1, 128) keys: 1 + 2 + … + 128 for the first 128 rows, then 128 each.
  const BoolMatrix m = mask("causal & window:128", 1024, 1024);
  CHECK(m.count() == 128 * 129 / 2 + (1024 - 128) * 128);
}
