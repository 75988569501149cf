// Attention without the n_q × n_k matrices: o = softmax(c·q·kᵀ + b + M)·v computed tile by tile
// with an online softmax (FlashAttention's running max and running sum), so memory stays O(n·d).
// Gives run_attention's output to rounding (1e-12 relative in double).
//
// The batched form takes whole layers: q (B, H, S_q, D_k), k (B, H_kv, S_k, D_k), v (B, H_kv, S_k,
// D_v) and o (B, H, S_q, D_v), each a core/bhsd view in its own float dtype (float16, bfloat16,
// float32 or float64, converted as the tiles are loaded; `compute` says whether the arithmetic is
// float32 or float64). Query head h reads kv head ⌊h·H_kv/H⌋ (core/heads' kv_head_of).
//
// For each (batch, head, query tile of 64 rows) and each key tile of 64 keys that is not wholly
// blocked:
//   pass 1: s = c · q_tile · k_tileᵀ                      (64, d_k) x (d_k, 64) -> (64, 64)
//   pass 2: s += m_h·(j − p) (ALiBi, each head its slope), then s = C·tanh(s/C) (the softcap)
//   pass 3: blocked cells of s become −∞ and a mask tensor's additive values are added (only on
//           tiles something partly blocks or adds to)
//   pass 4: m' = max(m, max_j s_ij); p_ij = exp(s_ij − m'); l = l·exp(m − m') + Σ_j p_ij
//   pass 5: o = o·exp(m − m') + p · v_tile                (64, 64) x (64, d_v) -> (64, d_v)
// and at the end o_i / l_i, and log-sum-exp m_i + log l_i when asked. m need not be the largest
// score, only a number near it: on a tile that every row sees whole, with nothing added to s,
// after each row has its first m, passes 1 to 4 run as the product finishes, p = exp(s − m) with
// m kept, unless some score exceeds its row's m by more than exp_margin (then the tile runs the
// passes above; a query tile that declines twice stops trying); on AVX-512 only. The output is
// the same to rounding. p is then at most e^exp_margin, and o's running sum as much larger, so
// values of v within a factor e^exp_margin of T's largest could overflow it. A row's keys are
// limited to the mask expression's MaskExpr::span, to [0, L_b) under kv_lens, and to the first and
// last key a mask tensor allows; key tiles outside that for every row of a query tile are never
// computed. When the expression is an intersection of interval atoms (causal, window, local,
// prefix, valid, chunk) and there is no mask tensor the span is exact and blocked cells are filled
// by interval; otherwise allows() and the mask tensor are asked cell by cell, only inside the span.
//
// Work items (batch, one or two (head, query tile)) are shared among threads from one queue,
// grouped by the kv head they read so that its k and v are packed once (kᵀ in tiles, in the
// compute precision) and freed when its last item is done; within a group, the tiles with the
// most keys go first, so a causal mask's short top rows and long bottom rows balance. An item of
// two query tiles (neighbours in that order: the next tile of a head, or the same tile of the
// group's next head) reads each key tile once for both, where k and v are too large for the
// caches (auto_tiles_per_item); each tile still sees the key tiles in its own order, so the
// numbers are the same either way. The tile products and exp use the widest vector unit the
// processor has (kernel/vector_unit: AVX-512, AVX2 with FMA, or SSE2), chosen at run time, so the
// portable build is still fast.
//
// With BatchedOptions::products = Products::bf16 (bfloat16 q, k and v), passes 1 and 5 are
// bfloat16 products with float32 sums, p rounded to bfloat16 for pass 5 (see Products below).
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

#include "attn/core/attention.hpp"
#include "attn/core/bhsd.hpp"
#include "attn/core/dtype.hpp"
#include "attn/core/geometry.hpp"
#include "attn/core/matrix.hpp"
#include "attn/core/rules.hpp"
#include "attn/kernel/vector_unit.hpp"
#include "attn/mask/expr.hpp"

