// xformers memory_efficient_attention and its attn_bias classes (the code lives in MSLK's
// mslk/attention/fmha/attn_bias.py). Sources: docs/conventions.md.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "attn/mask/spelling.hpp"

namespace attn::detail {

Translation spell_xformers(const Context& c) {
  const Geometry& g = c.g;
  const Conjunction& k = c.conj;
  const std::int64_t shift = to_i64(g.n_k) - to_i64(g.n_q);
  const std::string call = "xops.memory_efficient_attention(q, k, v, attn_bias={})";
  std::optional<Spelling> candidate;
  std::optional<Spelling> naive;
  if (is_full(k)) {
    candidate = Spelling{fmt::format(fmt::runtime(call), "None"), BoolMatrix(g.n_q, g.n_k, true)};
  } else if (k.only({"causal"})) {
    // LowerTriangularMask: tril(diagonal=0); ...FromBottomRightMask: tril(diagonal=S − L).
    Spelling top_left{fmt::format(fmt::runtime(call), "fmha.attn_bias.LowerTriangularMask()"),
                      matrix_of(g, tril(0))};
    if (g.offset() == 0) {
      candidate = std::move(top_left);
    } else {
      candidate = Spelling{
          fmt::format(fmt::runtime(call), "fmha.attn_bias.LowerTriangularFromBottomRightMask()"),
          matrix_of(g, tril(shift))};
      naive = std::move(top_left);
    }
  } else if (k.only({"causal", "window"}) && k.window) {
    // _materialize_causal_mask(window_size=W, from_bottomright=True):
    // tril(diagonal=S − L) then triu(diagonal=S − L − W + 1), i.e. keys (p − W, p].
    const std::int64_t w = *k.window;
    candidate = Spelling{
        fmt::format(
            fmt::runtime(call),
            fmt::format("fmha.attn_bias.LowerTriangularFromBottomRightLocalAttentionMask({})", w)),
        matrix_of(g, [=](std::size_t i, std::size_t j) {
          const std::int64_t d = to_i64(j) - to_i64(i);
          return d <= shift && d >= shift - w + 1;
        })};
    // LocalAttentionFromBottomRightMask(l, r) keeps p − l ≤ j ≤ p + r: l + 1 + r keys.
    naive = Spelling{
        fmt::format(fmt::runtime(call),
                    fmt::format("fmha.attn_bias.LocalAttentionFromBottomRightMask(window_left={}, "
                                "window_right=0)",
                                w)),
        matrix_of(g, flash_window(g, w, 0))};
  } else if (k.only({"causal", "local"}) && k.local) {
    const std::int64_t w = *k.local, r = k.causal ? 0 : w;
    candidate = Spelling{
        fmt::format(fmt::runtime(call),
                    fmt::format("fmha.attn_bias.LocalAttentionFromBottomRightMask(window_left={}, "
                                "window_right={})",
                                w, r)),
        matrix_of(g, [=](std::size_t i, std::size_t j) {
          // q − window_left ≤ k + s ≤ q + window_right with s = num_queries − num_keys
          const std::int64_t s = -shift, q = to_i64(i), key = to_i64(j);
          return q - w <= key + s && key + s <= q + r;
        })};
  } else if (k.only({"causal", "document"}) && k.document && g.n_q == g.n_k) {
    // BlockDiagonal*Mask.from_seqlens: one block per run of equal ids; causal within a block.
    std::vector<std::size_t> block_of(g.n_k), start_of_block;
    std::vector<std::int64_t> seqlens;
    for (std::size_t x = 0; x < g.n_k; ++x) {
      if (x == 0 || (*k.document)[x] != (*k.document)[x - 1]) {
        seqlens.push_back(0);
        start_of_block.push_back(x);
      }
      ++seqlens.back();
      block_of[x] = seqlens.size() - 1;
    }
    const bool causal = k.causal;
    candidate =
        Spelling{fmt::format(fmt::runtime(call),
                             fmt::format("fmha.attn_bias.{}.from_seqlens([{}])",
                                         causal ? "BlockDiagonalCausalMask" : "BlockDiagonalMask",
                                         fmt::join(seqlens, ", "))),
                 matrix_of(g, [&](std::size_t i, std::size_t j) {
                   return block_of[i] == block_of[j] && (!causal || j <= i);
                 })};
  }
  Translation t;
  if (candidate && candidate->matrix == c.attn) {
    t = make(Library::xformers, c, std::move(*candidate), true);
    if (naive) add_naive(t, std::move(*naive));
    if (t.naive && k.window)
      t.notes.push_back(fmt::format(
          "LowerTriangularFromBottomRightLocalAttentionMask({0}) keeps {0} keys; "
          "LocalAttentionFromBottomRightMask(window_left={0}, window_right=0) keeps {1}",
          *k.window, *k.window + 1));
    if (t.naive && !k.window)
      t.notes.push_back(
          "LowerTriangularMask is top-left (keeps j ≤ i); attn's causal is bottom-right when "
          "N ≠ M");
    if (k.document)
      t.notes.push_back("BlockDiagonal masks expect the sequences packed into a batch of 1");
    return t;
  }
  t = make(Library::xformers, c,
           c.tensor("attn_bias = torch.zeros(L, S).masked_fill(~mask, float(\"-inf\"))  # "
                    "additive: 0 = may attend\n" +
                    fmt::format(fmt::runtime(call), "attn_bias") + "\n"),
           false);
  if (candidate) t.naive = std::move(*candidate);
  t.notes.push_back(
      "no attn_bias class gives this mask: pass an additive float tensor (0 = may attend, −∞ = "
      "blocked)");
  return t;
}

}  // namespace attn::detail
