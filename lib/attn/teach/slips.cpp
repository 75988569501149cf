#include "attn/teach/slips.hpp"

#include <fmt/format.h>

#include <cmath>
#include <numbers>

#include "attn/core/attention.hpp"
#include "attn/core/bias.hpp"
#include "attn/core/grad.hpp"
#include "attn/core/rules.hpp"
#include "attn/render/format.hpp"
#include "attn/teach/solve.hpp"

namespace attn {
namespace {

std::string num(double x) {
  return x == neg_inf ? std::string("-\\infty") : format_number(x);
}

// ": your value is exactly 2× the answer", when the slip is a whole multiple of the answer.
std::string ratio_note(double slip, double answer) {
  if (answer == 0.0 || !std::isfinite(slip) || !std::isfinite(answer)) return {};
  const double r = slip / answer;
  if (std::abs(r - std::round(r)) > 1e-9 || std::round(r) == 1.0) return {};
  return fmt::format(": your value is exactly ${}\\times$ the answer",
                     format_number(std::round(r)));
}

std::vector<Slip> score_slips(const Question& q) {
  std::vector<Slip> slips;
  Problem p;
  p.q = *q.q;
  p.k = *q.k;
  if (q.bias) p.bias = Matrix{{*q.bias}};
  if (q.mask) p.mask = Matrix{{*q.mask}};
  const double answer = q.answer.values(0, 0);
  const auto run = [](const Problem& x) { return run_attention(x, Stage::scores).scores; };
  const std::size_t d = q.q->cols();
  if (d > 1) {
    const double root = *q.trace->root_d_k;
    Problem unscaled = p;
    unscaled.scale = 1.0;
    const Matrix v = run(unscaled);
    slips.push_back({"no_scale", v,
                     fmt::format("you did not divide by $\\sqrt{{d_k}} = {}${}", num(root),
                                 ratio_note(v(0, 0), answer))});
    Problem by_dk = p;
    by_dk.scale = 1.0 / static_cast<double>(d);
    slips.push_back(
        {"divided_by_dk", run(by_dk),
         fmt::format("you divided by $d_k = {}$ instead of $\\sqrt{{d_k}} = {}$", d, num(root))});
  }
  if (q.bias) {
    Problem no_bias = p;
    no_bias.bias.reset();
    slips.push_back({"no_bias", run(no_bias),
                     fmt::format("you forgot to add the bias $b = {}$", num(*q.bias))});
    Problem minus = p;
    minus.bias = Matrix{{-*q.bias}};
    slips.push_back(
        {"bias_subtracted", run(minus), "you subtracted the bias instead of adding it"});
  }
  if (q.mask && *q.mask == neg_inf) {
    Problem no_mask = p;
    no_mask.mask.reset();
    slips.push_back({"mask_ignored", run(no_mask),
                     "you ignored the mask: $M = -\\infty$ blocks this key, so "
                     "$\\beta = -\\infty$ whatever $q \\cdot k$ is"});
    slips.push_back({"blocked_as_zero", Matrix{{0.0}},
                     "a blocked key's score is $-\\infty$, not 0: a score of 0 "
                     "would still get weight after softmax"});
  }
  if (q.mask && *q.mask == 0.0)
    slips.push_back({"visible_as_blocked", Matrix{{neg_inf}},
                     "$M = 0$ means the key is visible: adding 0 leaves the "
                     "score as it is"});
  return slips;
}

std::vector<Slip> bias_slips(const Question& q) {
  std::vector<Slip> slips;
  const Matrix score{{*q.score}};
  const double b = *q.cell_bias;
  slips.push_back({"no_bias", score, "you forgot to add the bias"});
  if (q.slope) {
    slips.push_back({"alibi_sign", add_cellwise(score, Matrix{{-b}}),
                     "you added $+m_h (i - j)$: ALiBi adds $-m_h (i - j)$, so keys further in the "
                     "past are pushed down"});
    const Matrix unit = alibi_bias(q.geometry, 1.0);  // the distance j − i alone
    slips.push_back({"alibi_no_slope", add_cellwise(score, Matrix{{unit(q.query, q.key)}}),
                     fmt::format("you forgot to multiply the distance by the slope "
                                 "$m_h = {}$",
                                 num(*q.slope))});
  } else {
    std::vector<double> reversed(q.table.rbegin(), q.table.rend());
    const Matrix flipped =
        relative_bias(q.geometry, reversed, static_cast<std::int64_t>(q.table.size() / 2));
    slips.push_back({"relative_reversed", add_cellwise(score, Matrix{{flipped(q.query, q.key)}}),
                     "you looked up $b(i - j)$: the distance is $j - i$ (key minus query)"});
  }
  return slips;
}

std::vector<Slip> weights_slips(const Question& q) {
  std::vector<Slip> slips;
  const Matrix& beta = *q.scores;
  const SoftmaxRows& right = *q.trace->softmax;
  // Softmax down the columns instead of along the rows.
  slips.push_back({"wrong_axis", transpose(softmax_rows(transpose(beta)).weights),
                   "you normalised over the wrong axis: softmax runs along each row (over the "
                   "keys of one query), so each row, not each column, sums to 1"});
  // exp(β_ij − m_i), and exp(β_ij) = exp(β_ij − m_i)·exp(m_i), without dividing by the sum.
  Matrix raw_exp = right.exps;
  for (std::size_t i = 0; i < beta.rows(); ++i)
    for (double& x : raw_exp.row(i)) x *= std::exp(right.row_max[i]);
  slips.push_back({"not_normalised", right.exps,
                   "you did not divide by the row sum: "
                   "$\\alpha_j = \\exp(\\beta_j - m) / \\sum_k \\exp(\\beta_k - m)$"});
  slips.push_back({"not_normalised", raw_exp,
                   "you did not divide by the row sum: "
                   "$\\alpha_j = \\exp(\\beta_j) / \\sum_k \\exp(\\beta_k)$"});
  // Scores divided by their sum, without exp.
  Matrix linear = beta;
  bool linear_ok = true;
  for (std::size_t i = 0; i < beta.rows(); ++i) {
    double sum = 0;
    for (double x : beta.row(i)) sum += std::isinf(x) ? 0.0 : x;
    if (sum == 0.0) linear_ok = false;
    for (double& x : linear.row(i)) x = std::isinf(x) ? 0.0 : x / sum;
  }
  if (linear_ok)
    slips.push_back(
        {"no_exp", linear, "you divided the scores by their sum without taking $\\exp$ first"});
  // The blocked key treated as a score of 0.
  Matrix zeroed = beta;
  bool any_blocked = false;
  for (double& x : zeroed.values())
    if (x == neg_inf) {
      x = 0.0;
      any_blocked = true;
    }
  if (any_blocked)
    slips.push_back({"blocked_weighted", softmax_rows(zeroed).weights,
                     "you gave the blocked key weight: its score is $-\\infty$ and "
                     "$\\exp(-\\infty) = 0$, so it gets none"});
  return slips;
}

std::vector<Slip> output_slips(const Question& q) {
  std::vector<Slip> slips;
  const Matrix& a = *q.weights;
  const Matrix& v = *q.v;
  const double n = static_cast<double>(a.cols());
  slips.push_back({"unweighted_mean", weighted_sum(Matrix(1, a.cols(), 1.0 / n), v),
                   "you averaged the values without the weights: $o = \\sum_j \\alpha_j v_j$"});
  slips.push_back({"unweighted_sum", weighted_sum(Matrix(1, a.cols(), 1.0), v),
                   "you summed the values without weighting them by $\\alpha_j$"});
  Matrix reversed(1, a.cols());
  for (std::size_t j = 0; j < a.cols(); ++j) reversed(0, j) = a(0, a.cols() - 1 - j);
  slips.push_back({"reversed_pairing", weighted_sum(reversed, v),
                   "you paired the weights with the values in reverse order: $\\alpha_j$ weighs "
                   "$v_j$, row $j$ of $V$"});
  if (v.rows() == v.cols())
    slips.push_back({"columns_of_v", weighted_sum(a, transpose(v)),
                     "you weighted the columns of $V$ instead of its rows: $v_j$ is row $j$"});
  return slips;
}

// dβ_j as a student who slipped computes it, key by key, from α and dα as the backward pass kept
// them (the trace's weights, the GradTrace's dα and D).
template <typename Cell>
Matrix per_key(const Question& q, Cell&& cell) {
  const GradTrace& g = *q.grad;
  const Matrix& alpha = q.trace->softmax->weights;
  Matrix out(1, alpha.cols());
  for (std::size_t j = 0; j < alpha.cols(); ++j)
    out(0, j) = cell(alpha(0, j), g.dalpha(0, j), g.row_dot[0], j);
  return out;
}

std::vector<Slip> gradient_slips(const Question& q) {
  std::vector<Slip> slips;
  const GradTrace& g = *q.grad;
  const std::string rule = "$d\\beta_j = \\alpha_j (d\\alpha_j - \\sum_l \\alpha_l d\\alpha_l)$";
  if (q.variant == "query") {
    // The same backward pass with c = 1 and with c = 1/d_k.
    Trace t = *q.trace;
    t.scale = 1.0;
    const Matrix without_c = run_backward(t, g.dalpha).dq;
    slips.push_back({"missing_c", without_c,
                     fmt::format("you left out $c = 1/\\sqrt{{d_k}} = {}$: $dq = c \\sum_j "
                                 "d\\beta_j k_j$, since the scores were $c (q \\cdot k_j)$",
                                 num(g.scale))});
    t.scale = 1.0 / static_cast<double>(*q.trace->d_k);
    slips.push_back(
        {"divided_by_dk", run_backward(t, g.dalpha).dq,
         fmt::format("you used $c = 1/d_k$ instead of $1/\\sqrt{{d_k}} = {}$", num(g.scale))});
    // dq from dβ_j = α_j dα_j: the centring forgotten one step earlier.
    const Matrix& k = q.trace->k;
    Matrix uncentred(1, k.cols());
    for (std::size_t t2 = 0; t2 < k.cols(); ++t2)
      for (std::size_t j = 0; j < k.rows(); ++j)
        uncentred(0, t2) += g.scale * q.trace->softmax->weights(0, j) * g.dalpha(0, j) * k(j, t2);
    slips.push_back({"no_centering", uncentred,
                     "you forgot the $-\\sum_l \\alpha_l d\\alpha_l$ term of $d\\beta$: " + rule +
                         ", then $dq = c \\sum_j d\\beta_j k_j$"});
    return slips;
  }
  if (q.mask_row) {
    // The gradient let through to the blocked key: its bracket dα_j − D without the weight 0.
    const Matrix& m = *q.mask_row;
    slips.push_back(
        {"blocked_gradient",
         per_key(q, [&](double a, double da, double d,
                        std::size_t j) { return m(0, j) == neg_inf ? da - d : a * (da - d); }),
         "you let gradient flow into the blocked key: its weight is $\\alpha_j = 0$, so "
         "$d\\beta_j = \\alpha_j (d\\alpha_j - D) = 0$; a blocked score never reaches the "
         "output, and this query sends no gradient to its $k_j$ or $v_j$"});
  }
  slips.push_back({"no_centering",
                   per_key(q, [](double a, double da, double, std::size_t) { return a * da; }),
                   "you forgot the $-\\sum_l \\alpha_l d\\alpha_l$ term: every $\\beta_j$ "
                   "moves every weight, so " +
                       rule});
  slips.push_back(
      {"diagonal_only",
       per_key(q, [](double a, double da, double, std::size_t) { return a * (1 - a) * da; }),
       "you used only $\\partial \\alpha_j / \\partial \\beta_j = \\alpha_j (1 - "
       "\\alpha_j)$, as for a sigmoid; softmax couples the keys: " +
           rule});
  slips.push_back(
      {"no_weight",
       per_key(q, [&](double, double, double, std::size_t j) { return g.centred(0, j); }),
       "you left out the factor $\\alpha_j$: " + rule});
  return slips;
}

std::vector<Slip> rope_slips(const Question& q) {
  std::vector<Slip> slips;
  const std::int64_t m = *q.q_position, n = *q.k_position;
  const auto score = [&](std::optional<RopeOptions> rope) {
    Problem p;
    p.q = *q.q;
    p.k = *q.k;
    p.rope = std::move(rope);
    return run_attention(p, Stage::scores).dot;
  };
  const RopeTrace& r = *q.trace->rope;
  RopeOptions degrees = rope_question_options(m, n);
  degrees.scale = 180.0 / std::numbers::pi;  // p/scale·θ = p·π/180: the angle read as degrees
  slips.push_back(
      {"degrees", score(degrees),
       fmt::format("you took the angles in degrees: RoPE's angles are radians ($m\\theta = {}$ "
                   "rad, $\\cos {} = {}$)",
                   m, m, num(r.q_cos(0, 0)))});
  slips.push_back({"only_q", score(rope_question_options(m, 0)),
                   fmt::format("you rotated only $q$: the key is rotated too, by its own angle "
                               "$n\\theta = {}$, and only then does the score depend on $m - n$ "
                               "alone",
                               n)});
  slips.push_back({"wrong_direction", score(rope_question_options(-m, -n)),
                   "you rotated the wrong way: RoPE turns $(x_1, x_2)$ into $(x_1 \\cos - x_2 "
                   "\\sin,\\ x_1 \\sin + x_2 \\cos)$, counter-clockwise"});
  slips.push_back({"no_rotation", score(std::nullopt),
                   "you left out the rotation: that is $q \\cdot k$; RoPE rotates $q$ by "
                   "$m\\theta$ and $k$ by $n\\theta$ first"});
  return slips;
}

}  // namespace

bool slips_distinct(const Question& q) {
  const auto slips = numeric_slips(q);
  const double apart = 2 * answer_tolerance;
  for (std::size_t a = 0; a < slips.size(); ++a) {
    if (matches(slips[a].value, q.answer.values, apart)) return false;
    for (std::size_t b = a + 1; b < slips.size(); ++b)
      if (matches(slips[a].value, slips[b].value, apart)) return false;
  }
  return true;
}

std::vector<Slip> numeric_slips(const Question& q) {
  switch (q.kind) {
    case QuestionKind::score:
      return q.trace ? score_slips(q) : std::vector<Slip>{};
    case QuestionKind::bias:
      return q.cell_bias ? bias_slips(q) : std::vector<Slip>{};
    case QuestionKind::weights:
      return q.trace && q.trace->softmax ? weights_slips(q) : std::vector<Slip>{};
    case QuestionKind::output:
      return output_slips(q);
    case QuestionKind::gradient:
      return q.grad ? gradient_slips(q) : std::vector<Slip>{};
    case QuestionKind::rope:
      return q.variant == "rotate" && q.trace && q.trace->rope ? rope_slips(q)
                                                               : std::vector<Slip>{};
    default:
      return {};
  }
}

}  // namespace attn
