// Hugging Face transformers masking_utils: decoders (causal, sliding_window, attention_chunk_size),
// encoders with a bidirectional sliding window, and padding through attention_mask.
// Sources: docs/conventions.md.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "attn/mask/spelling.hpp"

namespace attn::detail {
namespace {

// `attention_mask = torch.tensor([[1, 1, 0]])`: 1 for each of the first `valid` keys.
std::string attention_mask_line(const Geometry& g, std::int64_t valid) {
  std::vector<int> ones(g.n_k, 0);
  for (std::size_t j = 0; j < g.n_k; ++j) ones[j] = to_i64(j) < valid ? 1 : 0;
  return fmt::format("attention_mask = torch.tensor([[{}]])  # 1 = real token\n",
                     fmt::join(ones, ", "));
}

// A decoder: causal_mask_function keeps kv_idx <= q_idx, sliding_window_overlay(W) kv_idx >
// q_idx − W, chunked_overlay(C) kv_idx // C == q_idx // C, padding attention_mask[kv_idx] == 1,
// with q_idx the query's position: the cache's length plus i.
std::optional<Spelling> decoder(const Context& c) {
  const Geometry& g = c.g;
  const Conjunction& k = c.conj;
  // The cache's length cannot be negative, so rows before position 0 (N > M, bottom-right)
  // cannot be asked for.
  if (!k.only({"causal", "window", "chunk", "valid"}) || !(k.causal || k.window) ||
      g.position(0) < 0)
    return std::nullopt;
  const std::int64_t first = g.position(0);
  std::string code = "# a decoder (causal LM): causal_mask_function keeps kv_idx <= q_idx\n";
  if (k.window)
    code +=
        fmt::format("config.sliding_window = {}  # keys q - {} < j <= q\n", *k.window, *k.window);
  if (k.chunk)
    code += fmt::format("config.attention_chunk_size = {}  # keys j // {} == q // {}\n", *k.chunk,
                        *k.chunk, *k.chunk);
  std::vector<std::string> args{"input_ids"};
  if (k.valid) {
    code += attention_mask_line(g, *k.valid);
    args.emplace_back("attention_mask=attention_mask");
  }
  if (first != 0) {
    code += fmt::format(
        "# past_key_values already holds {0} tokens, so the queries sit at positions {0} … {1}\n"
        "# (transformers 5 reads that offset from the cache; 4.x took "
        "cache_position=torch.arange({0}, {2}))\n",
        first, first + to_i64(g.n_q) - 1, first + to_i64(g.n_q));
    args.emplace_back("past_key_values=past_key_values");
  }
  code += fmt::format("model({})", fmt::join(args, ", "));
  const auto rule = [&](std::size_t i, std::size_t j) {
    const std::int64_t q = first + to_i64(i), kv = to_i64(j);
    bool keep = kv <= q;
    if (k.window) keep = keep && kv > q - *k.window;
    if (k.chunk) keep = keep && python_floor_div(kv, *k.chunk) == python_floor_div(q, *k.chunk);
    if (k.valid) keep = keep && kv < *k.valid;
    return keep;
  };
  return Spelling{code, matrix_of(g, rule)};
}

// An encoder: no mask but padding, or sliding_window_bidirectional_mask_function(W), which keeps
// |q_idx − kv_idx| <= W. Without a cache the queries sit at 0 … L − 1 (top-left).
std::optional<Spelling> encoder(const Context& c) {
  const Geometry& g = c.g;
  const Conjunction& k = c.conj;
  if (!k.only({"local", "valid"})) return std::nullopt;
  std::string code;
  if (k.local) {
    code += fmt::format(
        "# an encoder: sliding_window_bidirectional_mask_function keeps |q_idx - kv_idx| <= {} "
        "(transformers 5)\n"
        "config.sliding_window = {}\n",
        *k.local, *k.local);
  }
  if (k.valid) code += attention_mask_line(g, *k.valid);
  const std::string mask_arg = k.valid ? "attention_mask" : "attention_mask=None";
  if (k.local)
    code += fmt::format(
        "mask = create_bidirectional_sliding_window_mask(config, inputs_embeds, {})", mask_arg);
  else
    code += k.valid ? "model(input_ids, attention_mask=attention_mask)" : "model(input_ids)";
  const auto rule = [&](std::size_t i, std::size_t j) {
    const std::int64_t q = to_i64(i), kv = to_i64(j);
    bool keep = true;
    if (k.local) keep = keep && std::abs(q - kv) <= *k.local;
    if (k.valid) keep = keep && kv < *k.valid;
    return keep;
  };
  return Spelling{code, matrix_of(g, rule)};
}

}  // namespace

Translation spell_hf(const Context& c) {
  const Conjunction& k = c.conj;
  std::optional<Spelling> candidate = decoder(c);
  if (!candidate) candidate = encoder(c);
  if (candidate && candidate->matrix == c.attn) {
    Translation t = make(Library::hf, c, std::move(*candidate), true);
    if (k.window)
      t.notes.push_back(fmt::format(
          "sliding_window = {0} counts {0} keys, the token itself included; attention-gym's "
          "generate_sliding_window({0}) keeps {1} (see --as flex)",
          *k.window, *k.window + 1));
    if (k.local)
      t.notes.push_back(fmt::format(
          "the same config.sliding_window = {0} keeps {1} in a decoder (q − {0} < j ≤ q) but {2} "
          "here (|q − j| ≤ {0})",
          *k.local, count_keys(*k.local), 2 * *k.local + 1));
    if (c.any_empty_row())
      t.notes.push_back(
          "eager attention fills blocked scores with the dtype's minimum, not −∞: a row with "
          "every key blocked becomes uniform over all keys");
    return t;
  }
  Translation t = make(Library::hf, c,
                       c.tensor("# pass it where your model takes a mask; bool True = may "
                                "attend, as in masking_utils\n"),
                       false);
  if (candidate && k.local) {
    t.naive = std::move(*candidate);
    t.notes.push_back(
        "create_bidirectional_sliding_window_mask places the queries at 0 … L − 1 when there is "
        "no cache (top-left); this mask is bottom-right with N ≠ M");
  }
  t.notes.push_back(
      "no transformers option gives this mask (config: sliding_window, attention_chunk_size; "
      "attention_mask: padding only); the tensor is below");
  return t;
}

}  // namespace attn::detail
