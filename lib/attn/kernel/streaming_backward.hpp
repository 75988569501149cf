// The backward pass of attention without the n_q × n_k matrices, in the manner of FlashAttention-2:
// given q, k, v, the forward's output o, the upstream gradient dO = ∂L/∂o and the forward's
// log-sum-exp per row, the weights α are recomputed tile by tile and never stored, so memory stays
// O(n·d). Gives core/grad's run_backward to rounding (1e-12 relative in double).
//
// The layer's views are kernel/streaming's: q, dq (B, H, S_q, D_k), k, dk (B, H_kv, S_k, D_k),
// v, dv (B, H_kv, S_k, D_v), o, dO (B, H, S_q, D_v), each in its own float dtype. First, for every
// row, D_i = Σ_c dO_ic · o_ic (which equals Σ_j α_ij dα_ij). Then for each (batch, kv head, key
// tile of 64 keys), for each query head that reads that kv head and each query tile of 64 rows that
// sees some of those keys:
//   s   = c · q_tile · k_tileᵀ, then + m_h·(j − p) (ALiBi) and C·tanh(·/C) (the softcap): β
//   α   = exp(β − lse_i), 0 on blocked cells
//   dα  = dO_tile · v_tileᵀ
//   dβ  = α ∘ (dα − D_i), times 1 − tanh²(x/C) under the softcap: the gradient of c·s (the bias
//         is added to c·s, so its gradient is the same)
//   dV += αᵀ · dO_tile;  dK += dβᵀ · q_tile;  dQ += dβ · k_tile
// and dk = c·dK, dq = c·dQ. A key tile's dk and dv rows belong to one work item (grouped-query
// heads summed there), so they are written without locks; dq is summed in one buffer per thread
// and the buffers are added in thread order at the end, so the result does not depend on timing.
// A work item is one key tile or two neighbours, which then read each query tile's q, dO and sum
// of dq once for both (auto_key_tiles_per_item); items are dealt to the threads before they
// start, the ones with the most work first.
//
// Masks: the expression (any; interval atoms by span, others cell by cell), kv_lens, a mask tensor
// (as the forward's: its values added to β after the softcap, its false or −∞ cells blocked, each
// row's keys limited to the first and last it allows), ALiBi and the softcap (applied after the
// bias, attn's default order). No gradient flows into a float mask tensor: it is a constant.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "attn/core/geometry.hpp"
#include "attn/core/rules.hpp"
#include "attn/kernel/streaming.hpp"
#include "attn/mask/expr.hpp"

namespace attn {

struct BackwardOptions {
  MaskExpr mask;  // true = may attend; full by default
  Align align = Align::bottom_right;
  std::optional<double> scale;  // c; 1/√d_k when absent
  // What the forward gave a row with every key blocked: zero (no gradient reaches q, k or v) or
  // uniform (o_i = the mean of v, so each v_j gets dO_i / S_k). nan has no gradient and error
  // had no output: both are a data error when a row is empty.
  EmptyRows empty_rows = EmptyRows::zero;
  std::vector<std::size_t> kv_lens;       // per batch: keys j ≥ L_b blocked; empty: none
  std::optional<MaskTensor> mask_tensor;  // besides the expression, as the forward took it
  std::vector<double> alibi_slopes;       // per query head, m_h ≥ 0; empty: no bias
  std::optional<double> softcap;          // C > 0
  DType compute = DType::f64;             // f32 or f64 arithmetic
  unsigned threads = 0;                   // 0: one per core
  VectorUnit unit = VectorUnit::automatic;
  // Key tiles per work item, 1 or 2 (neighbours that read each query tile's q and dO once for
  // both); 0: the kernel's choice, auto_key_tiles_per_item. dk and dv do not depend on it.
  std::size_t key_tiles_per_item = 0;
};

constexpr std::size_t max_key_tiles_per_item = 2;

struct BackwardReport {
  std::size_t rows_empty = 0;      // rows whose every key is blocked (lse = −∞)
  std::size_t tiles_computed = 0;  // (query tile, key tile) pairs recomputed, over every head
  std::size_t tiles_skipped = 0;   // pairs never touched: wholly blocked
  unsigned threads = 0;
  VectorUnit unit = VectorUnit::automatic;  // the unit that ran
  std::size_t key_tiles_per_item = 1;       // as chosen; an odd last tile is an item alone
};

// Two key tiles per item where that still leaves every thread 4 items or more (of `key_tiles`
// over every batch and kv head), else one.
std::size_t auto_key_tiles_per_item(std::size_t key_tiles, unsigned threads);

// dq, dk, dv of attention(q, k, v) for the upstream gradient d_out (see the top of this file).
// `lse` is the forward's log Σ_j exp(β_ij) per (batch, head, row), contiguous; −∞ marks a row
// with every key blocked. Throws std::invalid_argument when the views do not fit together (the
// caller names shapes: jobs/tensor_grad); a data error for a mask that does not fit the shape, a
// q·k that overflows, or an empty row under EmptyRows::nan or error.
BackwardReport attend_backward(const TensorIn& q, const TensorIn& k, const TensorIn& v,
                               const TensorIn& o, const TensorIn& d_out,
                               std::span<const double> lse, const TensorOut& dq,
                               const TensorOut& dk, const TensorOut& dv,
                               const BackwardOptions& options);

}  // namespace attn
