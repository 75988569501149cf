#include <doctest/doctest.h>

#include "attn/mask/translate.hpp"
#include "translate_testing.hpp"

using attn::Library;
using attn::Translation;
using attn::testing::contains;
using attn::testing::rows;
using attn::testing::tr;

// FlexAttention: a mask_mod over (q_idx, kv_idx); attention-gym's helpers are top-left.
TEST_CASE("translate: flex") {
  SUBCASE("window:2: generate_sliding_window(2) keeps three keys") {
    const Translation t = tr(Library::flex, "window:2", 4, 4);
    CHECK(t.exact);
    CHECK(contains(t.spelling.code, "return (j <= p) & (p - j < 2)"));
    CHECK(rows(t.spelling.matrix) == "1000/1100/0110/0011");
    REQUIRE(t.naive);
    CHECK(contains(t.naive->code, "generate_sliding_window(window_size=2)"));
    CHECK(rows(t.naive->matrix) == "1000/1100/1110/0111");
  }
  SUBCASE("causal 4×2 bottom-right: add S − L to q_idx") {
    const Translation t = tr(Library::flex, "causal", 4, 2);
    CHECK(t.exact);
    CHECK(contains(t.spelling.code, "p = i + (S - L)"));
    CHECK(rows(t.spelling.matrix) == "00/00/10/11");
    REQUIRE(t.naive);
    CHECK(rows(t.naive->matrix) == "10/11/11/11");
  }
  SUBCASE("documents, with positions before the first key guarded") {
    // 3×2 bottom-right: p = −1, 0, 1; ids[−1] would wrap around in Python.
    const Translation t = tr(Library::flex, "document:0,1", 3, 2);
    CHECK(t.exact);
    CHECK(contains(t.spelling.code, "(p >= 0) & (ids[p.clamp(min=0)] == ids[j])"));
    CHECK(rows(t.spelling.matrix) == "00/10/01");
  }
  SUBCASE("chunk and dilated use Python's floor division and modulo") {
    // 2×4 bottom-right, p = 2, 3: chunk:3 → ⌊p/3⌋ = 0, 1.
    CHECK(rows(tr(Library::flex, "chunk:3", 2, 4).spelling.matrix) == "1110/0001");
    // 4×2 bottom-right, p = −2 … 1: ⌊−2/3⌋ = ⌊−1/3⌋ = −1 ≠ 0, so the first rows see nothing.
    CHECK(rows(tr(Library::flex, "chunk:3", 4, 2).spelling.matrix) == "00/00/11/11");
    // dilated:2:2 on 4×3 bottom-right, p = i − 1 = −1 … 2: keep |p − j| ≤ 2 with p − j even.
    CHECK(rows(tr(Library::flex, "dilated:2:2", 4, 3).spelling.matrix) == "010/101/010/101");
  }
}
