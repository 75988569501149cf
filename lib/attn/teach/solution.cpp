#include "attn/teach/solution.hpp"

#include <fmt/format.h>

#include "attn/core/rules.hpp"
#include "attn/teach/tex.hpp"

namespace attn {
namespace {

std::string answer_symbol(const Question& q) {
  switch (q.kind) {
    case QuestionKind::weights:
      return "\\alpha";
    case QuestionKind::output:
      return "o";
    case QuestionKind::bias:
      return "\\beta_{ij}";
    default:
      return "\\beta";
  }
}

void solve_score(const Trace& t, std::vector<std::string>& out) {
  std::string terms;
  for (std::size_t n = 0; n < t.q.cols(); ++n)
    terms += fmt::format("{}{} \\times {}", n ? " + " : "", tex_factor(t.q(0, n)),
                         tex_factor(t.k(0, n)));
  out.push_back(fmt::format("$q \\cdot k = {} = {}$", terms, tex_num(t.dot(0, 0))));
  if (*t.d_k == 1)
    out.push_back(
        fmt::format("$\\sqrt{{d_k}} = \\sqrt{{1}} = 1$, so the scaled score is $q \\cdot "
                    "k = {}$",
                    tex_num(t.scaled(0, 0))));
  else
    out.push_back(fmt::format(
        "$\\sqrt{{d_k}} = \\sqrt{{{}}} = {}$, so $q \\cdot k / \\sqrt{{d_k}} = {} / {} = {}$",
        *t.d_k, tex_num(*t.root_d_k), tex_num(t.dot(0, 0)), tex_num(*t.root_d_k),
        tex_num(t.scaled(0, 0))));
  if (t.bias)
    out.push_back(fmt::format("add the bias: ${} + {} = {}$", tex_num(t.scaled(0, 0)),
                              tex_factor((*t.bias)(0, 0)), tex_num(t.scores(0, 0))));
  if (t.mask) {
    if ((*t.mask)(0, 0) == neg_inf)
      out.push_back(
          "the mask entry is $-\\infty$: the key is blocked, so $\\beta = -\\infty$ whatever "
          "$q \\cdot k$ is (after softmax its weight is exactly 0)");
    else
      out.push_back("the mask entry is $0$: the key is visible and the score is unchanged");
  }
  out.push_back(fmt::format("$\\beta = {}$", tex_num(t.scores(0, 0), answer_style)));
}

void solve_bias(const Question& q, std::vector<std::string>& out) {
  const double b = *q.cell_bias;
  if (q.slope) {
    out.push_back(
        fmt::format("$m_h = 2^{{-8 \\cdot {} / {}}} = {}$", q.head, q.heads, tex_num(*q.slope)));
    out.push_back(fmt::format("bias $= -m_h (i - j) = -{} \\times ({} - {}) = {}$",
                              tex_num(*q.slope), q.query, q.key, tex_num(b)));
  } else {
    const std::int64_t d = *q.distance;
    out.push_back(fmt::format(
        "$d = \\mathrm{{clip}}(j - i, -2, 2) = \\mathrm{{clip}}({} - {}, -2, 2) = {}$, so the "
        "bias is $b({}) = {}$",
        q.key, q.query, d, d, tex_num(b)));
  }
  out.push_back(fmt::format("$\\beta_{{ij}} = {} + {} = {}$", tex_num(*q.score), tex_factor(b),
                            tex_num(q.answer.values(0, 0), answer_style)));
}

void solve_weights(const Trace& t, std::vector<std::string>& out) {
  const SoftmaxRows& s = *t.softmax;
  const Matrix& beta = t.scores;
  for (std::size_t i = 0; i < beta.rows(); ++i) {
    const std::string row = beta.rows() > 1 ? fmt::format("row {}: ", i) : "";
    out.push_back(
        fmt::format("{}the largest score is $m = {}$; subtracting it keeps every "
                    "$\\exp$ at most 1 and does not change $\\alpha$",
                    row, tex_num(s.row_max[i])));
    std::string exps;
    for (std::size_t j = 0; j < beta.cols(); ++j)
      exps += fmt::format("{}e^{{{}}}", j ? ", " : "", tex_num(t.shifted(i, j)));
    out.push_back(fmt::format("$\\exp(\\beta_j - m) = ({}) = {}$", exps, tex_tuple(s.exps.row(i))));
    out.push_back(fmt::format("their sum is ${}$; divide each by it: $\\alpha = {}$",
                              tex_num(s.row_sum[i]), tex_tuple(s.weights.row(i), answer_style)));
  }
}

void solve_output(const Trace& t, std::vector<std::string>& out) {
  const Matrix& a = t.softmax->weights;
  const Matrix& v = *t.v;
  const Matrix& o = *t.output;
  for (std::size_t c = 0; c < v.cols(); ++c) {
    std::string terms;
    for (std::size_t j = 0; j < a.cols(); ++j)
      terms +=
          fmt::format("{}{} \\times {}", j ? " + " : "", tex_factor(a(0, j)), tex_factor(v(j, c)));
    out.push_back(fmt::format("$o_{} = {} = {}$", c + 1, terms, tex_num(o(0, c), answer_style)));
  }
  out.push_back(fmt::format("$o = {}$", tex_tuple(o.row(0), answer_style)));
}

std::string mask_rule(const Question& q) {
  if (q.variant == "causal" || q.variant == "apply")
    return "query $i$ may attend key $j$ when $j \\le i$";
  if (q.variant == "cache")
    return fmt::format(
        "query $i$ sits at position $p = i + n_k - n_q = i + {}$ and may attend "
        "key $j$ when $j \\le p$",
        q.geometry.n_k - q.geometry.n_q);
  if (q.variant == "window") return "query $i$ may attend key $j$ when $i - W < j \\le i$";
  if (q.variant == "prefix") return "query $i$ may attend key $j$ when $j < P$ or $j \\le i$";
  return "every query may attend key $j$ when $j < L$";
}

void solve_choices(const Question& q, std::vector<std::string>& out) {
  if (q.kind == QuestionKind::mask) {
    if (q.variant == "apply")
      out.push_back(fmt::format(
          "({}) applies the mask {}: {}; every other score becomes $-\\infty$, so softmax gives "
          "it weight 0",
          q.answer.labels, q.mask_expr, mask_rule(q)));
    else
      out.push_back(
          fmt::format("({}) is the mask {}: {}", q.answer.labels, q.mask_expr, mask_rule(q)));
  }
  if (q.kind == QuestionKind::scaling) {
    if (q.variant == "variance")
      out.push_back(fmt::format(
          "({}): $\\mathrm{{Var}}(q \\cdot k) = \\sum_t \\mathrm{{Var}}(q_t k_t) = d_k \\times 1 "
          "= {}$, since each product of independent unit-variance entries has variance 1",
          q.answer.labels, q.d_k));
    else if (q.variant == "scaled")
      out.push_back(
          fmt::format("({}): $\\mathrm{{Var}}(q \\cdot k / \\sqrt{{d_k}}) = "
                      "\\mathrm{{Var}}(q \\cdot k) / d_k = {} / {} = 1$",
                      q.answer.labels, q.d_k, q.d_k));
    else
      for (const auto& c : q.choices)
        if (c.id == "correct") out.push_back(fmt::format("({}): {}", c.label, c.text));
  }
  for (const auto& c : q.choices)
    if (c.id != "correct" && !mistake_text(c.id).empty())
      out.push_back(fmt::format("not ({}): {}", c.label, mistake_text(c.id)));
  if (q.kind == QuestionKind::scaling) out.push_back("see the numbers: attn explain scaling");
}

void solve_order(const Question& q, std::vector<std::string>& out) {
  out.push_back(fmt::format("{}:", q.answer.labels));
  const auto ids = order_step_ids();
  for (std::size_t n = 0; n < ids.size(); ++n) {
    std::string label;
    for (const auto& c : q.choices)
      if (c.id == ids[n]) label = c.label;
    out.push_back(fmt::format("{}. ({}) {}: {}", n + 1, label, order_step_text(ids[n]),
                              order_step_reason(ids[n])));
  }
}

void solve_analyse(const Question& q, std::vector<std::string>& out) {
  out.push_back("Model answer: " + q.answer.model);
  double total = 0;
  for (const auto& r : q.answer.rubric) total += r.points;
  out.push_back(fmt::format("Rubric ({} points, marked by hand):", format_number(total)));
  for (const auto& r : q.answer.rubric)
    out.push_back(fmt::format("({}) {}", format_number(r.points), r.text));
}

}  // namespace

std::vector<std::string> worked_solution(const Question& q) {
  std::vector<std::string> out;
  switch (q.kind) {
    case QuestionKind::score:
      if (q.trace) solve_score(*q.trace, out);
      break;
    case QuestionKind::bias:
      if (q.cell_bias) solve_bias(q, out);
      break;
    case QuestionKind::weights:
      if (q.trace && q.trace->softmax) solve_weights(*q.trace, out);
      break;
    case QuestionKind::output:
      if (q.trace && q.trace->output) solve_output(*q.trace, out);
      break;
    case QuestionKind::mask:
    case QuestionKind::scaling:
      solve_choices(q, out);
      break;
    case QuestionKind::order:
      solve_order(q, out);
      break;
    case QuestionKind::analyse:
      if (q.answer.free()) solve_analyse(q, out);
      break;
  }
  return out;
}

std::string answer_markup(const Question& q) {
  if (q.answer.free()) return "see the model answer and rubric (marked by hand)";
  if (!q.answer.numeric()) return q.answer.labels;
  const Matrix& a = q.answer.values;
  if (a.size() == 1)
    return fmt::format("${} = {}$", answer_symbol(q), tex_num(a(0, 0), answer_style));
  if (a.rows() == 1)
    return fmt::format("${} = {}$", answer_symbol(q), tex_tuple(a.row(0), answer_style));
  std::string rows;
  for (std::size_t i = 0; i < a.rows(); ++i)
    rows += fmt::format("{}row {}: ${}$", i ? ", " : "", i, tex_tuple(a.row(i), answer_style));
  return rows;
}

}  // namespace attn