namespace attn {

// The largest argument the kernels give their exp: softmax's s − m ≤ 0, and up to this much
// above 0 where the forward lets a score rise above its row's running maximum m before moving m
// (see the top of this file). e^margin summed over 2^40 keys stays far inside T's range.
template <class T>
inline constexpr T exp_margin = std::is_same_v<T, double> ? T(64) : T(8);

// How the forward multiplies its two products (BatchedOptions::products). `native`: in the
// compute precision. `bf16`, for bfloat16 q, k and v computed in float32 only (attend_batched
// throws otherwise): bfloat16 products with float32 sums, as GPU attention kernels do. s = c·q·kᵀ
// from the exact products of q's and k's bfloat16 values, and o += p·v with each
// p_ij = exp(s_ij − m_i) (m_i the running max after the key tile of j) rounded to bfloat16 (to
// nearest, ties to even) against bfloat16 v; the softmax (max, exp, the sums l_i, the rescaling)
// stays float32. vdpbf16ps where the processor has AVX512-BF16 and the unit is avx512
// (kernel/bf16_products.inc), elsewhere the plain path with the same roundings, so the two agree
// to float32 summation order (vdpbf16ps also flushes values below 2^−126 to 0). `bf16_plain`
// forces the plain path.
enum class Products { native, bf16, bf16_plain };
// What ran the products (BatchedReport::products): the compute precision, or bfloat16 products
// on the plain path or on AVX512-BF16.
enum class ProductsUnit { native, bf16_plain, avx512_bf16 };
// "native", "plain", "avx512-bf16".
std::string_view products_unit_name(ProductsUnit unit);
// True when this processor has AVX512-BF16 (and AVX-512 as the widest unit).
bool has_avx512_bf16();

// One operand's elements in memory, in a float dtype.
struct TensorIn {
  const void* data = nullptr;
  DType dtype = DType::f64;
  Bhsd view;
};
struct TensorOut {
  void* data = nullptr;
  DType dtype = DType::f64;
  Bhsd view;
};

// A mask given as a tensor, broadcast to (B, H, S_q, S_k): bool or uint8 (non-zero = may attend,
// as SDPA's bool attn_mask), or an additive float mask (0 = may attend, −∞ = blocked, any other
// value added to the score). A broadcast axis has size 1 (and stride 0).
// Forward and backward apply it alike (kernel/tile_math.inc's apply_mask_tensor).
struct MaskTensor {
  const void* data = nullptr;
  DType dtype = DType::boolean;
  std::size_t batch = 1, heads = 1, rows = 1, cols = 1;
  std::size_t batch_stride = 0, head_stride = 0, row_stride = 0, col_stride = 0;  // elements

