// What an exercise is: its kind and variant (the catalogue `attn quiz --list-kinds` prints), its
// inputs, its options and its expected answer.
//
// Prompts and choices are written in a small markup: plain ASCII text with LaTeX math between
// `$…$` ($\beta$, $\sqrt{d_k}$, $-\infty$). teach/tex turns it into Unicode text, GitHub Markdown
// or LaTeX.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "attn/core/geometry.hpp"
#include "attn/core/grad.hpp"
#include "attn/core/matrix.hpp"
#include "attn/core/rope.hpp"
#include "attn/core/trace.hpp"
#include "attn/mask/expr.hpp"

namespace attn {

// ---- The catalogue ------------------------------------------------------------------------------

enum class QuestionKind {
  score,
  weights,
  output,
  mask,
  order,
  scaling,
  bias,
  analyse,
  gradient,
  rope
};

std::string_view to_string(QuestionKind k);
// Throws usage_error naming the nearest kind for an unknown name.
QuestionKind parse_question_kind(std::string_view name);
// Every kind, in the order a sheet presents them: score, rope, bias, mask, weights, output,
// gradient, order, scaling, analyse (the pipeline's order, the backward pass after it, then the
// conceptual kinds, then free response).
std::span<const QuestionKind> all_question_kinds();
// The kinds a sheet draws from when --kinds is not given: score, bias, mask, weights, output,
// order and scaling. Analyse is marked by hand; gradient and rope came later and are on a sheet
// only when asked for, so that the sheets of a seed stay what they were.
std::span<const QuestionKind> default_question_kinds();
// The kind's variants, the first being the one a plain `--kinds KIND` draws most often.
std::span<const std::string_view> question_variants(QuestionKind k);
// One line on what the kind or the variant asks, for --list-kinds.
std::string_view kind_summary(QuestionKind k);
std::string_view variant_summary(QuestionKind k, std::string_view variant);

// How an answer is written: a number or matrix, one letter (or letters in order), or free text
// marked by hand. Most kinds have one form; rope's rotate variant is numeric and its other
// variants multiple choice.
enum class AnswerForm { numeric, letters, free };
AnswerForm answer_form(QuestionKind k, std::string_view variant);

// A kind, and optionally one of its variants: `mask`, `mask:causal`.
struct KindSpec {
  QuestionKind kind = QuestionKind::score;
  std::optional<std::string> variant;  // empty: any variant
  friend bool operator==(const KindSpec&, const KindSpec&) = default;
};

// "score,mask:causal" → {score}, {mask, causal}; throws usage_error for an unknown kind or
// variant (with the nearest name), an empty item, or an item listed twice.
std::vector<KindSpec> parse_kind_specs(std::string_view list);
// "score,mask:causal", the inverse of parse_kind_specs.
std::string kind_specs_text(std::span<const KindSpec> specs);
// The whole catalogue as `attn quiz --list-kinds` prints it.
std::string list_kinds_text();

// ---- One exercise -------------------------------------------------------------------------------

// One option of a multiple-choice question (mask, scaling, rope) or one step to order (order).
struct Choice {
  std::string label;                 // "A", "B", …
  std::string text;                  // markup
  std::optional<BoolMatrix> matrix;  // mask: the matrix offered (true = may attend)
  std::optional<double> value;       // scaling (variance): the number offered
  std::string id;                    // what the option is: a mistake id, "correct", or a step id
  // rope (shift): the positions (m', n') offered; rope (pairing): the pairs of dimensions offered.
  std::optional<std::pair<std::int64_t, std::int64_t>> positions = std::nullopt;
  std::vector<std::pair<std::size_t, std::size_t>> pairs = {};
};

// One line of a free-response question's rubric.
struct RubricItem {
  double points = 1;
  std::string text;  // markup
};

// The expected answer. Numeric answers are matrices (1×1 a number, 1×n a vector; −∞ allowed);
// multiple choice is one label; order is the labels in order ("CAEBD"); a free response has a
// model answer (markup) and a rubric, and is marked by hand.
struct Answer {
  Matrix values;
  std::string labels;
  std::string model;
  std::vector<RubricItem> rubric;

