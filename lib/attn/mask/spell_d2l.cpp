// d2l: masked_softmax(X, valid_lens) keeps keys j < valid_len, one length per sequence or per
// query row. Sources: docs/conventions.md.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "attn/mask/spelling.hpp"

namespace attn::detail {

Translation spell_d2l(const Context& c) {
  const Geometry& g = c.g;
  std::vector<std::int64_t> lengths(g.n_q);
  bool prefix = true;  // every row keeps exactly keys j < its length
  for (std::size_t i = 0; i < g.n_q; ++i) {
    lengths[i] = to_i64(c.attn.count_row(i));
    for (std::size_t j = 0; j < g.n_k; ++j)
      prefix = prefix && c.attn(i, j) == (to_i64(j) < lengths[i]);
  }
  Translation t;
  if (prefix) {
    const bool same = std::ranges::all_of(lengths, [&](auto x) { return x == lengths[0]; });
    std::string code =
        same ? fmt::format("valid_lens = torch.tensor([{}])  # keys j < {} for every query\n",
                           lengths[0], lengths[0])
             : fmt::format("valid_lens = torch.tensor([[{}]])  # one length per query row\n",
                           fmt::join(lengths, ", "));
    code += "attention = d2l.masked_softmax(scores, valid_lens)";
    // masked_softmax: X[arange(S)[None, :] >= valid_len[:, None]] = -1e6
    t = make(Library::d2l, c,
             {code, matrix_of(g, [&](std::size_t i,
                                     std::size_t j) { return to_i64(j) < lengths[same ? 0 : i]; })},
             true);
    if (c.conj.only({"causal"}) && !is_full(c.conj)) {
      // The d2l Transformer decoder: dec_valid_lens = torch.arange(1, num_steps + 1).
      add_naive(t, {"dec_valid_lens = torch.arange(1, L + 1)  # d2l's Transformer decoder",
                    matrix_of(g, [&](std::size_t i, std::size_t j) { return j < i + 1; })});
      if (t.naive)
        t.notes.push_back(
            "d2l's decoder lengths arange(1, L + 1) are top-left; attn's causal is bottom-right "
            "when N ≠ M");
    }
  } else {
    t = make(Library::d2l, c,
             c.tensor("scores = scores.masked_fill(~mask, -1e6)  # what masked_softmax does\n"
                      "attention = torch.softmax(scores, dim=-1)\n"),
             false);
    t.notes.push_back(
        "d2l's masked_softmax takes only lengths (keys j < valid_len); this mask is not a prefix "
        "of the keys in every row");
  }
  if (c.any_empty_row())
    t.notes.push_back(
        "masked_softmax writes −1e6, not −∞: a row with every key blocked becomes uniform over "
        "all keys, not zero");
  return t;
}

}  // namespace attn::detail
