#include "attn/teach/solve.hpp"

#include <fmt/format.h>

#include <cmath>

#include "attn/core/attention.hpp"
#include "attn/core/bias.hpp"
#include "attn/core/error.hpp"
#include "attn/core/grad.hpp"
#include "attn/core/rope.hpp"
#include "attn/core/rules.hpp"
#include "attn/mask/expr.hpp"
#include "attn/render/format.hpp"
#include "attn/teach/explain.hpp"

namespace attn {
namespace {

Matrix one(double x) {
  return Matrix{{x}};
}

const Matrix& need(const std::optional<Matrix>& m, const Question& q, const char* name) {
  if (!m)
    throw data_error(fmt::format("question {} ({}) has no {}", q.number, to_string(q.kind), name));
  return *m;
}

const Choice* find_choice(const Question& q, auto&& pred) {
  const Choice* found = nullptr;
  for (const auto& c : q.choices) {
    if (!pred(c)) continue;
    if (found)
      throw data_error(fmt::format("question {} ({}): choices {} and {} are both right", q.number,
                                   to_string(q.kind), found->label, c.label));
    found = &c;
  }
  if (!found)
    throw data_error(
        fmt::format("question {} ({}): no choice is right", q.number, to_string(q.kind)));
  return found;
}

void solve_bias(Question& q) {
  if (!q.score) throw data_error(fmt::format("question {} (bias) has no score", q.number));
  if (q.query >= q.geometry.n_q || q.key >= q.geometry.n_k)
    throw data_error(fmt::format("question {} (bias): cell ({}, {}) is outside {}×{}", q.number,
                                 q.query, q.key, q.geometry.n_q, q.geometry.n_k));
  if (q.slope) {
    q.bias_matrix = alibi_bias(q.geometry, *q.slope);
  } else {
    const auto k = static_cast<std::int64_t>(q.table.size() / 2);
    q.bias_matrix = relative_bias(q.geometry, q.table, k);
    // The clipped distance of the cell: relative_bias with the table −K … K looks it up.
    std::vector<double> distances;
    for (std::int64_t d = -k; d <= k; ++d) distances.push_back(static_cast<double>(d));
    q.distance = static_cast<std::int64_t>(relative_bias(q.geometry, distances, k)(q.query, q.key));
  }
  q.cell_bias = (*q.bias_matrix)(q.query, q.key);
  q.answer.values = add_cellwise(one(*q.score), one(*q.cell_bias));
}

void solve_gradient(Question& q) {
  const Matrix& alpha = need(q.weights, q, "weights");
  const Matrix& dalpha = need(q.dalpha, q, "dalpha");
  const std::size_t n = alpha.cols();
  if (alpha.rows() != 1 || dalpha.rows() != 1 || dalpha.cols() != n)
    throw data_error(
        fmt::format("question {} (gradient): the weights are {} and dalpha {}; both "
                    "must be one row of the same length",
                    q.number, shape_string(alpha), shape_string(dalpha)));
  if (q.mask_row) {
    if (q.mask_row->rows() != 1 || q.mask_row->cols() != n)
      throw data_error(fmt::format("question {} (gradient): the mask is {}, the weights {}",
                                   q.number, shape_string(*q.mask_row), shape_string(alpha)));
    for (std::size_t j = 0; j < n; ++j)
      if ((*q.mask_row)(0, j) == neg_inf && alpha(0, j) != 0.0)
        throw data_error(
            fmt::format("question {} (gradient): key {} is blocked but has the weight {}", q.number,
                        j, format_number(alpha(0, j))));
  }
  if (q.k && q.k->rows() != n)
    throw data_error(
        fmt::format("question {} (gradient): K has {} rows for {} keys", q.number, q.k->rows(), n));
  q.trace = gradient_forward(alpha, q.mask_row, q.k);
  q.grad = run_backward(*q.trace, dalpha);  // dO = dα, since v = I
  q.answer.values = q.variant == "query" ? q.grad->dq : q.grad->dbeta;
}

double rope_dot(const Question& q, std::int64_t m, std::int64_t n) {
  Problem p;
  p.q = *q.q;
  p.k = *q.k;
  p.rope = rope_question_options(m, n);
  return run_attention(p, Stage::scores).dot(0, 0);
}

void solve_rope(Question& q) {
  if (q.variant == "pairing") {
    const RopeFormula& f = rope_formula(q.formula);
    std::vector<std::pair<std::size_t, std::size_t>> right;
    for (std::size_t i = 0; i < 2; ++i) right.push_back(rope_pair(i, 4, f.style));
    q.answer.labels = find_choice(q, [&](const Choice& c) { return c.pairs == right; })->label;
    return;
  }
  const Matrix& qv = need(q.q, q, "q");
  const Matrix& kv = need(q.k, q, "k");
  if (qv.rows() != 1 || qv.cols() != 2 || kv.rows() != 1 || kv.cols() != 2)
    throw data_error(fmt::format("question {} (rope): q and k must be 2-d vectors", q.number));
  if (!q.q_position || !q.k_position)
    throw data_error(fmt::format("question {} (rope) has no positions", q.number));
  Problem p;
  p.q = qv;
  p.k = kv;
  p.rope = rope_question_options(*q.q_position, *q.k_position);
  q.trace = run_attention(p, Stage::scores);
  if (q.variant == "rotate") {
    q.answer.values = q.trace->dot;  // s = q'·k', before 1/√d_k
    return;
  }
  // shift: the option whose positions give the score of (m, n)
  q.reference_score = q.trace->dot(0, 0);
  for (const auto& c : q.choices) {
    if (!c.positions)
      throw data_error(
          fmt::format("question {} (rope): choice {} has no positions", q.number, c.label));
    q.option_scores.push_back(rope_dot(q, c.positions->first, c.positions->second));
  }
  const double ref = *q.reference_score;
  const auto same = [&](const Choice& c) {
    const double s = q.option_scores[static_cast<std::size_t>(&c - q.choices.data())];
    return std::abs(s - ref) <= 1e-9 * std::max(1.0, std::abs(ref));
  };
  q.answer.labels = find_choice(q, same)->label;
}

// The model answer and rubric of the training-instability question, from the measured figures.
void solve_analyse(Question& q) {
  if (!q.figures) throw data_error(fmt::format("question {} (analyse) has no figures", q.number));
  const ScalingFigures f =
      measure_scaling(q.figures->d_k, q.figures->keys, q.figures->trials, q.figures->seed);
  q.figures = f;
  const NumberStyle two{2};
  const auto n = [&](double x) { return format_number(x, two); };
  q.answer.model = fmt::format(
      "Without the factor the scores are too large: $\\mathrm{{Var}}(q \\cdot k) \\approx {}$, "
      "about $d_k = {}$, against ${}$ once divided by $\\sqrt{{d_k}}$. Softmax then puts almost "
      "all weight on one key (the largest weight averages ${}$ unscaled, ${}$ scaled; the entropy "
      "is ${}$ nats against ${}$, where uniform weights have $\\ln {} = {}$). A saturated softmax "
      "has a Jacobian $\\partial \\alpha_i / \\partial \\beta_j = \\alpha_i(\\delta_{{ij}} - "
      "\\alpha_j)$ near 0 ($\\lVert J \\rVert \\approx {}$ against ${}$), so almost no gradient "
      "reaches $q$ and $k$: learning stalls, and the rows whose top key flips change abruptly, "
      "which is the instability. Dividing by $\\sqrt{{d_k}}$ restores a variance near 1, spread "
      "weights and a usable gradient.",
      n(f.var_dot), f.d_k, n(f.var_scaled), n(f.max_weight_unscaled), n(f.max_weight_scaled),
      n(f.entropy_unscaled), n(f.entropy_scaled), f.keys, n(f.entropy_uniform),
      n(f.jacobian_unscaled), n(f.jacobian_scaled));
  q.answer.rubric = {
      {1, fmt::format("the variance of $q \\cdot k$ grows like $d_k$ (here about ${}$), so the "
                      "unscaled scores are large",
                      n(f.var_dot))},
      {1, fmt::format("large scores saturate the softmax: nearly one-hot weights (largest weight "
                      "about ${}$, entropy ${}$ nats, far below $\\ln {}$)",
                      n(f.max_weight_unscaled), n(f.entropy_unscaled), f.keys)},
      {1, fmt::format("a saturated softmax has a Jacobian near 0 ($\\lVert J \\rVert \\approx "
                      "{}$): the gradient vanishes and training stalls or jumps",
                      n(f.jacobian_unscaled))},
      {1, fmt::format("the fix is the $1/\\sqrt{{d_k}}$ factor, which brings the variance back "
                      "to about 1 (here ${}$) and keeps softmax in its sensitive range",
                      n(f.var_scaled))},
  };
}

}  // namespace

RopeOptions rope_question_options(std::int64_t m, std::int64_t n) {
  RopeOptions o;
  o.base = 10000.0;
  o.style = RopeStyle::half;
  o.q_positions = std::vector<std::int64_t>{m};
  o.k_positions = std::vector<std::int64_t>{n};
  return o;
}

Trace gradient_forward(const Matrix& alpha, const std::optional<Matrix>& mask_row,
                       const std::optional<Matrix>& k) {
  const std::size_t n = alpha.cols();
  const std::size_t d_k = k ? k->cols() : 1;
  Trace t;
  t.stage = Stage::output;
  t.geometry = {1, n, Align::bottom_right};
  t.d_k = d_k;
  t.scale = default_scale(d_k);
  t.root_d_k = root_d_k(d_k);
  t.q = Matrix(1, d_k);
  t.k = k ? *k : Matrix(n, 1);
  t.dot = Matrix(1, n);
  t.scaled = t.dot;
  if (mask_row) t.mask = *mask_row;
  t.scores = mask_row ? *mask_row : Matrix(1, n);
  SoftmaxRows s;
  s.weights = alpha;
  s.exps = alpha;
  s.row_max = {0.0};
  s.row_sum = {1.0};
  double sum = 0;
  for (double a : alpha.values()) sum += a;
  s.weight_sum = {sum};
  t.softmax = std::move(s);
  Matrix identity(n, n);
  for (std::size_t j = 0; j < n; ++j) identity(j, j) = 1.0;
  t.v = identity;
  t.output = weighted_sum(alpha, identity);
  return t;
}

ScalingFigures measure_scaling(std::size_t d_k, std::size_t keys, std::size_t trials,
                               std::uint64_t seed) {
  ScalingOptions o;
  o.dims = {d_k};
  o.keys = keys;
  o.trials = trials;
  o.seed = seed;
  const ScalingReport report = explain_scaling(o);
  const ScalingRow& r = report.rows.at(0);
  ScalingFigures f;
  f.d_k = d_k;
  f.keys = keys;
  f.trials = trials;
  f.seed = seed;
  f.var_dot = r.var_dot;
  f.var_scaled = r.var_scaled;
  f.max_weight_unscaled = r.unscaled.max_weight;
  f.max_weight_scaled = r.scaled.max_weight;
  f.entropy_unscaled = r.unscaled.entropy;
  f.entropy_scaled = r.scaled.entropy;
  f.entropy_uniform = std::log(static_cast<double>(keys));
  f.jacobian_unscaled = r.unscaled.jacobian;
  f.jacobian_scaled = r.scaled.jacobian;
  return f;
}

void solve(Question& q) {
  q.trace.reset();
  q.grad.reset();
  q.reference_score.reset();
  q.option_scores.clear();
  q.bias_matrix.reset();
  q.cell_bias.reset();
  q.distance.reset();
  q.answer = {};
  switch (q.kind) {
    case QuestionKind::score: {
      Problem p;
      p.q = need(q.q, q, "q");
      p.k = need(q.k, q, "k");
      if (q.bias) p.bias = one(*q.bias);
      if (q.mask) p.mask = one(*q.mask);
      q.trace = run_attention(p, Stage::scores);
      q.answer.values = q.trace->scores;
      return;
    }
    case QuestionKind::bias:
      solve_bias(q);
      return;
    case QuestionKind::weights: {
      Problem p;
      p.scores = need(q.scores, q, "scores");
      q.trace = run_attention(p, Stage::weights);
      q.answer.values = q.trace->softmax->weights;
      return;
    }
    case QuestionKind::output: {
      // The weights are given, not computed from scores: the trace holds them as its softmax
      // step, with v and o = α·v.
      const Matrix& alpha = need(q.weights, q, "weights");
      Trace t;
      t.stage = Stage::output;
      t.geometry = {alpha.rows(), alpha.cols(), Align::bottom_right};
      SoftmaxRows s;
      s.weights = alpha;
      t.softmax = std::move(s);
      t.v = need(q.v, q, "v");
      t.output = weighted_sum(alpha, *t.v);
      q.answer.values = *t.output;
      q.trace = std::move(t);
      return;
    }
    case QuestionKind::mask: {
      const BoolMatrix right = MaskExpr::parse(q.mask_expr).evaluate(q.geometry);
      q.answer.labels =
          find_choice(q, [&](const Choice& c) { return c.matrix && *c.matrix == right; })->label;
      return;
    }
    case QuestionKind::order:
      for (std::string_view id : order_step_ids())
        q.answer.labels += find_choice(q, [&](const Choice& c) { return c.id == id; })->label;
      return;
    case QuestionKind::scaling: {
      const double d = static_cast<double>(q.d_k);
      const auto right = [&](const Choice& c) {
        if (q.variant == "variance") return c.value && *c.value == d;
        if (q.variant == "scaled") return c.value && *c.value == 1.0;
        return c.id == "correct";
      };
      q.answer.labels = find_choice(q, right)->label;
      return;
    }
    case QuestionKind::analyse:
      solve_analyse(q);
      return;
    case QuestionKind::gradient:
      solve_gradient(q);
      return;
    case QuestionKind::rope:
      solve_rope(q);
      return;
  }
}

}  // namespace attn
