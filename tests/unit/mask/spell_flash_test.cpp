#include <doctest/doctest.h>

#include "attn/mask/translate.hpp"
#include "translate_testing.hpp"

using attn::Align;
using attn::Library;
using attn::Translation;
using attn::testing::contains;
using attn::testing::rows;
using attn::testing::tr;

namespace {
constexpr Align tl = Align::top_left;
}  // namespace

// flash-attn: window_size=(l, r) keeps keys [i + S − L − l, i + S − L + r]; causal=True is r = 0.
TEST_CASE("translate: flash-attn") {
  SUBCASE("window:3 is window_size=(2, 0); (3, 0) keeps one key more") {
    const Translation t = tr(Library::flash_attn, "window:3", 4, 4);
    CHECK(t.exact);
    CHECK(t.spelling.code == "flash_attn_func(q, k, v, causal=True, window_size=(2, 0))");
    CHECK(rows(t.spelling.matrix) == "1000/1100/1110/0111");
    REQUIRE(t.naive);
    CHECK(t.naive->code == "flash_attn_func(q, k, v, causal=True, window_size=(3, 0))");
    CHECK(rows(t.naive->matrix) == "1000/1100/1110/1111");
  }
  SUBCASE("local:1 on 2×4 is window_size=(1, 1), bottom-right") {
    // p = 2, 3: |p − j| ≤ 1 → row 0 keys 1..3, row 1 keys 2..3.
    const Translation t = tr(Library::flash_attn, "local:1", 2, 4);
    CHECK(t.exact);
    CHECK(t.spelling.code == "flash_attn_func(q, k, v, window_size=(1, 1))");
    CHECK(rows(t.spelling.matrix) == "0111/0011");
  }
  SUBCASE("causal & local:2 is causal with window_size=(2, 0)") {
    const Translation t = tr(Library::flash_attn, "causal & local:2", 4, 4);
    CHECK(t.exact);
    CHECK(t.spelling.code == "flash_attn_func(q, k, v, causal=True, window_size=(2, 0))");
    CHECK(rows(t.spelling.matrix) == "1000/1100/1110/0111");
  }
  SUBCASE("top-left causal with N ≠ M: flash-attn cannot align top-left") {
    const Translation t = tr(Library::flash_attn, "causal", 2, 4, tl);
    CHECK(t.exact);  // through the explicit tensor, run with SDPA
    CHECK_FALSE(t.native);
    CHECK(rows(t.spelling.matrix) == "1000/1100");
    REQUIRE(t.naive);
    CHECK(t.naive->code == "flash_attn_func(q, k, v, causal=True)");
    CHECK(rows(t.naive->matrix) == "1110/1111");
  }
  SUBCASE("padding and documents need a tensor") {
    CHECK_FALSE(tr(Library::flash_attn, "valid:2", 3, 3).native);
    const Translation t = tr(Library::flash_attn, "document:0,0,1", 3, 3);
    CHECK_FALSE(t.native);
    CHECK(t.exact);
    CHECK(rows(t.spelling.matrix) == "110/110/001");
  }
}
