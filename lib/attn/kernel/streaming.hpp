// Attention without the n_q × n_k matrices: the output o = softmax(c·q·kᵀ + M)·v computed tile by
// tile with an online softmax (FlashAttention's running max and running sum), so memory stays
// O(n·d). Gives run_attention's output to rounding (1e-12 relative in double).
//
// For each query tile (64 rows) and each key tile (64 keys) that the mask does not wholly block:
//   pass 1: s = c · q_tile · k_tileᵀ                      (64, d_k) x (d_k, 64) -> (64, 64)
//   pass 2: blocked cells of s become −∞ (only on tiles the mask partly blocks)
//   pass 3: m' = max(m, max_j s_ij); p_ij = exp(s_ij − m'); l = l·exp(m − m') + Σ_j p_ij
//   pass 4: o = o·exp(m − m') + p · v_tile                (64, 64) x (64, d_v) -> (64, d_v)
// and at the end o_i / l_i. Key tiles outside MaskExpr::span of every row in the query tile are
// never computed. When the mask is an intersection of interval atoms (causal, window, local,
// prefix, valid, chunk) the span is exact and blocked cells are filled by interval; otherwise
// (document, dilated, |, !) allows() is asked cell by cell, only inside the span.
//
// Query tiles are shared among threads from a queue ordered by their work, so a causal mask's
// short top rows and long bottom rows balance. The tile products and exp use the widest vector
// unit the processor has (AVX-512, AVX2 with FMA, or SSE2), chosen at run time, so the portable
// build is still fast.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "attn/core/attention.hpp"
#include "attn/core/geometry.hpp"
#include "attn/core/matrix.hpp"
#include "attn/core/rules.hpp"
#include "attn/mask/expr.hpp"

namespace attn {

// Which vector code runs the tiles. `automatic` takes the widest the processor supports; asking
// for one it lacks falls back to the widest it has.
enum class VectorUnit { automatic, sse2, avx2, avx512 };

// "avx512", "avx2", "sse2" (or "generic" off x86-64).
std::string_view vector_unit_name(VectorUnit unit);
// The unit `automatic` picks on this machine.
VectorUnit best_vector_unit();
// The unit that runs when `wanted` is asked for here.
VectorUnit resolve_vector_unit(VectorUnit wanted);

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
