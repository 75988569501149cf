#include <doctest/doctest.h>

#include "attn/mask/translate.hpp"
#include "translate_testing.hpp"

using attn::Library;
using attn::Translation;
using attn::testing::contains;
using attn::testing::rows;
using attn::testing::tr;

// xformers attn_bias classes.
TEST_CASE("translate: xformers") {
  SUBCASE("causal 2×4: LowerTriangularFromBottomRightMask; LowerTriangularMask is top-left") {
    const Translation t = tr(Library::xformers, "causal", 2, 4);
    CHECK(t.exact);
    CHECK(contains(t.spelling.code, "LowerTriangularFromBottomRightMask()"));
    REQUIRE(t.naive);
    CHECK(contains(t.naive->code, "LowerTriangularMask()"));
    CHECK(rows(t.naive->matrix) == "1000/1100");
  }
  SUBCASE("window:2 on 3×4: ...LocalAttentionMask(2); LocalAttention(2, 0) keeps 3 keys") {
    // p = i + 1: keys p − 2 < j ≤ p.
    const Translation t = tr(Library::xformers, "window:2", 3, 4);
    CHECK(t.exact);
    CHECK(contains(t.spelling.code, "LowerTriangularFromBottomRightLocalAttentionMask(2)"));
    CHECK(rows(t.spelling.matrix) == "1100/0110/0011");
    REQUIRE(t.naive);
    CHECK(contains(t.naive->code, "window_left=2, window_right=0"));
    CHECK(rows(t.naive->matrix) == "1100/1110/0111");
  }
  SUBCASE("local:1 is LocalAttentionFromBottomRightMask(1, 1)") {
    const Translation t = tr(Library::xformers, "local:1", 4, 4);
    CHECK(t.exact);
    CHECK(contains(t.spelling.code, "window_left=1, window_right=1"));
    CHECK(rows(t.spelling.matrix) == "1100/1110/0111/0011");
  }
  SUBCASE("causal documents are BlockDiagonalCausalMask.from_seqlens") {
    const Translation t = tr(Library::xformers, "causal & document:0,0,1,1,1", 5, 5);
    CHECK(t.exact);
    CHECK(contains(t.spelling.code, "BlockDiagonalCausalMask.from_seqlens([2, 3])"));
    CHECK(rows(t.spelling.matrix) == "10000/11000/00100/00110/00111");
  }
  SUBCASE("an id that comes back is not block-diagonal: explicit additive tensor") {
    // ids 0,1,0: positions 0 and 2 share a segment across position 1.
    const Translation t = tr(Library::xformers, "document:0,1,0", 3, 3);
    CHECK(t.exact);
    CHECK_FALSE(t.native);
    CHECK(rows(t.spelling.matrix) == "101/010/101");
    CHECK(contains(t.spelling.code, "masked_fill(~mask, float(\"-inf\"))"));
    REQUIRE(t.naive);
    CHECK(rows(t.naive->matrix) == "100/010/001");
  }
}
