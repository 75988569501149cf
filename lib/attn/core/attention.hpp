// The attention pipeline, one pure function per step, and the trace that keeps every intermediate.
//
//   0. rope     q and k rotated by their positions (optional; core/rope.hpp)
//   1. dot      s_ij = q_i · k_j                          (n_q, d_k) x (n_k, d_k)ᵀ -> (n_q, n_k)
//   2. scale    c · s_ij, c = 1/√d_k unless given
//   3. bias     + b_ij (a positional bias), then optionally a softcap C·tanh(·/C)
//   4. mask     β_ij = … + M_ij, M_ij ∈ {0, −∞} or any additive value
//   5. softmax  α_ij = exp(β_ij − m_i) / Σ_j exp(β_ij − m_i), m_i = max over unmasked β_ij
//   6. output   o_i = Σ_j α_ij v_j                        (n_q, n_k) x (n_k, d_v) -> (n_q, d_v)
//
// Computing never prints: views turn a Trace (core/trace.hpp) into text, JSON and the rest.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "attn/core/matrix.hpp"
#include "attn/core/rules.hpp"
#include "attn/core/trace.hpp"

namespace attn {

// s = q · kᵀ: (n_q, d_k) x (n_k, d_k)ᵀ -> (n_q, n_k). Throws a data error if d_k differs.
Matrix dot_products(const Matrix& q, const Matrix& k);

// c · s, cell by cell.
Matrix scale_scores(const Matrix& s, double c);

// a + b, cell by cell; used for the bias b_ij and the additive mask M_ij. −∞ + finite = −∞.
Matrix add_cellwise(const Matrix& a, const Matrix& b);

// Softmax of each row of β, subtracting the row's max first so that no exp overflows.
// A row with every entry −∞ follows `policy`.
SoftmaxRows softmax_rows(const Matrix& beta, EmptyRows policy = EmptyRows::zero);

// o = α · v: (n_q, n_k) x (n_k, d_v) -> (n_q, d_v). Throws a data error if n_k differs.
Matrix weighted_sum(const Matrix& alpha, const Matrix& v);

// Everything one attention computation needs; shapes are checked by run_attention.
struct Problem {
  Matrix q;                         // (n_q, d_k)
  Matrix k;                         // (n_k, d_k)
  std::optional<Matrix> v;          // (n_k, d_v); needed for Stage::output
  std::optional<Matrix> scores;     // β given directly: no q, k, scale, bias or softcap
  std::optional<std::size_t> d_k;   // with given scores: d_k carried through, if known
  std::optional<double> scale;      // c; 1/√d_k when absent (with given scores: carried through)
  std::optional<RopeOptions> rope;  // rotate q and k by their positions first
  std::optional<Matrix> bias;       // b, (n_q, n_k)
  std::optional<double> softcap;    // C
  bool softcap_first = false;       // C·tanh(c·s/C) + b instead of C·tanh((c·s + b)/C)
  std::optional<Matrix> mask;       // M, additive: 0 may attend, −∞ blocked, (n_q, n_k)
  MaskLabel mask_label;             // how to name M and explain its cells
  Align align = Align::bottom_right;
  EmptyRows empty_rows = EmptyRows::zero;
};

// Runs the pipeline up to `stage` and keeps every intermediate. Throws a data error naming the
// operands on any shape mismatch, a non-finite product, or (with EmptyRows::error) a fully
// blocked row. With given scores, runs the mask and softmax only.
Trace run_attention(const Problem& problem, Stage stage);

}  // namespace attn
