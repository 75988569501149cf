#include "attn/mask/parser.hpp"

#include <doctest/doctest.h>

#include <string>

#include "mask_testing.hpp"

using attn::BoolMatrix;
using attn::Geometry;
using attn::MaskExpr;
using attn::testing::br;
using attn::testing::mask;
using attn::testing::parse_error;
using attn::testing::tl;

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