  bool numeric() const noexcept { return labels.empty() && model.empty(); }
  bool free() const noexcept { return !model.empty(); }
  friend bool operator==(const Answer& a, const Answer& b) {
    return a.values == b.values && a.labels == b.labels && a.model == b.model;
  }
};

// The tolerance `check` allows on every number: answers are asked to 3 decimals.
inline constexpr double answer_tolerance = 0.01;

// Whether `given` has the shape of `expected` (a 1×n answer may be given as n×1).
bool answer_shape_matches(const Matrix& given, const Matrix& expected);
// Whether one cell is within `tolerance` of the expected one (−∞ only matches −∞).
bool cell_matches(double given, double expected, double tolerance);
// Whether `given` is within `tolerance` of `expected` in every cell, with the same shape.
bool matches(const Matrix& given, const Matrix& expected, double tolerance = answer_tolerance);

// The numbers of the scaling experiment an analyse question quotes (`attn explain scaling`).
struct ScalingFigures {
  std::size_t d_k = 0, keys = 0, trials = 0;
  std::uint64_t seed = 0;
  double var_dot = 0, var_scaled = 0;
  double max_weight_unscaled = 0, max_weight_scaled = 0;
  double entropy_unscaled = 0, entropy_scaled = 0, entropy_uniform = 0;
  double jacobian_unscaled = 0, jacobian_scaled = 0;
};

// One exercise. Which inputs a kind uses:
//   score    q, k (1×d_k each); bias b (optional); mask M ∈ {0, −∞} (optional)
//   bias     s (the scaled score q·k/√d_k), geometry and query/key; slope (alibi) or table
//            (relative, distances −K … K)
//   weights  scores β (1×n or 2×3; −∞ = blocked)
//   output   weights α (1×n_k), v (n_k×d_v)
//   mask     mask_expr, geometry; choices hold the matrices
//   order    choices hold the steps, shuffled
//   scaling  d_k (variance variants); choices
//   analyse  figures: d_k, keys, trials and the experiment's seed (the numbers are re-measured)
//   gradient weights α (1×n), dalpha dα (1×n); masked: mask_row M ∈ {0, −∞}; query: k (n×d_k)
//   rope     rotate, shift: q, k (1×2), q_position m, k_position n; shift: choices hold
//            positions; pairing: formula (an id of rope_formula), choices hold pairs
struct Question {
  std::size_t number = 0;  // from 1
  QuestionKind kind = QuestionKind::score;
  std::string variant;  // one of question_variants(kind)
  std::string prompt;   // markup

  std::optional<Matrix> q, k, v, scores, weights;
  std::optional<double> bias;   // score: b
  std::optional<double> mask;   // score: M
  std::optional<double> score;  // bias: s
  std::optional<double> slope;  // bias (alibi): m
  std::size_t heads = 0;        // bias (alibi): H, and head h (from 1) in `head`
  std::size_t head = 0;
  std::vector<double> table;              // bias (relative): b for distances −K … K
  Geometry geometry;                      // bias, mask
  std::size_t query = 0;                  // bias: row i
  std::size_t key = 0;                    // bias: column j
  std::string mask_expr;                  // mask: the expression of the right answer
  std::size_t d_k = 0;                    // scaling
  std::optional<ScalingFigures> figures;  // analyse
  std::optional<Matrix> dalpha;           // gradient: dα = ∂L/∂α
  std::optional<Matrix> mask_row;         // gradient (masked): M, 0 or −∞ per key
  std::optional<std::int64_t> q_position, k_position;  // rope: m and n
  std::string formula;                                 // rope (pairing)

  std::vector<Choice> choices;
  Answer answer;
  // What the worked solution shows, filled by solve(): the pipeline's trace (score, weights,
  // output, gradient, rope); for bias the bias matrix, the bias of the asked cell and (relative)
  // its clipped distance; for gradient the backward pass; for rope (shift) the score at the
  // positions asked about and at each option's.
  std::optional<Trace> trace;
  std::optional<GradTrace> grad;
  std::optional<double> reference_score;
  std::vector<double> option_scores;
  std::optional<Matrix> bias_matrix;
  std::optional<double> cell_bias;
  std::optional<std::int64_t> distance;
};

// The canonical steps of the order question, first to last: dot, scale, mask, softmax, output.
std::span<const std::string_view> order_step_ids();
// A step as the order question lists it, and why it sits where it does.
std::string_view order_step_text(std::string_view id);
std::string_view order_step_reason(std::string_view id);
// What a multiple-choice distractor gets wrong (the text shown in the key, by `check` and in the
// LMS exports' feedback); empty for "correct" and unknown ids.
std::string_view mistake_text(std::string_view id);

// The formulas of the rope:pairing question: how a library or paper spells the rotation, and the
// pairing it uses. rope_formula throws data_error for an unknown id.
struct RopeFormula {
  std::string_view id;    // "hf_rotate_half", …
  std::string_view text;  // markup
  RopeStyle style;
};
std::span<const RopeFormula> rope_formulas();
const RopeFormula& rope_formula(std::string_view id);

}  // namespace attn
