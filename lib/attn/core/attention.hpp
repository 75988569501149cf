// The attention pipeline, one pure function per step, and the trace that keeps every intermediate.
//
//   1. dot      s_ij = q_i · k_j                          (n_q, d_k) x (n_k, d_k)ᵀ -> (n_q, n_k)
//   2. scale    c · s_ij, c = 1/√d_k unless given
//   3. bias     + b_ij (a positional bias), then optionally a softcap C·tanh(·/C)
//   4. mask     β_ij = … + M_ij, M_ij ∈ {0, −∞} or any additive value
//   5. softmax  α_ij = exp(β_ij − m_i) / Σ_j exp(β_ij − m_i), m_i = max over unmasked β_ij
//   6. output   o_i = Σ_j α_ij v_j                        (n_q, n_k) x (n_k, d_v) -> (n_q, d_v)
//
// Computing never prints: renderers turn a Trace into text, JSON and the rest.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "attn/core/matrix.hpp"

namespace attn {

// What a row with no visible key gets, since softmax over nothing is undefined.
enum class EmptyRows {
  zero,     // weights and output 0: current PyTorch SDPA and FlexAttention
  nan,      // NaN weights and output: older PyTorch, nn.MultiheadAttention with need_weights
  uniform,  // 1/n_k for every key: what a finite sentinel (d2l's −1e6, HF's dtype minimum) gives
  error,    // refuse: a data error naming the rows
};

// s = q · kᵀ: (n_q, d_k) x (n_k, d_k)ᵀ -> (n_q, n_k). Throws a data error if d_k differs.
Matrix dot_products(const Matrix& q, const Matrix& k);

// c · s, cell by cell.
Matrix scale_scores(const Matrix& s, double c);

// a + b, cell by cell; used for the bias b_ij and the additive mask M_ij. −∞ + finite = −∞.
Matrix add_cellwise(const Matrix& a, const Matrix& b);

struct SoftmaxRows {
  Matrix weights;                       // α, (n_q, n_k)
  std::vector<double> row_max;          // m_i: the largest unmasked β in row i; −∞ if none
  std::vector<double> row_sum;          // Σ_j exp(β_ij − m_i); 0 for an empty row
  std::vector<std::size_t> empty_rows;  // rows whose every key is blocked
};

// Softmax of each row of β, subtracting the row's max first so that no exp overflows.
// A row with every entry −∞ follows `policy`.
SoftmaxRows softmax_rows(const Matrix& beta, EmptyRows policy = EmptyRows::zero);

// o = α · v: (n_q, n_k) x (n_k, d_v) -> (n_q, d_v). Throws a data error if n_k differs.
Matrix weighted_sum(const Matrix& alpha, const Matrix& v);

// How far the pipeline runs.
enum class Stage { scores, weights, output };

// Everything one attention computation needs; shapes are checked by run_attention.
struct Problem {
  Matrix q;                       // (n_q, d_k)
  Matrix k;                       // (n_k, d_k)
  std::optional<Matrix> v;        // (n_k, d_v); needed for Stage::output
  std::optional<double> scale;    // c; 1/√d_k when absent
  std::optional<Matrix> bias;     // b, (n_q, n_k)
  std::optional<double> softcap;  // C
  std::optional<Matrix> mask;     // M, additive: 0 may attend, −∞ blocked, (n_q, n_k)
  EmptyRows empty_rows = EmptyRows::zero;
};

// Every intermediate of one computation, kept so that each step can be shown and checked.
struct Trace {
  std::size_t d_k = 0;
  double scale = 1.0;
  bool default_scale = true;      // scale is 1/√d_k
  Matrix dot;                     // s = q·kᵀ (empty when scores were given directly)
  Matrix scaled;                  // c·s
  std::optional<Matrix> bias;     // b
  std::optional<double> softcap;  // C
  std::optional<Matrix> mask;     // M
  Matrix scores;                  // β
  std::optional<SoftmaxRows> softmax;
  std::optional<Matrix> output;  // o
};

// Runs the pipeline up to `stage`. Throws a data error naming the operands on any shape mismatch,
// a non-finite product, or (with EmptyRows::error) a fully blocked row.
Trace run_attention(const Problem& problem, Stage stage);

// Softmax of scores given directly (`attn weights --scores`), after adding the mask if any.
Trace run_softmax(Matrix scores, const std::optional<Matrix>& mask, EmptyRows policy);

// Multi-head and grouped-query attention: q has H·d_k columns, k has G·d_k and v G·d_v.
struct HeadLayout {
  std::size_t heads = 1;     // H, query heads
  std::size_t kv_heads = 1;  // G, key/value heads; G = 1 is multi-query attention
};

// The key/value head that query head h reads: ⌊h·G/H⌋.
std::size_t kv_head_of(std::size_t h, const HeadLayout& layout);

// Head h's problem: columns [h·d_k, (h+1)·d_k) of q and the matching slices of k and v.
// Throws a data error when the column counts do not divide into the heads.
Problem head_problem(const Problem& whole, const HeadLayout& layout, std::size_t h);

// Matrices with the same number of rows, side by side: the heads' outputs (n_q, d_v) each ->
// (n_q, H·d_v).
Matrix concat_columns(const std::vector<Matrix>& parts);

}  // namespace attn
