#include <doctest/doctest.h>

#include "attn/mask/translate.hpp"
#include "translate_testing.hpp"

using attn::Library;
using attn::Translation;
using attn::testing::contains;
using attn::testing::rows;
using attn::testing::tr;

// d2l: masked_softmax(X, valid_lens) keeps keys j < valid_len, per sequence or per query row.
TEST_CASE("translate: d2l") {
  SUBCASE("valid:2: one length") {
    const Translation t = tr(Library::d2l, "valid:2", 3, 3);
    CHECK(t.exact);
    CHECK(contains(t.spelling.code, "valid_lens = torch.tensor([2])"));
    CHECK(rows(t.spelling.matrix) == "110/110/110");
  }
  SUBCASE("square causal: lengths 1, 2, 3, as d2l's decoder") {
    const Translation t = tr(Library::d2l, "causal", 3, 3);
    CHECK(t.exact);
    CHECK(contains(t.spelling.code, "valid_lens = torch.tensor([[1, 2, 3]])"));
    CHECK_FALSE(t.naive);
  }
  SUBCASE("causal 2×4 bottom-right: lengths 3, 4; arange(1, L + 1) is top-left") {
    const Translation t = tr(Library::d2l, "causal", 2, 4);
    CHECK(contains(t.spelling.code, "valid_lens = torch.tensor([[3, 4]])"));
    REQUIRE(t.naive);
    CHECK(rows(t.naive->matrix) == "1000/1100");
  }
  SUBCASE("local:1 is not a prefix of the keys: explicit, with -1e6 as d2l does") {
    const Translation t = tr(Library::d2l, "local:1", 3, 3);
    CHECK_FALSE(t.native);
    CHECK(t.exact);
    CHECK(rows(t.spelling.matrix) == "110/111/011");
    CHECK(contains(t.spelling.code, "masked_fill(~mask, -1e6)"));
  }
  SUBCASE("an empty row becomes uniform under d2l") {
    const Translation t = tr(Library::d2l, "valid:0", 1, 2);
    CHECK(contains(t.notes.back(), "uniform"));
  }
}
