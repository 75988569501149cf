// The Trace: every number of one attention computation, computed once by core/attention and kept
// so that each step can be shown and checked, with what a view needs to label it. Its steps, in
// the order they were computed, are a list that every view (text, JSON, Markdown, LaTeX, CSV,
// --explain, heatmaps, SVG, the quiz's worked solutions) walks; a view formats, it never computes.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "attn/core/geometry.hpp"
#include "attn/core/matrix.hpp"
#include "attn/core/rope.hpp"
#include "attn/core/rules.hpp"

namespace attn {

// How far the pipeline runs.
enum class Stage { scores, weights, output };

// Why the mask allows or blocks cell (i, j), one line per rule it applies; the mask layer supplies
// it for its expressions (MaskExpr::explain).
using MaskExplainer =
    std::function<std::vector<std::string>(const Geometry&, std::size_t i, std::size_t j)>;

// The mask as the user gave it.
struct MaskLabel {
  std::string text;       // "causal & window:3"; "matrix" for a given matrix; empty: no mask
  MaskExplainer explain;  // empty for a given matrix, which has no rule to show
};

// The softmax of each row of β, with each of its intermediates.
struct SoftmaxRows {
  Matrix weights;                       // α, (n_q, n_k)
  Matrix exps;                          // exp(β_ij − m_i); 0 where blocked and in empty rows
  std::vector<double> row_max;          // m_i: the largest unmasked β in row i; −∞ if none
  std::vector<double> row_sum;          // Σ_j exp(β_ij − m_i); 0 for an empty row
  std::vector<double> weight_sum;       // Σ_j α_ij, the check that each row sums to 1
  std::vector<std::size_t> empty_rows;  // rows whose every key is blocked
  EmptyRows policy = EmptyRows::zero;   // what those rows got
};

// One step of the computation: what it is, and the matrices a view shows for it.
enum class StepKind {
  inputs,        // q, k (and v)
  rope,          // q and k rotated by their positions
  given_scores,  // β typed by the user (`attn weights --scores`)
  dot,           // s = q·kᵀ
  scale,         // c·s
  bias,          // + b
  softcap,       // C·tanh(·/C)
  mask,          // + M
  scores,        // β, the scores softmax takes
  softmax,       // α
  output,        // o = α·v
};

struct TraceStep {
  StepKind kind;
  std::string_view name;            // "Dot products"
  const Matrix* result = nullptr;   // the matrix after this step (s, c·s, …, β, α, o)
  const Matrix* operand = nullptr;  // what the step adds: b or M
  std::string_view symbol;  // the result's name in text: "s", "c·s", "c·s + b", "capped", …
};

// Every intermediate of one computation (one head of a multi-head run).
struct Trace {
  Stage stage = Stage::output;         // how far it ran
  Geometry geometry;                   // n_q, n_k and where the queries sit
  std::optional<Matrix> given_scores;  // β as typed; then steps inputs … softcap are absent
  // d_k and c: always known when q and k were given; with given scores, carried through from
  // `attn score --json` when present, else empty.
  std::optional<std::size_t> d_k;
  std::optional<double> scale;
  bool default_scale = true;       // c = 1/√d_k
  std::optional<double> root_d_k;  // √d_k, with the default scale
  Matrix q, k;                     // the inputs (this head's slice); empty with given scores
  std::optional<Matrix> v;         // (n_k, d_v), with Stage::output
  std::optional<RopeTrace> rope;   // the rotation of q and k, when asked for
  Matrix dot;                      // s = q·kᵀ
  Matrix scaled;                   // c·s
  std::optional<Matrix> bias;      // b
  std::optional<Matrix> biased;    // (the scores so far) + b
  std::optional<double> softcap;   // C
  bool softcap_first = false;      // C·tanh(c·s / C) before + b (flash-attn's order)
  std::optional<Matrix> capped;    // C·tanh(x/C) of the scores so far
  std::optional<Matrix> mask;      // M, additive: 0 may attend, −∞ blocked
  MaskLabel mask_label;
  Matrix scores;  // β
  std::optional<SoftmaxRows> softmax;
  std::optional<Matrix> output;  // o

  // The steps present, in the order they were computed; up to `stage`.
  std::vector<TraceStep> steps() const;

  // What the dot products take: q and k, or their rotations.
  const Matrix& dot_q() const { return rope ? rope->q_rotated : q; }
  const Matrix& dot_k() const { return rope ? rope->k_rotated : k; }
  // The products q_it·k_jt whose sum is s_ij (of the rotated q and k under RoPE).
  std::vector<double> dot_terms(std::size_t i, std::size_t j) const;
  // β_ij − m_i, the exponent of cell (i, j) (−∞ where blocked).
  double shifted(std::size_t i, std::size_t j) const;
  // α_ij·v_j, key j's part of o_i.
  std::vector<double> output_terms(std::size_t i, std::size_t j) const;
  // 100·α_ij·v_jc / o_ic: key j's share of o_ic in percent; empty where o_ic = 0.
  std::vector<std::optional<double>> output_shares(std::size_t i, std::size_t j) const;
  // α with −∞ where the key was blocked, so that a picture tells "blocked" from "weight 0".
  Matrix weights_with_blocked() const;
};

}  // namespace attn
