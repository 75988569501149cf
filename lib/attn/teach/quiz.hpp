// Seeded exercise sheets: questions on each step of attention, with answers computed by the
// library (dot_products, run_attention, softmax_rows, weighted_sum, MaskExpr, alibi_bias, …).
//
// Reproducibility: the same seed gives the same sheet with every compiler and standard library.
// std::mt19937_64 is specified bit for bit, but <random>'s distributions are not, so SeededRng
// maps the engine's raw 64-bit output to ranges itself. Questions draw only integers (numbers are
// halves, tenths or small whole numbers), so the sheet never depends on the platform's libm.
//
// Prompts and choices are written in a small markup: plain ASCII text with LaTeX math between
// `$…$` ($\beta$, $\sqrt{d_k}$, $-\infty$). quiz_render turns it into Unicode text, GitHub
// Markdown or LaTeX.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "attn/core/attention.hpp"
#include "attn/core/geometry.hpp"
#include "attn/mask/expr.hpp"
#include "attn/core/matrix.hpp"

namespace attn {

// ---- Reproducible random numbers ----------------------------------------------------------------

// std::mt19937_64 with ranges mapped by hand, so every platform draws the same values.
class SeededRng {
 public:
  explicit SeededRng(std::uint64_t seed) : engine_(seed) {}

  // The engine's raw output.
  std::uint64_t next() { return engine_(); }
  // A whole number in [lo, hi], every value equally likely (rejection sampling, no modulo bias).
  std::int64_t uniform_int(std::int64_t lo, std::int64_t hi);
  // An index in [0, n); n ≥ 1.
  std::size_t index(std::size_t n);
  // A double in [0, 1): the top 53 bits of one draw, times 2^−53.
  double uniform01();
  // A standard normal N(0, 1), by the polar form of Box–Muller on uniform01(); the second value
  // of each pair is kept for the next call.
  double normal();
  // Fisher–Yates with index().
  template <typename T>
  void shuffle(std::vector<T>& items) {
    for (std::size_t n = items.size(); n > 1; --n) std::swap(items[n - 1], items[index(n)]);
  }

 private:
  std::mt19937_64 engine_;
  std::optional<double> spare_;
};

// FNV-1a, 64-bit: offset basis 0xcbf29ce484222325, prime 0x100000001b3.
std::uint64_t fnv1a64(std::string_view text);

// The seed of one student's sheet: SplitMix64's finaliser applied to class_seed ^ fnv1a64(name),
// so neighbours given one class seed get different numbers, and each can be regenerated.
std::uint64_t student_seed(std::uint64_t class_seed, std::string_view student);

// ---- Questions
// -----------------------------------------------------------------------------------

enum class QuestionKind { score, weights, output, mask, order, scaling, bias };

std::string_view to_string(QuestionKind k);
// Throws usage_error naming the nearest kind for an unknown name.
QuestionKind parse_question_kind(std::string_view name);
// All seven, in the order the sheet presents them: score, bias, mask, weights, output, order,
// scaling (the pipeline's order, then the two conceptual kinds).
std::span<const QuestionKind> all_question_kinds();
// "score,weights" → {score, weights}; throws usage_error for an unknown or repeated kind.
std::vector<QuestionKind> parse_question_kinds(std::string_view list);

// One option of a multiple-choice question (mask, scaling) or one step to order (order).
struct Choice {
  std::string label;                 // "A", "B", …
  std::string text;                  // markup
  std::optional<BoolMatrix> matrix;  // mask: the matrix offered (true = may attend)
  std::optional<double> value;       // scaling (variance): the number offered
  std::string id;                    // what the option is: a mistake id, "correct", or a step id
};

// The expected answer. Numeric answers are matrices (1×1 a number, 1×n a vector; −∞ allowed);
// multiple choice is one label; order is the labels in order ("CAEBD").
struct Answer {
  Matrix values;
  std::string labels;

  bool numeric() const noexcept { return labels.empty(); }
  friend bool operator==(const Answer&, const Answer&) = default;
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
struct Question {
  std::size_t number = 0;  // from 1
  QuestionKind kind = QuestionKind::score;
  // score: plain | bias | mask;  bias: alibi | relative;  weights: row | masked | rows;
  // output: plain;  mask: causal | cache | window | prefix | padding;  order: plain;
  // scaling: why | variance | scaled
  std::string variant;
  std::string prompt;  // markup

  std::optional<Matrix> q, k, v, scores, weights;
  std::optional<double> bias;   // score: b
  std::optional<double> mask;   // score: M
  std::optional<double> score;  // bias: s
  std::optional<double> slope;  // bias (alibi): m
  std::size_t heads = 0;        // bias (alibi): H, and head h (from 1) in `head`
  std::size_t head = 0;
  std::vector<double> table;  // bias (relative): b for distances −K … K
  Geometry geometry;          // bias, mask
  std::size_t query = 0;      // bias: row i
  std::size_t key = 0;        // bias: column j
  std::string mask_expr;      // mask: the expression of the right answer
  std::size_t d_k = 0;        // scaling

  std::vector<Choice> choices;
  Answer answer;
  // What the worked solution shows: the pipeline's trace (score, weights, output), or the bias
  // matrix (bias). Filled by solve().
  std::optional<Trace> trace;
  std::optional<Matrix> bias_matrix;
};

// Computes q.answer (and q.trace) from q's inputs with the library. Throws data_error when the
// inputs do not make a question of q.kind (e.g. no choice matches the right mask).
void solve(Question& q);

// The canonical steps of the order question, first to last: dot, scale, mask, softmax, output.
std::span<const std::string_view> order_step_ids();
// Why a step sits where it does, for the worked solution and for grading.
std::string_view order_step_text(std::string_view id);
// What a mask or scaling distractor gets wrong (the text shown in the key and by `check`).
std::string_view mistake_text(std::string_view id);

// ---- Sheets -------------------------------------------------------------------------------------

struct QuizOptions {
  std::uint64_t seed = 1;  // the class seed
  std::size_t count = 6;
  std::vector<QuestionKind> kinds;     // empty = all
  std::optional<std::string> student;  // derives the sheet's seed with student_seed()
};

inline constexpr std::size_t max_quiz_questions = 200;
// The tolerance `check` allows on every number: answers are asked to 3 decimals.
inline constexpr double answer_tolerance = 0.01;

struct Quiz {
  std::uint64_t class_seed = 1;
  std::optional<std::string> student;
  std::uint64_t seed = 1;  // the seed the questions were drawn from
  std::string version;     // attn's version, without the commit, so sheets match across builds
  std::vector<QuestionKind> kinds;
  std::vector<Question> questions;
};

// Draws options.count questions: the kinds in shuffled rounds (each kind once per round), then
// presented in the pipeline's order. Every answer is computed by solve().
Quiz generate_quiz(const QuizOptions& options);

// Reads a quiz written by quiz_to_json (quiz_render.hpp) and re-solves every question; `what`
// names the file in errors. A missing key, a wrong type or a stored answer that disagrees with
// the library is a data error naming the question.
Quiz quiz_from_json(const nlohmann::json& doc, std::string_view what);

}  // namespace attn
