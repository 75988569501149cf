#include <doctest/doctest.h>

#include "attn/mask/translate.hpp"
#include "translate_testing.hpp"

using attn::Library;
using attn::Translation;
using attn::testing::contains;
using attn::testing::rows;
using attn::testing::tr;

// Hugging Face masking_utils: causal kv ≤ q, sliding_window_overlay kv > q − W, with q the
// query's cache position; attention_mask 1 = real token.
TEST_CASE("translate: hf") {
  SUBCASE("window:3 is sliding_window = 3: three keys, the token included") {
    const Translation t = tr(Library::hf, "window:3", 5, 5);
    CHECK(t.exact);
    CHECK(t.native);
    CHECK(contains(t.spelling.code, "config.sliding_window = 3"));
    CHECK(rows(t.spelling.matrix) == "10000/11000/11100/01110/00111");
  }
  SUBCASE("causal & valid:2 is a decoder with attention_mask [[1, 1, 0]]") {
    const Translation t = tr(Library::hf, "causal & valid:2", 3, 3);
    CHECK(t.exact);
    CHECK(contains(t.spelling.code, "attention_mask = torch.tensor([[1, 1, 0]])"));
    CHECK(rows(t.spelling.matrix) == "100/110/110");
  }
  SUBCASE("causal 2×4 bottom-right: a cache of 2 tokens puts the queries at 2 and 3") {
    const Translation t = tr(Library::hf, "causal", 2, 4);
    CHECK(t.exact);
    CHECK(contains(t.spelling.code, "model(input_ids, past_key_values=past_key_values)"));
    CHECK(contains(t.spelling.code, "already holds 2 tokens"));
    CHECK(contains(t.spelling.code, "4.x took cache_position=torch.arange(2, 4)"));
    CHECK(rows(t.spelling.matrix) == "1110/1111");
  }
  SUBCASE("local:1 is the bidirectional sliding window, |q − j| ≤ 1") {
    const Translation local = tr(Library::hf, "local:1", 3, 3);
    CHECK(local.native);
    CHECK(local.exact);
    CHECK(contains(local.spelling.code, "config.sliding_window = 1"));
    CHECK(contains(local.spelling.code, "create_bidirectional_sliding_window_mask(config"));
    CHECK(rows(local.spelling.matrix) == "110/111/011");
    CHECK(contains(local.notes.front(), "keeps 1 key in a decoder"));
    CHECK(contains(local.notes.front(), "but 3 here"));
  }
  SUBCASE("local:1 & valid:2 adds the attention_mask") {
    const Translation t = tr(Library::hf, "local:1 & valid:2", 3, 3);
    CHECK(t.native);
    CHECK(contains(t.spelling.code, "attention_mask = torch.tensor([[1, 1, 0]])"));
    CHECK(rows(t.spelling.matrix) == "110/110/010");
  }
  SUBCASE("local:1 bottom-right with N ≠ M: the encoder's queries sit at 0 … L − 1") {
    // attn p = 2, 3 → 0111/0011; create_bidirectional_sliding_window_mask p = 0, 1 → 1100/1110.
    const Translation t = tr(Library::hf, "local:1", 2, 4);
    CHECK_FALSE(t.native);
    CHECK(t.exact);
    REQUIRE(t.naive);
    CHECK(rows(t.naive->matrix) == "1100/1110");
  }
  SUBCASE("documents have no option") {
    CHECK_FALSE(tr(Library::hf, "document:0,1,1", 3, 3).native);
  }
}
