#include "attn/teach/solution.hpp"

#include <fmt/format.h>

#include "attn/core/rules.hpp"
#include "attn/render/format.hpp"
#include "attn/teach/tex.hpp"

namespace attn {

std::string answer_symbol(const Question& q) {
  switch (q.kind) {
    case QuestionKind::weights:
      return "\\alpha";
    case QuestionKind::output:
      return "o";
    case QuestionKind::bias:
      return "\\beta_{ij}";
    case QuestionKind::gradient:
      return q.variant == "query" ? "dq" : "d\\beta";
    case QuestionKind::rope:
      return "s";
    default:
      return "\\beta";
  }
}

namespace {

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

// D = Σ_l α_l dα_l, then dβ_j = α_j (dα_j − D) key by key, as the GradTrace holds them.
void solve_softmax_backward(const Question& q, std::vector<std::string>& out) {
  const Trace& t = *q.trace;
  const GradTrace& g = *q.grad;
  const Matrix& alpha = t.softmax->weights;
  std::string terms;
  for (std::size_t l = 0; l < alpha.cols(); ++l)
    terms += fmt::format("{}{} \\times {}", l ? " + " : "", tex_factor(alpha(0, l)),
                         tex_factor(g.dalpha(0, l)));
  out.push_back(
      fmt::format("$D = \\sum_l \\alpha_l d\\alpha_l = {} = {}$", terms, tex_num(g.row_dot[0])));
  for (std::size_t j = 0; j < alpha.cols(); ++j) {
    if (t.scores(0, j) == neg_inf) {
      out.push_back(fmt::format(
          "key {} is blocked: $\\alpha_{{{}}} = 0$, so $d\\beta_{{{}}} = 0$ whatever "
          "$d\\alpha_{{{}}}$ is; a blocked score never reaches the output, and this query sends no "
          "gradient to its $k$ or $v$",
          j + 1, j + 1, j + 1, j + 1));
      continue;
    }
    out.push_back(fmt::format(
        "$d\\beta_{{{}}} = \\alpha_{{{}}} (d\\alpha_{{{}}} - D) = {} \\times ({} - {}) = {}$",
        j + 1, j + 1, j + 1, tex_num(alpha(0, j)), tex_num(g.dalpha(0, j)),
        tex_factor(g.row_dot[0]), tex_num(g.dbeta(0, j))));
  }
}

void solve_gradient(const Question& q, std::vector<std::string>& out) {
  const GradTrace& g = *q.grad;
  solve_softmax_backward(q, out);
  if (q.variant != "query") {
    out.push_back(fmt::format("$d\\beta = {}$ (its entries sum to 0, as every $d\\beta$ row does)",
                              tex_tuple(g.dbeta.row(0), answer_style)));
    return;
  }
  const Trace& t = *q.trace;
  out.push_back(fmt::format("$c = 1/\\sqrt{{{}}} = {}$", *t.d_k, tex_num(g.scale)));
  for (std::size_t col = 0; col < g.dq.cols(); ++col) {
    std::string terms;
    for (std::size_t l = 0; l < t.k.rows(); ++l)
      terms += fmt::format("{}{} \\times {}", l ? " + " : "", tex_factor(g.dscaled(0, l)),
                           tex_factor(t.k(l, col)));
    out.push_back(fmt::format("$dq_{{{}}} = c \\sum_j d\\beta_j k_{{j{}}} = {} \\times ({}) = {}$",
                              col + 1, col + 1, tex_num(g.scale), terms,
                              tex_num(g.dq(0, col), answer_style)));
  }
  out.push_back(fmt::format("$dq = {}$", tex_tuple(g.dq.row(0), answer_style)));
}

// One vector's rotation: x' = (x_1 cos − x_2 sin, x_1 sin + x_2 cos), with the trace's cos, sin.
std::string rotation_line(std::string_view name, std::string_view pos, std::int64_t p,
                          const Matrix& x, const Matrix& cos, const Matrix& sin,
                          const Matrix& rotated) {
  const std::string c = tex_factor(cos(0, 0)), s = tex_factor(sin(0, 0));
  return fmt::format(
      "${} = {}$: $\\cos {} = {}$, $\\sin {} = {}$, so ${}' = ({} \\times {} - {} \\times {},\\ "
      "{} \\times {} + {} \\times {}) = {}$",
      pos, p, p, tex_num(cos(0, 0)), p, tex_num(sin(0, 0)), name, tex_factor(x(0, 0)), c,
      tex_factor(x(0, 1)), s, tex_factor(x(0, 0)), s, tex_factor(x(0, 1)), c,
      tex_tuple(rotated.row(0)));
}

void solve_rope(const Question& q, std::vector<std::string>& out) {
  if (q.variant == "pairing") {
    const RopeFormula& f = rope_formula(q.formula);
    for (const auto& c : q.choices)
      if (c.id == "correct")
        out.push_back(fmt::format("({}): this is the {} convention, which pairs {}: {}", c.label,
                                  rope_style_name(f.style),
                                  f.style == RopeStyle::half ? "dimension $i$ with $i + d/2$"
                                                             : "the neighbours $2i$ and $2i + 1$",
                                  c.text));
    for (const auto& c : q.choices)
      if (c.id != "correct")
        out.push_back(fmt::format("not ({}): {}", c.label, mistake_text(c.id)));
    return;
  }
  const Trace& t = *q.trace;
  const RopeTrace& r = *t.rope;
  if (q.variant == "shift") {
    for (const auto& c : q.choices)
      if (c.id == "correct")
        out.push_back(fmt::format(
            "({}): the rotated score depends on the positions only through $m - n = {}$, and "
            "$({}, {})$ has ${} - {} = {}$",
            c.label, *q.q_position - *q.k_position, c.positions->first, c.positions->second,
            c.positions->first, c.positions->second, c.positions->first - c.positions->second));
    std::string scores;
    for (std::size_t n = 0; n < q.choices.size(); ++n)
      scores += fmt::format("{}({}) ${}$", n ? ", " : "", q.choices[n].label,
                            tex_num(q.option_scores[n]));
    out.push_back(fmt::format("in numbers: $s({}, {}) = {}$; the options give {}", *q.q_position,
                              *q.k_position, tex_num(*q.reference_score), scores));
    for (const auto& c : q.choices)
      if (c.id != "correct")
        out.push_back(fmt::format("not ({}): {}", c.label, mistake_text(c.id)));
    return;
  }
  out.push_back(
      rotation_line("q", "m\\theta", r.q_positions[0], t.q, r.q_cos, r.q_sin, r.q_rotated));
  out.push_back(
      rotation_line("k", "n\\theta", r.k_positions[0], t.k, r.k_cos, r.k_sin, r.k_rotated));
  std::string terms;
  for (std::size_t n = 0; n < 2; ++n)
    terms += fmt::format("{}{} \\times {}", n ? " + " : "", tex_factor(r.q_rotated(0, n)),
                         tex_factor(r.k_rotated(0, n)));
  out.push_back(
      fmt::format("$s = q' \\cdot k' = {} = {}$", terms, tex_num(t.dot(0, 0), answer_style)));
  out.push_back(fmt::format(
      "the score depends on $m - n = {}$ only: rotating $q$ alone by $(m - n)\\theta$ gives the "
      "same $s$",
      r.q_positions[0] - r.k_positions[0]));
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
    case QuestionKind::gradient:
      if (q.trace && q.grad) solve_gradient(q, out);
      break;
    case QuestionKind::rope:
      if (q.variant == "pairing" || (q.trace && q.trace->rope)) solve_rope(q, out);
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