  // A C-ordered tensor of shape dims = (B, H, S_q, S_k), any of them 1 to broadcast along it.
  static MaskTensor contiguous(const void* data, DType dtype,
                               const std::array<std::size_t, 4>& dims) {
    MaskTensor m;
    m.data = data;
    m.dtype = dtype;
    m.batch = dims[0], m.heads = dims[1], m.rows = dims[2], m.cols = dims[3];
    m.col_stride = dims[3] == 1 ? 0 : 1;
    m.row_stride = dims[2] == 1 ? 0 : dims[3];
    m.head_stride = dims[1] == 1 ? 0 : dims[2] * dims[3];
    m.batch_stride = dims[0] == 1 ? 0 : dims[1] * dims[2] * dims[3];
    return m;
  }
  // Which of its batch·heads·rows distinct rows query row i of head h of batch b reads.
  std::size_t row_index(std::size_t b, std::size_t h, std::size_t i) const {
    return ((batch == 1 ? 0 : b) * heads + (heads == 1 ? 0 : h)) * rows + (rows == 1 ? 0 : i);
  }
  // The element where that row begins.
  std::size_t row_offset(std::size_t b, std::size_t h, std::size_t i) const {
    return (batch == 1 ? 0 : b) * batch_stride + (heads == 1 ? 0 : h) * head_stride +
           (rows == 1 ? 0 : i) * row_stride;
  }
};

// Each distinct row of a mask tensor (by MaskTensor::row_index): the first and one past the last
// of the n_k keys it does not block (−∞ in a float mask, 0 in a bool one); empty if it blocks all.
std::vector<KeyRange> mask_tensor_spans(const MaskTensor& m, std::size_t n_k);

struct BatchedOptions {
  MaskExpr mask;  // true = may attend; full by default
  Align align = Align::bottom_right;
  std::optional<double> scale;  // c; 1/√d_k when absent
  EmptyRows empty_rows = EmptyRows::zero;
  std::vector<std::size_t> kv_lens;       // per batch: keys j ≥ L_b blocked; empty: none
  std::optional<MaskTensor> mask_tensor;  // besides the expression
  std::vector<double> alibi_slopes;       // per query head, m_h ≥ 0; empty: no bias
  std::optional<double> softcap;          // C > 0: the biased score becomes C·tanh(·/C)
  float* lse = nullptr;        // (B, H, S_q) contiguous: log Σ_j exp(β_ij); −∞ if empty
  double* lse_f64 = nullptr;   // the same in float64 (what the backward needs to recompute α)
  DType compute = DType::f64;  // f32 or f64 arithmetic
  unsigned threads = 0;        // 0: one per core
  VectorUnit unit = VectorUnit::automatic;
  Products products = Products::native;  // bf16: bfloat16 products (see Products)
  // query tiles per work item, 1 or 2 (two read each key tile once for both); 0: the kernel's
  // choice, auto_tiles_per_item
  std::size_t tiles_per_item = 0;
};

// The kernel's choice of query tiles per work item: two where one kv head's k and v take at least
// 8 MiB in the compute dtype, more than a core's caches keep, so that each key tile streamed in
// from L3 or memory serves two query tiles (measured on a 2-core AMD EPYC with 1 MiB of L2 per
// core and 32 MiB of L3, two threads: 4 % faster at 16 MiB, 5–12 % and 11 % at 32 MiB, no
// change at 8 MiB), as long as every one of `threads` threads still gets 4 items of the `tiles`
// query tiles; else one.
std::size_t auto_tiles_per_item(std::size_t kv_bytes, std::size_t tiles, unsigned threads);

// A row whose every key is blocked.
struct BlockedRow {
  std::size_t batch = 0, head = 0, row = 0;
  friend bool operator==(const BlockedRow&, const BlockedRow&) = default;
};

struct BatchedReport {
  std::vector<BlockedRow> empty_rows;  // in (batch, head, row) order
  std::size_t tiles_computed = 0;      // key tiles multiplied
  std::size_t tiles_masked = 0;        // of those, the ones something partly blocks
  std::size_t tiles_kept_max = 0;      // of those, the ones each row's running maximum m outlasted
  std::size_t tiles_skipped = 0;       // key tiles never touched: wholly blocked
  unsigned threads = 0;
  std::size_t tiles_per_item = 1;           // query tiles per work item
  VectorUnit unit = VectorUnit::automatic;  // the unit that ran
  bool exact_spans = false;                 // blocked cells filled by interval, not cell by cell
  ProductsUnit products = ProductsUnit::native;  // what ran the two products
};

// o = attention(q, k, v) over every batch and head (see the top of this file). Throws
// std::invalid_argument when the views do not fit together or bfloat16 products are asked of
// operands that are not all bfloat16 or of float64 compute (the caller checks shapes with their
// names: jobs/tensor_attend); a data error for a mask that does not fit the shape, a score that
// overflows, or (EmptyRows::error) a fully blocked row.
BatchedReport attend_batched(const TensorIn& q, const TensorIn& k, const TensorIn& v,
                             const TensorOut& out, const BatchedOptions& options);

// ---- One head, one matrix each -----------------------------------------------------------------

struct StreamingOptions {
  MaskExpr mask;  // true = may attend; full by default
  Align align = Align::bottom_right;
  std::optional<double> scale;  // c; 1/√d_k when absent
  EmptyRows empty_rows = EmptyRows::zero;
  unsigned threads = 0;  // 0: one per core
  VectorUnit unit = VectorUnit::automatic;
};

// What the streaming kernel did, for summaries and tests.
struct StreamingReport {
  std::vector<std::size_t> empty_rows;  // rows whose every key is blocked
  std::size_t tiles_computed = 0;       // key tiles multiplied
  std::size_t tiles_masked = 0;         // of those, the ones the mask partly blocks
  std::size_t tiles_kept_max = 0;       // of those, the ones each row's running maximum outlasted
  std::size_t tiles_skipped = 0;        // key tiles never touched: wholly blocked
  unsigned threads = 0;
  VectorUnit unit = VectorUnit::automatic;  // the unit that ran
  bool exact_spans = false;                 // blocked cells filled by interval, not cell by cell
};

// out = attention(q, k, v), all row-major: q (n_q, d_k), k (n_k, d_k), v (n_k, d_v), out (n_q,
// d_v). Throws std::invalid_argument if a span's size does not match dims; a data error for an
// empty operand, a mask that does not fit the shape, a q·k that overflows, or (EmptyRows::error)
// a fully blocked row. Computes in the precision of its arguments.
StreamingReport attend_streaming(std::span<const double> q, std::span<const double> k,
                                 std::span<const double> v, const AttentionDims& dims,
                                 std::span<double> out, const StreamingOptions& options);
StreamingReport attend_streaming(std::span<const float> q, std::span<const float> k,
                                 std::span<const float> v, const AttentionDims& dims,
                                 std::span<float> out, const StreamingOptions& options);

// The same on matrices, with run_attention's messages for mismatched shapes.
Matrix attend_streaming(const Matrix& q, const Matrix& k, const Matrix& v,
                        const StreamingOptions& options, StreamingReport* report = nullptr);

// True when span() is exact for every row: an intersection (&) of interval atoms only.
bool has_exact_spans(const MaskExpr& mask);

}  // namespace attn
