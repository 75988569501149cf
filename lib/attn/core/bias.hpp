// Positional biases: a matrix b added to the scaled scores, β_ij = c·(q_i·k_j) + b_ij + M_ij, so
// attention can depend on where a key sits relative to the query. Query row i sits at position
// p = Geometry::position(i) and key column j at position j; every bias here is a function of the
// relative position j − p. Also Gemma 2's soft cap on scores and a parser for the CLI's `--bias`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "attn/core/error.hpp"
#include "attn/core/geometry.hpp"
#include "attn/core/matrix.hpp"

namespace attn {

// ---- ALiBi (Press, Smith & Lewis 2022, "Train Short, Test Long"; Hugging Face BLOOM's
// build_alibi_tensor) ---------------------------------------------------------------------------

inline constexpr std::size_t max_alibi_heads = 4096;

// The slope m_h of each of `heads` heads (1 ≤ heads ≤ max_alibi_heads), head 1 first.
// With c = 2^⌊log2 heads⌋, heads 1..c get m_h = 2^(−8h/c); if heads > c, the remaining heads get
// 2^(−4(2k−1)/c) for k = 1..heads − c (the odd-numbered slopes of the 2c-head geometric series).
// 8 heads: 1/2, 1/4, …, 1/256. 12 heads: 2^−1 … 2^−8, then 2^−0.5, 2^−1.5, 2^−2.5, 2^−3.5.
std::vector<double> alibi_slopes(std::size_t heads);

// b_ij = −m·(p − j) = m·(j − p), n_q × n_k. Keys in the past (j < p) are pushed down linearly with
// distance; keys in the future (j > p) get a positive bias, which a causal mask blocks anyway.
// BLOOM adds m·j instead: it differs from this by the per-row constant m·p, so softmax rows agree.
// `slope` must be finite and ≥ 0.
Matrix alibi_bias(const Geometry& g, double slope);

// b_ij = −m·|p − j|: the symmetric form flash-attn adds for alibi_slopes (flash_attn_func's
// docstring: −alibi_slope·|i + seqlen_k − seqlen_q − j|). It equals alibi_bias on keys at or before
// the query (j ≤ p), so the two agree under a causal mask; keys after the query are pushed down
// too instead of up. `slope` must be finite and ≥ 0.
Matrix alibi_symmetric_bias(const Geometry& g, double slope);

// ---- T5 relative-position buckets (Raffel et al. 2020; Hugging Face
// T5Attention._relative_position_bucket, after Mesh TensorFlow) ---------------------------------

struct T5Options {
  // true for T5's encoder; its decoder self-attention uses causal buckets (false).
  bool bidirectional = true;
  // Even; at least 4 when bidirectional (two halves), 2 when causal; at most max_t5_buckets.
  int num_buckets = 32;
  // Distances from here on share the last bucket; must exceed max_exact.
  int max_distance = 128;
};

inline constexpr int max_t5_buckets = 1 << 16;

// Throws usage_error unless the options are usable (see T5Options).
void check_t5_options(const T5Options& options);

// The bucket of relative position r = j − p (memory position − query position).
// Bidirectional: nb = num_buckets/2, start = nb if r > 0 else 0, n = |r|.
// Causal:        nb = num_buckets,   start = 0,                n = max(−r, 0).
// With max_exact = nb/2, bucket = start + n if n < max_exact, otherwise
//   start + min(nb − 1, max_exact + ⌊ln(n/max_exact) / ln(max_distance/max_exact)·(nb −
//   max_exact)⌋),
// the logarithm evaluated in float32 exactly as Hugging Face does, so the buckets match its tables.
// Defaults: bidirectional r = +16 → 16 + 10 = 26; causal r > 0 → 0.
int t5_bucket(std::int64_t relative, bool bidirectional = true, int num_buckets = 32,
              int max_distance = 128);

// The bucket of every cell, n_q × n_k (small integers stored as doubles, so they render like any
// other step).
Matrix t5_buckets(const Geometry& g, const T5Options& options = {});

// b_ij = table[bucket(j − p)]: one learned value per bucket (one head's column of T5's
// relative_attention_bias embedding). table.size() must equal num_buckets; values must be finite.
Matrix t5_bias(const Geometry& g, const T5Options& options, std::span<const double> table);

// ---- Clipped relative positions (Shaw, Uszkoreit & Vaswani 2018, "Self-Attention with Relative
// Position Representations"), as a scalar bias per distance ---------------------------------------

// b_ij = table[d + K] with d = clamp(j − p, −K, K): table holds 2K+1 finite values, for distances
// −K … K. K = max_distance ≥ 0.
Matrix relative_bias(const Geometry& g, std::span<const double> table, std::int64_t max_distance);

// ---- Soft capping (Gemma 2; attention-gym mods/softcapping.py) ---------------------------------

// cap·tanh(β/cap): close to β while |β| ≪ cap, never beyond ±cap. Gemma 2 uses cap = 50 on scaled
// scores, before the mask. `cap` must be finite and > 0. Non-finite β passes through unchanged
// (−∞, a blocked cell, stays −∞), so the function is total; masked cells never reach it in attn.
double softcap(double beta, double cap);
// The same, cell by cell.
Matrix softcap(const Matrix& scores, double cap);

// Where the softcap goes relative to the bias, as --softcap-order and the input document's
// "softcap_order" spell it:
//   bias-first  C·tanh((c·s + b)/C)   attn's default: the bias is part of the score that is capped
//   cap-first   C·tanh(c·s/C) + b     flash-attn's order (attention_ref in flash_attn/utils/
//                                     testing.py: softcap, then the masks, then attn_bias)
// Returns true for cap-first (Problem::softcap_first). Throws an Error with `code` naming `what`
// and the nearest spelling otherwise.
bool parse_softcap_order(std::string_view text, std::string_view what = "--softcap-order",
                         Exit code = Exit::usage);

// ---- The CLI's --bias value ---------------------------------------------------------------------

enum class BiasKind { alibi, t5, relative };

constexpr std::string_view to_string(BiasKind k) {
  switch (k) {
    case BiasKind::alibi:
      return "alibi";
    case BiasKind::t5:
      return "t5";
    case BiasKind::relative:
      return "relative";
  }
  return "?";
}

struct BiasSpec {
  BiasKind kind = BiasKind::alibi;
  // alibi:SLOPE; empty for plain `alibi`, where the caller picks its head's slope.
  std::optional<double> slope;
  // alibi:symmetric or alibi:symmetric:SLOPE: −m·|p − j| (alibi_symmetric_bias) instead of
  // m·(j − p).
  bool symmetric = false;
  // t5 (bidirectional) or t5:causal, with T5's default buckets.
  T5Options t5;
  // relative:TABLE: 2K+1 values, for distances −K … K, and K = (table.size() − 1)/2.
  std::vector<double> table;
  std::int64_t max_distance = 0;
};

// Parses `alibi`, `alibi:SLOPE`, `alibi:symmetric`, `alibi:symmetric:SLOPE`, `t5`, `t5:causal` or
// `relative:V,V,…` (an odd number of values).
// Errors are usage errors naming the 1-based column of the bad part and, for a mistyped kind or
// mode, suggesting the nearest one.
BiasSpec parse_bias_spec(std::string_view text);

}  // namespace attn
