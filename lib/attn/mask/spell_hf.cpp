// Hugging Face transformers masking_utils: decoders (causal, sliding_window, attention_chunk_size)
// and padding through attention_mask. Sources: docs/conventions.md.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "attn/mask/spelling.hpp"

namespace attn::detail {

Translation spell_hf(const Context& c) {
  const Geometry& g = c.g;
  const Conjunction& k = c.conj;
  const bool decoder = k.causal || k.window.has_value();
  // cache_position cannot be negative, so rows before position 0 (N > M, bottom-right) cannot
  // be asked for.
  const bool native_shape =
      decoder ? k.only({"causal", "window", "chunk", "valid"}) && g.position(0) >= 0
              : k.only({"valid"});
  if (native_shape) {
    // masking_utils, with q_idx the query's cache position:
    //   causal_mask_function      kv_idx <= q_idx
    //   sliding_window_overlay(W) kv_idx > q_idx - W
    //   chunked_overlay(C)        kv_idx // C == q_idx // C
    //   padding                   attention_mask[kv_idx] == 1
    const std::int64_t first = g.position(0);
    std::string code;
    if (decoder) code += "# a decoder (causal LM): causal_mask_function keeps kv_idx <= q_idx\n";
    if (k.window)
      code +=
          fmt::format("config.sliding_window = {}  # keys q - {} < j <= q\n", *k.window, *k.window);
    if (k.chunk)
      code += fmt::format("config.attention_chunk_size = {}  # keys j // {} == q // {}\n", *k.chunk,
                          *k.chunk, *k.chunk);
    std::vector<std::string> args{"input_ids"};
    if (k.valid) {
      std::vector<int> ones(g.n_k, 0);
      for (std::size_t j = 0; j < g.n_k; ++j) ones[j] = to_i64(j) < *k.valid ? 1 : 0;
      code += fmt::format("attention_mask = torch.tensor([[{}]])  # 1 = real token\n",
                          fmt::join(ones, ", "));
      args.emplace_back("attention_mask=attention_mask");
    }
    if (decoder && first != 0)
      args.push_back(
          fmt::format("cache_position=torch.arange({}, {})", first, first + to_i64(g.n_q)));
    code += fmt::format("model({})", fmt::join(args, ", "));
    const auto rule = [&](std::size_t i, std::size_t j) {
      const std::int64_t q = first + to_i64(i), kv = to_i64(j);
      bool keep = true;
      if (decoder) keep = keep && kv <= q;
      if (k.window) keep = keep && kv > q - *k.window;
      if (k.chunk) keep = keep && python_floor_div(kv, *k.chunk) == python_floor_div(q, *k.chunk);
      if (k.valid) keep = keep && kv < *k.valid;
      return keep;
    };
    Translation t = make(Library::hf, c, {code, matrix_of(g, rule)}, true);
    if (t.exact) {
      if (k.window)
        t.notes.push_back(fmt::format(
            "sliding_window = {0} counts {0} keys, the token itself included; attention-gym's "
            "generate_sliding_window({0}) keeps {1} (see --as flex)",
            *k.window, *k.window + 1));
      if (c.any_empty_row())
        t.notes.push_back(
            "eager attention fills blocked scores with the dtype's minimum, not −∞: a row with "
            "every key blocked becomes uniform over all keys");
      return t;
    }
  }
  Translation t = make(Library::hf, c,
                       c.tensor("# pass it where your model takes a mask; bool True = may "
                                "attend, as in masking_utils\n"),
                       false);
  t.notes.push_back(
      "no transformers option gives this mask (config: sliding_window, attention_chunk_size; "
      "attention_mask: padding only); the tensor is below");
  return t;
}

}  // namespace attn::detail
