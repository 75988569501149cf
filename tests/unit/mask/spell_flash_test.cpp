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
  SUBCASE("documents need a tensor") {
    const Translation t = tr(Library::flash_attn, "document:0,0,1", 3, 3);
    CHECK_FALSE(t.native);
    CHECK(t.exact);
    CHECK(rows(t.spelling.matrix) == "110/110/001");
  }
  SUBCASE("causal | local:1 is window_size=(-1, 1): every key up to p + 1") {
    // 3×3: row i keeps j ≤ i + 1.
    const Translation t = tr(Library::flash_attn, "causal | local:1", 3, 3);
    CHECK(t.exact);
    CHECK(t.native);
    CHECK(t.spelling.code == "flash_attn_func(q, k, v, window_size=(-1, 1))");
    CHECK(rows(t.spelling.matrix) == "110/111/111");
    CHECK(tr(Library::flash_attn, "local:2 | causal", 4, 4).spelling.code ==
          "flash_attn_func(q, k, v, window_size=(-1, 2))");
    // Top-left with N ≠ M: flash-attn's (-1, 1) is bottom-right, so the tensor, and (-1, 1) beside.
    const Translation tl_band = tr(Library::flash_attn, "causal | local:1", 2, 4, tl);
    CHECK_FALSE(tl_band.native);
    REQUIRE(tl_band.naive);
    // bottom-right p = 2, 3: j ≤ 3, j ≤ 4 → 1111/1111; attn's top-left p = 0, 1: 1100/1110.
    CHECK(rows(tl_band.naive->matrix) == "1111/1111");
    CHECK(rows(tl_band.spelling.matrix) == "1100/1110");
  }
}

// flash-attn with key padding (flash_attn_varlen_func, or attention_ref's key_padding_mask): the
// padded keys are left out, and causal lines the queries up with the last real key.
TEST_CASE("translate: flash-attn with padding") {
  SUBCASE("valid:2 alone is flash_attn_varlen_func on the 2 real keys") {
    const Translation t = tr(Library::flash_attn, "valid:2", 3, 3);
    CHECK(t.exact);
    CHECK(t.native);
    CHECK(contains(t.spelling.code, "cu_seqlens_k = torch.tensor([0, 2], dtype=torch.int32)"));
    CHECK(contains(t.spelling.code, "flash_attn_varlen_func(q[0], k[0, :2], v[0, :2]"));
    CHECK(rows(t.spelling.matrix) == "110/110/110");
  }
  SUBCASE(
      "causal & valid:2 on 2×3 moves the diagonal: flash-attn's rows sit at i, attn's at i + 1") {
    // attn, bottom-right p = 1, 2: keys j ≤ p and j < 2 → 110/110 (weights [½, ½, 0] for
    // equal scores). flash-attn: 2 real keys, 2 queries, p = i + 2 − 2 = i → 100/110 (weights
    // [1, 0, 0] and [½, ½, 0]), as construct_local_mask in its tests computes.
    const Translation t = tr(Library::flash_attn, "causal & valid:2", 2, 3);
    CHECK(t.exact);  // through the explicit tensor
    CHECK_FALSE(t.native);
    CHECK(rows(t.spelling.matrix) == "110/110");
    REQUIRE(t.naive);
    CHECK(contains(t.naive->code, "causal=True"));
    CHECK(contains(t.naive->code, "flash_attn_varlen_func"));
    CHECK(rows(t.naive->matrix) == "100/110");
    CHECK(contains(t.notes.front(), "query i sits at i + 2 − 2 = i"));
    CHECK(contains(t.notes.front(), "attn's sits at p = i + 1 (bottom-right"));
  }
  SUBCASE("square causal & valid:2 on 3×3: flash-attn's p = i − 1 blocks row 0 entirely") {
    const Translation t = tr(Library::flash_attn, "causal & valid:2", 3, 3);
    CHECK_FALSE(t.native);
    REQUIRE(t.naive);
    CHECK(rows(t.naive->matrix) == "000/100/110");
    CHECK(rows(t.spelling.matrix) == "100/110/110");
  }
  SUBCASE("a length that covers every key is no padding: flash_attn_func as before") {
    const Translation t = tr(Library::flash_attn, "causal & valid:3", 2, 3);
    CHECK(t.exact);
    CHECK(t.spelling.code == "flash_attn_func(q, k, v, causal=True)");
  }
  SUBCASE("window:2 & valid:3 on 1×4: the window moves back with the diagonal") {
    // attn: p = 3, keys 1 < j ≤ 3 and j < 3 → key 2. flash-attn: window_size=(1, 0) over 3 real
    // keys, p = 0 + 3 − 1 = 2, keys [1, 2].
    const Translation t = tr(Library::flash_attn, "window:2 & valid:3", 1, 4);
    CHECK(rows(t.spelling.matrix) == "0010");
    REQUIRE(t.naive);
    CHECK(rows(t.naive->matrix) == "0110");
  }
}
