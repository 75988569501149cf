// FlexAttention: a mask_mod over (q_idx, kv_idx), and attention-gym's ready-made masks, which read
// q_idx as the position (top-left). Sources: docs/conventions.md.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "attn/mask/spelling.hpp"

namespace attn::detail {

Translation spell_flex(const Context& c) {
  const Geometry& g = c.g;
  std::string code = c.shape() + python_constants(c.formula);
  code += "def mask_mod(b, h, q_idx, kv_idx):  # True = may attend\n";
  code += "    i, j = q_idx, kv_idx\n";
  code += position_line(g, "    ");
  code += fmt::format("    return {}\n", python_code(c.formula, true, g.offset() < 0).text);
  code += "block_mask = create_block_mask(mask_mod, B=None, H=None, Q_LEN=L, KV_LEN=S)\n";
  code += "flex_attention(q, k, v, block_mask=block_mask)\n";
  Translation t = make(Library::flex, c, {code, c.python_matrix()}, true);
  const Conjunction& k = c.conj;
  // attention-gym's masks read q_idx as the position: top-left.
  if (k.only({"causal"}) && !is_full(k)) {
    add_naive(t, {"attn_gym.masks.causal_mask  # q_idx >= kv_idx", matrix_of(g, tril(0))});
    if (t.naive)
      t.notes.push_back(
          "attention-gym's causal_mask compares q_idx with kv_idx (top-left); add S − L to q_idx "
          "for bottom-right");
  }
  if (k.only({"causal", "window"}) && k.window) {
    const std::int64_t w = *k.window;
    // generate_sliding_window(W): and_masks(q_idx - kv_idx <= W, causal_mask).
    add_naive(t, {fmt::format("attn_gym.masks.generate_sliding_window(window_size={})", w),
                  matrix_of(g, [=](std::size_t i, std::size_t j) {
                    const std::int64_t d = to_i64(i) - to_i64(j);
                    return d >= 0 && d <= w;
                  })});
    t.notes.push_back(fmt::format(
        "attention-gym's generate_sliding_window({0}) keeps q_idx − kv_idx ≤ {0}: {1} keys, one "
        "more than window:{0}",
        w, w + 1));
  }
  if (c.any_empty_row())
    t.notes.push_back("rows with every key blocked: flex_attention returns 0 for them");
  return t;
}

}  // namespace attn::detail
