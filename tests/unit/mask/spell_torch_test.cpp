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

// SDPA: is_causal keeps j ≤ i (top-left); causal_lower_right keeps j ≤ i + S − L.
TEST_CASE("translate: torch-sdpa") {
  SUBCASE("square causal: is_causal=True, both alignments agree") {
    const Translation t = tr(Library::torch_sdpa, "causal", 3, 3);
    CHECK(t.exact);
    CHECK(t.native);
    CHECK(contains(t.spelling.code, "is_causal=True"));
    CHECK(rows(t.spelling.matrix) == "100/110/111");
    CHECK_FALSE(t.naive);
  }
  SUBCASE("2×4 bottom-right causal: causal_lower_right, and is_causal=True differs") {
    // p = i + 2: row 0 keeps j ≤ 2, row 1 every key. is_causal keeps j ≤ i.
    const Translation t = tr(Library::torch_sdpa, "causal", 2, 4);
    CHECK(t.exact);
    CHECK(contains(t.spelling.code, "causal_lower_right(2, 4)"));
    CHECK(rows(t.spelling.matrix) == "1110/1111");
    REQUIRE(t.naive);
    CHECK(contains(t.naive->code, "is_causal=True"));
    CHECK(rows(t.naive->matrix) == "1000/1100");
  }
  SUBCASE("2×4 top-left causal: is_causal=True is right") {
    const Translation t = tr(Library::torch_sdpa, "causal", 2, 4, tl);
    CHECK(t.exact);
    CHECK(contains(t.spelling.code, "is_causal=True"));
    CHECK(rows(t.spelling.matrix) == "1000/1100");
  }
  SUBCASE("4×2 bottom-right causal: the first two rows see nothing") {
    // p = i − 2: rows 0 and 1 sit before every key. is_causal would give every row a key.
    const Translation t = tr(Library::torch_sdpa, "causal", 4, 2);
    CHECK(t.exact);
    CHECK(rows(t.spelling.matrix) == "00/00/10/11");
    REQUIRE(t.naive);
    CHECK(rows(t.naive->matrix) == "10/11/11/11");
    CHECK(contains(t.notes.back(), "returns 0"));
  }
  SUBCASE("window: no flag, an explicit bool tensor with True = may attend") {
    const Translation t = tr(Library::torch_sdpa, "window:2", 3, 3);
    CHECK(t.exact);
    CHECK_FALSE(t.native);
    CHECK(contains(t.spelling.code, "mask = (j <= p) & (p - j < 2)  # True = may attend"));
    CHECK(contains(t.spelling.code, "attn_mask=mask"));
    CHECK(rows(t.spelling.matrix) == "100/110/011");
  }
  SUBCASE("no mask") {
    const Translation t = tr(Library::torch_sdpa, "full", 2, 3);
    CHECK(t.exact);
    CHECK(rows(t.spelling.matrix) == "111/111");
  }
}

// nn.MultiheadAttention: bool attn_mask and key_padding_mask are True = BLOCKED.
TEST_CASE("translate: torch-mha") {
  SUBCASE("window:2 as ~mask; passing SDPA's mask gives the complement") {
    const Translation t = tr(Library::torch_mha, "window:2", 3, 3);
    CHECK(t.exact);
    CHECK(contains(t.spelling.code, "attn_mask=~mask"));
    CHECK(rows(t.spelling.matrix) == "100/110/011");
    REQUIRE(t.naive);
    CHECK(rows(t.naive->matrix) == "011/001/100");
  }
  SUBCASE("valid:2 as key_padding_mask, True where a key is padding") {
    const Translation t = tr(Library::torch_mha, "valid:2", 2, 3);
    CHECK(t.exact);
    CHECK(t.native);
    CHECK(contains(t.spelling.code, "key_padding_mask = torch.arange(3)[None, :] >= 2"));
    CHECK(rows(t.spelling.matrix) == "110/110");
    REQUIRE(t.naive);  // Hugging Face's polarity: 1 = real token
    CHECK(rows(t.naive->matrix) == "001/001");
  }
  SUBCASE("causal 2×3 bottom-right, explicit") {
    // p = i + 1: row 0 keeps j ≤ 1.
    const Translation t = tr(Library::torch_mha, "causal", 2, 3);
    CHECK(t.exact);
    CHECK(contains(t.spelling.code, "p = i + (S - L)"));
    CHECK(rows(t.spelling.matrix) == "110/111");
  }
}
