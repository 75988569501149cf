#include "attn/mask/formula.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "attn/core/error.hpp"

using attn::Geometry;
using attn::detail::Formula;
using attn::detail::parse_formula;
using attn::detail::python_allows;
using attn::detail::python_code;
using attn::detail::python_floor_div;
using attn::detail::python_mod;

TEST_CASE("python_floor_div and python_mod follow Python, not C++") {
  // Python: -1 // 3 == -1, -1 % 3 == 2; 7 // -2 == -4, 7 % -2 == -1; -7 // 2 == -4, -7 % 2 == 1.
  CHECK(python_floor_div(-1, 3) == -1);
  CHECK(python_mod(-1, 3) == 2);
  CHECK(python_floor_div(7, -2) == -4);
  CHECK(python_mod(7, -2) == -1);
  CHECK(python_floor_div(-7, 2) == -4);
  CHECK(python_mod(-7, 2) == 1);
  CHECK(python_floor_div(6, 3) == 2);
  CHECK(python_mod(6, 3) == 0);
  CHECK(python_floor_div(-6, 3) == -2);
}

TEST_CASE("parse_formula reads the canonical text") {
  const Formula f = parse_formula("causal & window:3");
  CHECK(f.kind == Formula::Kind::conjunction);
  REQUIRE(f.operands.size() == 2);
  CHECK(f.operands[0].name == "causal");
  CHECK(f.operands[1].name == "window");
  CHECK(f.operands[1].args == std::vector<std::int64_t>{3});

  const Formula g = parse_formula("prefix:2 | !(local:1 & valid:3,2)");
  CHECK(g.kind == Formula::Kind::disjunction);
  REQUIRE(g.operands.size() == 2);
  CHECK(g.operands[1].kind == Formula::Kind::negation);
  CHECK(g.operands[1].operands[0].operands[1].args == std::vector<std::int64_t>{3, 2});

  CHECK(parse_formula("none").name == "full");
  CHECK(parse_formula("dilated:2:3").args == std::vector<std::int64_t>{2, 3});
  CHECK_THROWS_AS(parse_formula("causal &"), attn::Error);
  try {
    (void)parse_formula("(causal");
    FAIL("no error");
  } catch (const attn::Error& e) {
    CHECK(e.code() == attn::Exit::internal);
  }
}

TEST_CASE("python_allows evaluates the printed Python") {
  // (j <= p): p = 1 keeps j = 0, 1.
  const Formula causal = parse_formula("causal");
  CHECK(python_allows(causal, 0, 1, 1));
  CHECK_FALSE(python_allows(causal, 0, 1, 2));
  // (p // 3 == j // 3) with p = −1: −1 // 3 = −1, 0 // 3 = 0, so key 0 is not in p's chunk.
  const Formula chunk = parse_formula("chunk:3");
  CHECK_FALSE(python_allows(chunk, 0, -1, 0));
  CHECK(python_allows(chunk, 0, 4, 3));
  // ((p - j).abs() <= 2) & ((p - j) % 2 == 0): p − j = −2 gives −2 % 2 = 0.
  const Formula dilated = parse_formula("dilated:2:2");
  CHECK(python_allows(dilated, 0, 0, 2));
  CHECK_FALSE(python_allows(dilated, 0, 0, 1));
  // (j < lengths[i]) reads the row's own length.
  const Formula valid = parse_formula("valid:1,3");
  CHECK_FALSE(python_allows(valid, 0, 0, 1));
  CHECK(python_allows(valid, 1, 0, 2));
  // (p >= 0) & (ids[p.clamp(min=0)] == ids[j]): a position before key 0 has no id.
  const Formula document = parse_formula("document:0,0,1");
  CHECK_FALSE(python_allows(document, 0, -1, 0));
  CHECK(python_allows(document, 0, 1, 0));
  CHECK_FALSE(python_allows(document, 0, 1, 2));
}

TEST_CASE("python_code brackets only where Python's precedence needs it") {
  CHECK(python_code(parse_formula("causal & window:3"), false, false).text ==
        "(j <= p) & (j <= p) & (p - j < 3)");
  CHECK(python_code(parse_formula("prefix:2 & valid:3"), false, false).text ==
        "((j < 2) | (j <= p)) & (j < 3)");
  CHECK(python_code(parse_formula("!prefix:2"), false, false).text == "~((j < 2) | (j <= p))");
  CHECK(python_code(parse_formula("full"), false, false).text ==
        "torch.ones(L, S, dtype=torch.bool)");
  CHECK(python_code(parse_formula("full"), true, false).text == "torch.tensor(True)");
  CHECK(python_code(parse_formula("document:0,1"), false, false).text == "(ids[p] == ids[j])");
  CHECK(python_code(parse_formula("document:0,1"), false, true).text ==
        "(p >= 0) & (ids[p.clamp(min=0)] == ids[j])");
}

TEST_CASE("python_constants lists each table once; position_line names the alignment") {
  CHECK(
      attn::detail::python_constants(parse_formula("document:0,1 | (document:0,1 & valid:1,2)")) ==
      "ids = torch.tensor([0, 1])  # document: segment id per position\n"
      "lengths = torch.tensor([1, 2])  # valid: one length per query row\n");
  CHECK(attn::detail::position_line(Geometry{2, 2, attn::Align::bottom_right}, "") ==
        "p = i  # query positions\n");
  CHECK(attn::detail::position_line(Geometry{2, 4, attn::Align::top_left}, "    ") ==
        "    p = i  # query positions (top-left)\n");
  CHECK(attn::detail::position_line(Geometry{2, 4, attn::Align::bottom_right}, "") ==
        "p = i + (S - L)  # query positions (bottom-right)\n");
}
