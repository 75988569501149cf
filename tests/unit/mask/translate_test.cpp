#include "attn/mask/translate.hpp"

#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "attn/core/error.hpp"

using attn::Align;
using attn::BoolMatrix;
using attn::Geometry;
using attn::Library;
using attn::MaskExpr;
using attn::Translation;

namespace {

constexpr Align br = Align::bottom_right;
constexpr Align tl = Align::top_left;

// Rows of 0/1 joined by '/', e.g. "100/110/111", so a failure prints the whole matrix.
std::string rows(const BoolMatrix& m) {
  std::string text;
  for (std::size_t i = 0; i < m.rows(); ++i) {
    if (i) text += '/';
    for (std::size_t j = 0; j < m.cols(); ++j) text += m(i, j) ? '1' : '0';
  }
  return text;
}

Translation tr(Library lib, std::string_view expr, std::size_t n_q, std::size_t n_k,
               Align align = br) {
  return attn::translate(MaskExpr::parse(expr), Geometry{n_q, n_k, align}, lib);
}

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("parse_libraries") {
  using attn::parse_libraries;
  CHECK(parse_libraries("sdpa") == std::vector{Library::torch_sdpa});
  CHECK(parse_libraries("torch-mha") == std::vector{Library::torch_mha});
  CHECK(parse_libraries("mha") == std::vector{Library::torch_mha});
  CHECK(parse_libraries("transformers") == std::vector{Library::hf});
  CHECK(parse_libraries("flexattention") == std::vector{Library::flex});
  CHECK(parse_libraries("all").size() == 7);
  try {
    (void)parse_libraries("flsh-attn");
    FAIL("no error");
  } catch (const attn::Error& e) {
    CHECK(e.code() == attn::Exit::usage);
    CHECK(std::string(e.what()) == "--as: unknown library 'flsh-attn'");
    CHECK(e.hint() == "did you mean 'flash-attn'?");
  }
}

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
  SUBCASE("causal 2×4 bottom-right: queries at cache positions 2 and 3") {
    const Translation t = tr(Library::hf, "causal", 2, 4);
    CHECK(t.exact);
    CHECK(contains(t.spelling.code, "cache_position=torch.arange(2, 4)"));
    CHECK(rows(t.spelling.matrix) == "1110/1111");
  }
  SUBCASE("local:1 and documents have no option") {
    const Translation local = tr(Library::hf, "local:1", 3, 3);
    CHECK_FALSE(local.native);
    CHECK(local.exact);
    CHECK(rows(local.spelling.matrix) == "110/111/011");
    CHECK_FALSE(tr(Library::hf, "document:0,1,1", 3, 3).native);
  }
}

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

// Every library has either a native spelling or an explicit form, and either must give attn's mask
// exactly; the library's matrix is computed by its own rule, so this checks the translator.
TEST_CASE("translate: every library reproduces attn's mask") {
  const char* exprs[] = {"full",
                         "causal",
                         "window:2",
                         "causal & window:3",
                         "local:1",
                         "causal & local:1",
                         "prefix:2",
                         "valid:2",
                         "causal & valid:3",
                         "chunk:2",
                         "causal & chunk:2",
                         "dilated:2:2",
                         "!causal",
                         "causal | local:1",
                         "!(window:2) & valid:4"};
  const std::pair<std::size_t, std::size_t> shapes[] = {{4, 4}, {2, 5}, {5, 2}, {1, 3}, {3, 1}};
  for (const char* expr : exprs)
    for (auto [n_q, n_k] : shapes)
      for (Align align : {br, tl})
        for (Library lib : attn::all_libraries()) {
          CAPTURE(expr);
          CAPTURE(n_q);
          CAPTURE(n_k);
          CAPTURE(attn::align_name(align));
          CAPTURE(attn::library_name(lib));
          const Translation t = tr(lib, expr, n_q, n_k, align);
          CHECK(t.exact);
        }
  // Documents need one id per position.
  for (Library lib : attn::all_libraries()) {
    CAPTURE(attn::library_name(lib));
    CHECK(tr(lib, "document:0,0,1,1,2,2", 6, 6).exact);
    CHECK(tr(lib, "causal & document:0,1,1,0", 2, 4).exact);
    CHECK(tr(lib, "document:0,0,1,1 | valid:1", 4, 4, tl).exact);
  }
}
