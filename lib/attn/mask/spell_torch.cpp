// PyTorch: F.scaled_dot_product_attention (bool attn_mask, True = may attend; is_causal top-left;
// torch.nn.attention.bias.causal_lower_right) and nn.MultiheadAttention (bool attn_mask and
// key_padding_mask, True = BLOCKED). Sources: docs/conventions.md.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "attn/mask/spelling.hpp"

namespace attn::detail {

Translation spell_torch_sdpa(const Context& c) {
  const Geometry& g = c.g;
  const std::string call = "F.scaled_dot_product_attention(q, k, v{})";
  Translation t;
  if (is_full(c.conj)) {
    t = make(
        Library::torch_sdpa, c,
        {fmt::format(fmt::runtime(call), "") + "  # no attn_mask", BoolMatrix(g.n_q, g.n_k, true)},
        true);
  } else if (c.conj.only({"causal"})) {
    // SDPA's is_causal keeps j ≤ i (torch.nn.functional docs: tril with diagonal 0).
    Spelling is_causal{fmt::format(fmt::runtime(call), ", is_causal=True"), matrix_of(g, tril(0))};
    if (is_causal.matrix == c.attn) {
      t = make(Library::torch_sdpa, c, std::move(is_causal), true);
    } else {
      const std::int64_t d = to_i64(g.n_k) - to_i64(g.n_q);
      t = make(
          Library::torch_sdpa, c,
          {"from torch.nn.attention.bias import causal_lower_right\n" +
               fmt::format(fmt::runtime(call),
                           fmt::format(", attn_mask=causal_lower_right({}, {})", g.n_q, g.n_k)),
           matrix_of(g, tril(d))},
          true);
      add_naive(t, std::move(is_causal));
      t.notes.push_back(
          "is_causal=True aligns top-left (keeps j ≤ i); attn's causal is bottom-right, so with "
          "N ≠ M use causal_lower_right (torch.nn.attention.bias)");
    }
  } else {
    t = make(Library::torch_sdpa, c,
             c.tensor(fmt::format(fmt::runtime(call), ", attn_mask=mask") + "\n"), false);
    t.notes.push_back("no flag gives this mask: pass the bool attn_mask, True = may attend");
  }
  if (c.any_empty_row())
    t.notes.push_back(
        "rows with every key blocked: current SDPA returns 0 for them (pytorch PRs #131060, "
        "#133882); older versions gave NaN");
  return t;
}

Translation spell_torch_mha(const Context& c) {
  const Geometry& g = c.g;
  Translation t;
  if (is_full(c.conj)) {
    t = make(Library::torch_mha, c,
             {"mha(q, k, v)  # no attn_mask", BoolMatrix(g.n_q, g.n_k, true)}, true);
  } else if (c.conj.only({"valid"})) {
    // key_padding_mask (N, S): True = this key is padding, ignored.
    const std::int64_t len = *c.conj.valid;
    Spelling padding{
        fmt::format("key_padding_mask = torch.arange({})[None, :] >= {}  # True = padding, "
                    "BLOCKED\nmha(q, k, v, key_padding_mask=key_padding_mask)",
                    g.n_k, len),
        complement(matrix_of(g, [&](std::size_t, std::size_t j) { return to_i64(j) >= len; }))};
    t = make(Library::torch_mha, c, std::move(padding), true);
    add_naive(
        t, {fmt::format("key_padding_mask = torch.arange({})[None, :] < {}  # 1 = real "
                        "token, Hugging Face's polarity",
                        g.n_k, len),
            complement(matrix_of(g, [&](std::size_t, std::size_t j) { return to_i64(j) < len; }))});
    t.notes.push_back(
        "key_padding_mask is True where a key is padding (BLOCKED), the opposite of Hugging "
        "Face's attention_mask");
  } else {
    // attn_mask (L, S) bool: True = NOT allowed to attend.
    // Passing ~mask, which MHA reads as True = blocked, allows exactly the cells `mask` allows.
    Spelling blocked = c.tensor("mha(q, k, v, attn_mask=~mask)  # True = BLOCKED: note the ~\n");
    t = make(Library::torch_mha, c, std::move(blocked), false);
    add_naive(t, {"mha(q, k, v, attn_mask=mask)  # SDPA's polarity: wrong here",
                  complement(c.python_matrix())});
    t.notes.push_back(
        "nn.MultiheadAttention reads a bool attn_mask as True = NOT allowed, the opposite of SDPA "
        "(pytorch/pytorch #170400; rasbt/LLMs-from-scratch #1061)");
  }
  if (c.any_empty_row())
    t.notes.push_back(
        "rows with every key blocked: with need_weights=True nn.MultiheadAttention returns NaN "
        "(pytorch/pytorch #160064)");
  return t;
}

}  // namespace attn::detail
