#include "attn/teach/quiz_render.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <span>

#include "attn/core/rules.hpp"
#include "attn/render/format.hpp"
#include "attn/render/formats.hpp"

namespace attn {
namespace {

using nlohmann::ordered_json;

const NumberStyle kAnswerStyle{3};  // answers are asked to 3 decimals
const NumberStyle kWorkStyle{4};    // intermediate values

// ---- Markup -------------------------------------------------------------------------------------

struct Segment {
  bool math = false;
  std::string_view text;
};

std::vector<Segment> split_markup(std::string_view markup) {
  std::vector<Segment> out;
  bool math = false;
  std::size_t start = 0;
  for (std::size_t n = 0; n <= markup.size(); ++n) {
    if (n == markup.size() || markup[n] == '$') {
      if (n > start) out.push_back({math, markup.substr(start, n - start)});
      math = !math;
      start = n + 1;
    }
  }
  return out;
}

struct Symbol {
  std::string_view name;
  std::string_view text;
};

constexpr Symbol kSymbols[] = {
    {"alpha", "α"}, {"beta", "β"},  {"delta", "δ"},  {"partial", "∂"}, {"cdot", "·"},
    {"times", "×"}, {"infty", "∞"}, {"le", "≤"},     {"ge", "≥"},      {"leq", "≤"},
    {"geq", "≥"},   {"sum", "Σ"},   {"ldots", "…"},  {"dots", "…"},    {"to", "→"},
    {"in", "∈"},    {"top", "ᵀ"},   {"max", "max"},  {"exp", "exp"},   {"log", "log"},
    {"ln", "ln"},   {"quad", "  "}, {"approx", "≈"}, {"neq", "≠"},     {"mid", "|"},
    {"sigma", "σ"}, {"lvert", "|"}, {"rvert", "|"},  {"min", "min"},   {"pm", "±"},
};

// LaTeX math → Unicode, for the subset the quiz writes.
class TexToText {
 public:
  explicit TexToText(std::string_view s) : s_(s) {}

  std::string run() {
    std::string out;
    while (n_ < s_.size()) out += next();
    return out;
  }

 private:
  std::string convert(std::string_view inner) { return TexToText(inner).run(); }

  // The argument of a command or of ^/_: a {group}, a \command or one character.
  std::string_view raw_arg() {
    while (n_ < s_.size() && s_[n_] == ' ') ++n_;
    if (n_ >= s_.size()) return {};
    if (s_[n_] == '{') {
      int depth = 0;
      const std::size_t start = n_ + 1;
      for (; n_ < s_.size(); ++n_) {
        if (s_[n_] == '{') ++depth;
        if (s_[n_] == '}' && --depth == 0) break;
      }
      const auto inner = s_.substr(start, n_ - start);
      ++n_;
      return inner;
    }
    const std::size_t start = n_;
    if (s_[n_] == '\\') {
      ++n_;
      while (n_ < s_.size() && std::isalpha(static_cast<unsigned char>(s_[n_]))) ++n_;
    } else {
      ++n_;
    }
    return s_.substr(start, n_ - start);
  }

  static bool simple(std::string_view t) {
    return t.find_first_of(" +-/()") == std::string_view::npos;
  }
  static std::string wrap(const std::string& t) { return simple(t) ? t : "(" + t + ")"; }

  std::string next() {
    const char c = s_[n_];
    if (c == '{' || c == '}') {
      ++n_;
      return {};
    }
    if (c == '^' || c == '_') {
      ++n_;
      const std::string_view arg = raw_arg();
      if (arg == "\\top") return "ᵀ";
      return std::string(1, c) + wrap(convert(arg));
    }
    if (c != '\\') {
      ++n_;
      return std::string(1, c);
    }
    ++n_;
    std::size_t start = n_;
    while (n_ < s_.size() && std::isalpha(static_cast<unsigned char>(s_[n_]))) ++n_;
    if (n_ == start && n_ < s_.size()) ++n_;  // \, \{ \}
    const std::string_view name = s_.substr(start, n_ - start);
    if (name == ",") return " ";
    if (name == "{" || name == "}") return std::string(name);
    if (name == "sqrt") return "√" + wrap(convert(raw_arg()));
    if (name == "frac") {
      const std::string a = convert(raw_arg());
      const std::string b = convert(raw_arg());
      return wrap(a) + "/" + wrap(b);
    }
    if (name == "mathrm" || name == "text" || name == "operatorname" || name == "mathit")
      return convert(raw_arg());
    for (const auto& sym : kSymbols)
      if (sym.name == name) return std::string(sym.text);
    return std::string(name);
  }

  std::string_view s_;
  std::size_t n_ = 0;
};

}  // namespace

std::string markup_to_text(std::string_view markup) {
  std::string out;
  for (const auto& s : split_markup(markup))
    out += s.math ? TexToText(s.text).run() : std::string(s.text);
  return out;
}

std::string markup_to_markdown(std::string_view markup) {
  std::string out;
  for (const auto& s : split_markup(markup))
    out += s.math ? fmt::format("$`{}`$", s.text) : std::string(s.text);
  return out;
}

std::string markup_to_latex(std::string_view markup) {
  std::string out;
  for (const auto& s : split_markup(markup))
    out += s.math ? fmt::format("${}$", s.text) : latex_escape(s.text);
  return out;
}

// ---- Numbers as math ----------------------------------------------------------------------------

namespace {

// A number inside $…$: −∞ is \infty, the rest as format_number writes it.
std::string tex_num(double x, const NumberStyle& style = kWorkStyle) {
  if (x == neg_inf) return "-\\infty";
  return format_number(x, style);
}

// A factor in a product: negative values in parentheses.
std::string tex_factor(double x, const NumberStyle& style = kWorkStyle) {
  const std::string s = tex_num(x, style);
  return x < 0 ? "(" + s + ")" : s;
}

// (a, b, c) for one row.
std::string tex_tuple(std::span<const double> row, const NumberStyle& style = kWorkStyle) {
  std::string out = "(";
  for (std::size_t j = 0; j < row.size(); ++j) out += (j ? ", " : "") + tex_num(row[j], style);
  return out + ")";
}

std::string tex_bmatrix(const Matrix& m, const NumberStyle& style = kWorkStyle) {
  std::string out = "\\begin{bmatrix} ";
  for (std::size_t i = 0; i < m.rows(); ++i) {
    if (i) out += " \\\\ ";
    for (std::size_t j = 0; j < m.cols(); ++j) out += (j ? " & " : "") + tex_num(m(i, j), style);
  }
  return out + " \\end{bmatrix}";
}

std::string tex_bmatrix(const BoolMatrix& m) {
  Matrix x(m.rows(), m.cols());
  for (std::size_t i = 0; i < m.rows(); ++i)
    for (std::size_t j = 0; j < m.cols(); ++j) x(i, j) = m(i, j) ? 1 : 0;
  return tex_bmatrix(x);
}

// [a, b, c] or [[a, b], [c, d]] in plain text; −∞ is -inf.
std::string text_value(const Matrix& m, const NumberStyle& style = kAnswerStyle) {
  const auto row = [&](std::size_t i) {
    std::string out = "[";
    for (std::size_t j = 0; j < m.cols(); ++j)
      out += (j ? ", " : "") + format_number(m(i, j), style);
    return out + "]";
  };
  if (m.size() == 1) return format_number(m(0, 0), style);
  if (m.rows() == 1) return row(0);
  std::string out = "[";
  for (std::size_t i = 0; i < m.rows(); ++i) out += (i ? ", " : "") + row(i);
  return out + "]";
}

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

// ---- Worked solutions ---------------------------------------------------------------------------

void solve_score(const Question& q, std::vector<std::string>& out) {
  const Trace& t = *q.trace;
  const Matrix& a = *q.q;
  const Matrix& b = *q.k;
  std::string terms;
  for (std::size_t n = 0; n < a.cols(); ++n)
    terms +=
        fmt::format("{}{} \\times {}", n ? " + " : "", tex_factor(a(0, n)), tex_factor(b(0, n)));
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
  out.push_back(fmt::format("$\\beta = {}$", tex_num(t.scores(0, 0), kAnswerStyle)));
}

void solve_bias(const Question& q, std::vector<std::string>& out) {
  const double b = (*q.bias_matrix)(q.query, q.key);
  const auto i = static_cast<std::int64_t>(q.query), j = static_cast<std::int64_t>(q.key);
  if (q.slope) {
    out.push_back(
        fmt::format("$m_h = 2^{{-8 \\cdot {} / {}}} = {}$", q.head, q.heads, tex_num(*q.slope)));
    out.push_back(fmt::format("bias $= -m_h (i - j) = -{} \\times ({} - {}) = {}$",
                              tex_num(*q.slope), i, j, tex_num(b)));
  } else {
    const std::int64_t d = std::clamp<std::int64_t>(j - i, -2, 2);
    out.push_back(fmt::format(
        "$d = \\mathrm{{clip}}(j - i, -2, 2) = \\mathrm{{clip}}({} - {}, -2, 2) = {}$, so the "
        "bias is $b({}) = {}$",
        j, i, d, d, tex_num(b)));
  }
  out.push_back(fmt::format("$\\beta_{{ij}} = {} + {} = {}$", tex_num(*q.score), tex_factor(b),
                            tex_num(q.answer.values(0, 0), kAnswerStyle)));
}

void solve_weights(const Question& q, std::vector<std::string>& out) {
  const SoftmaxRows& s = *q.trace->softmax;
  const Matrix& beta = q.trace->scores;
  for (std::size_t i = 0; i < beta.rows(); ++i) {
    const std::string row = beta.rows() > 1 ? fmt::format("row {}: ", i) : "";
    out.push_back(
        fmt::format("{}the largest score is $m = {}$; subtracting it keeps every "
                    "$\\exp$ at most 1 and does not change $\\alpha$",
                    row, tex_num(s.row_max[i])));
    std::string exps;
    for (std::size_t j = 0; j < beta.cols(); ++j)
      exps += fmt::format("{}e^{{{}}}", j ? ", " : "",
                          beta(i, j) == neg_inf ? "-\\infty" : tex_num(q.trace->shifted(i, j)));
    out.push_back(fmt::format("$\\exp(\\beta_j - m) = ({}) = {}$", exps, tex_tuple(s.exps.row(i))));
    out.push_back(fmt::format("their sum is ${}$; divide each by it: $\\alpha = {}$",
                              tex_num(s.row_sum[i]), tex_tuple(s.weights.row(i), kAnswerStyle)));
  }
}

void solve_output(const Question& q, std::vector<std::string>& out) {
  const Matrix& a = *q.weights;
  const Matrix& v = *q.v;
  for (std::size_t t = 0; t < v.cols(); ++t) {
    std::string terms;
    for (std::size_t j = 0; j < a.cols(); ++j)
      terms +=
          fmt::format("{}{} \\times {}", j ? " + " : "", tex_factor(a(0, j)), tex_factor(v(j, t)));
    out.push_back(fmt::format("$o_{} = {} = {}$", t + 1, terms,
                              tex_num(q.answer.values(0, t), kAnswerStyle)));
  }
  out.push_back(fmt::format("$o = {}$", tex_tuple(q.answer.values.row(0), kAnswerStyle)));
}

std::string mask_rule(const Question& q) {
  if (q.variant == "causal") return "query $i$ may attend key $j$ when $j \\le i$";
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
  if (q.kind == QuestionKind::mask)
    out.push_back(
        fmt::format("({}) is the mask {}: {}", q.answer.labels, q.mask_expr, mask_rule(q)));
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
  static constexpr std::string_view kWhy[] = {
      "the dot products measure how well each key matches each query",
      "scale before softmax, so that the scores have variance about 1 whatever $d_k$ is",
      "the mask goes on the scores, so that a blocked key's score is $-\\infty$ before softmax",
      "softmax turns each row into weights that sum to 1; a blocked key gets "
      "$\\exp(-\\infty) = 0$",
      "the weights mix the value vectors into the output",
  };
  out.push_back(fmt::format("{}:", q.answer.labels));
  const auto ids = order_step_ids();
  for (std::size_t n = 0; n < ids.size(); ++n) {
    std::string label;
    for (const auto& c : q.choices)
      if (c.id == ids[n]) label = c.label;
    out.push_back(fmt::format("{}. ({}) {}: {}", n + 1, label, order_step_text(ids[n]), kWhy[n]));
  }
}

}  // namespace

std::vector<std::string> worked_solution(const Question& q) {
  std::vector<std::string> out;
  switch (q.kind) {
    case QuestionKind::score:
      if (q.trace) solve_score(q, out);
      break;
    case QuestionKind::bias:
      if (q.bias_matrix) solve_bias(q, out);
      break;
    case QuestionKind::weights:
      if (q.trace && q.trace->softmax) solve_weights(q, out);
      break;
    case QuestionKind::output:
      solve_output(q, out);
      break;
    case QuestionKind::mask:
    case QuestionKind::scaling:
      solve_choices(q, out);
      break;
    case QuestionKind::order:
      solve_order(q, out);
      break;
  }
  return out;
}

// ---- Sheets -------------------------------------------------------------------------------------

namespace {

std::string shell_quote(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                        "0123456789-_.") == std::string::npos)
    return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string kinds_list(const Quiz& quiz) {
  std::string out;
  for (QuestionKind k : quiz.kinds) out += (out.empty() ? "" : ",") + std::string(to_string(k));
  return out;
}

std::string regenerate_command(const Quiz& quiz) {
  std::string cmd =
      fmt::format("attn quiz --seed {} --count {}", quiz.class_seed, quiz.questions.size());
  if (quiz.kinds.size() != all_question_kinds().size()) cmd += " --kinds " + kinds_list(quiz);
  if (quiz.student) cmd += " --student " + shell_quote(*quiz.student);
  return cmd;
}

// Header lines, plain (each renderer escapes them).
std::vector<std::string> header_lines(const Quiz& quiz) {
  std::vector<std::string> out;
  if (quiz.student)
    out.push_back(fmt::format("Student: {}. Class seed {}, sheet seed {}, attn {}.", *quiz.student,
                              quiz.class_seed, quiz.seed, quiz.version));
  else
    out.push_back(fmt::format("Seed {}, attn {}.", quiz.seed, quiz.version));
  out.push_back("Regenerate with: " + regenerate_command(quiz));
  return out;
}

std::string answer_markup(const Question& q) {
  if (!q.answer.numeric()) return q.answer.labels;
  const Matrix& a = q.answer.values;
  if (a.size() == 1)
    return fmt::format("${} = {}$", answer_symbol(q), tex_num(a(0, 0), kAnswerStyle));
  if (a.rows() == 1)
    return fmt::format("${} = {}$", answer_symbol(q), tex_tuple(a.row(0), kAnswerStyle));
  std::string rows;
  for (std::size_t i = 0; i < a.rows(); ++i)
    rows += fmt::format("{}row {}: ${}$", i ? ", " : "", i, tex_tuple(a.row(i), kAnswerStyle));
  return rows;
}

// A named input shown with a question: q, k, β, α, V.
struct Display {
  std::string tex_name;
  Matrix value;
};

std::vector<Display> displays(const Question& q) {
  std::vector<Display> out;
  if (q.q) out.push_back({"q", *q.q});
  if (q.k) out.push_back({"k", *q.k});
  if (q.scores) out.push_back({"\\beta", *q.scores});
  if (q.weights) out.push_back({"\\alpha", *q.weights});
  if (q.v) out.push_back({"V", *q.v});
  return out;
}

std::string indent_table(const Matrix& m, const std::string& indent) {
  TableStyle style;
  style.number = kWorkStyle;
  style.indent = indent;
  return format_table(m, style);
}

std::string bool_rows(const BoolMatrix& m, const std::string& indent, const std::string& first) {
  std::string out;
  for (std::size_t i = 0; i < m.rows(); ++i) {
    out += i == 0 ? first : indent;
    for (std::size_t j = 0; j < m.cols(); ++j)
      out += (j ? " " : "") + std::string(m(i, j) ? "1" : "0");
    out += '\n';
  }
  return out;
}

// ---- Text ----

std::string text_question(const Question& q) {
  std::string out =
      fmt::format("{}. [{}] {}\n", q.number, to_string(q.kind), markup_to_text(q.prompt));
  for (const auto& d : displays(q)) {
    const std::string name = markup_to_text("$" + d.tex_name + "$");
    if (d.value.rows() == 1)
      out += fmt::format("   {} = {}\n", name, text_value(d.value, kWorkStyle));
    else
      out += fmt::format("   {} =\n{}", name, indent_table(d.value, "     "));
  }
  for (const auto& c : q.choices) {
    if (c.matrix)
      out += bool_rows(*c.matrix, "       ", fmt::format("   ({}) ", c.label));
    else
      out += fmt::format("   ({}) {}\n", c.label, markup_to_text(c.text));
    if (c.matrix) out += '\n';
  }
  return out;
}

std::string text_key_entry(const Question& q, bool with_number) {
  std::string out = with_number ? fmt::format("{}. ", q.number) : "   ";
  out += fmt::format("Answer: {}\n", markup_to_text(answer_markup(q)));
  for (const auto& line : worked_solution(q)) out += "     " + markup_to_text(line) + "\n";
  return out;
}

std::string render_text(const Quiz& quiz, KeyMode key) {
  std::string out;
  const auto header = [&](std::string_view title) {
    out += fmt::format("{}\n{}\n", title, std::string(title.size(), '='));
    for (const auto& l : header_lines(quiz)) out += l + "\n";
    out += "\n";
  };
  if (key != KeyMode::only) {
    header("Attention exercises");
    out += "Give numbers to 3 decimals; row i of a matrix is query i, column j is key j.\n\n";
    for (const auto& q : quiz.questions) {
      out += text_question(q);
      if (key == KeyMode::inline_key) out += text_key_entry(q, false);
      out += "\n";
    }
  }
  if (key == KeyMode::separate || key == KeyMode::only) {
    header("Answer key");
    for (const auto& q : quiz.questions) out += text_key_entry(q, true) + "\n";
  }
  while (out.ends_with("\n\n")) out.pop_back();
  return out;
}

// ---- Markdown ----

std::string md_question(const Question& q) {
  std::string out =
      fmt::format("{}. **{}.** {}\n", q.number, to_string(q.kind), markup_to_markdown(q.prompt));
  for (const auto& d : displays(q))
    out += fmt::format("\n    ```math\n    {} = {}\n    ```\n", d.tex_name, tex_bmatrix(d.value));
  for (const auto& c : q.choices) {
    if (c.matrix)
      out += fmt::format("\n    ({})\n    ```math\n    {}\n    ```\n", c.label,
                         tex_bmatrix(*c.matrix));
    else
      out += fmt::format("\n    - ({}) {}\n", c.label, markup_to_markdown(c.text));
  }
  return out;
}

std::string md_key_entry(const Question& q, bool with_number) {
  std::string out = with_number ? fmt::format("{}. ", q.number) : "\n    ";
  out += fmt::format("**Answer:** {}\n", markup_to_markdown(answer_markup(q)));
  for (const auto& line : worked_solution(q)) out += "    - " + markup_to_markdown(line) + "\n";
  return out;
}

std::string render_markdown(const Quiz& quiz, KeyMode key) {
  std::string out;
  const auto header = [&](std::string_view title) {
    out += fmt::format("# {}\n\n", title);
    const auto lines = header_lines(quiz);
    out += lines[0] + "\n";
    out += fmt::format("Regenerate with `{}`.\n\n", regenerate_command(quiz));
  };
  if (key != KeyMode::only) {
    header("Attention exercises");
    out +=
        "Give numbers to 3 decimals; row $`i`$ of a matrix is query $`i`$, column $`j`$ is key "
        "$`j`$.\n\n";
    for (const auto& q : quiz.questions) {
      out += md_question(q);
      if (key == KeyMode::inline_key) out += md_key_entry(q, false);
      out += "\n";
    }
  }
  if (key == KeyMode::separate || key == KeyMode::only) {
    header("Answer key");
    for (const auto& q : quiz.questions) out += md_key_entry(q, true) + "\n";
  }
  while (out.ends_with("\n\n")) out.pop_back();
  return out;
}

// ---- LaTeX ----

std::string tex_question(const Question& q) {
  std::string out =
      fmt::format("\\item \\textbf{{{}.}} {}\n", to_string(q.kind), markup_to_latex(q.prompt));
  for (const auto& d : displays(q))
    out += fmt::format("\\[ {} = {} \\]\n", d.tex_name, tex_bmatrix(d.value));
  if (!q.choices.empty()) {
    out += "\\begin{itemize}\n";
    for (const auto& c : q.choices) {
      if (c.matrix)
        out += fmt::format("\\item[({})] $\\begin{{array}}{{c}} {} \\end{{array}}$\n", c.label,
                           tex_bmatrix(*c.matrix));
      else
        out += fmt::format("\\item[({})] {}\n", c.label, markup_to_latex(c.text));
    }
    out += "\\end{itemize}\n";
  }
  return out;
}

std::string tex_key_entry(const Question& q, bool as_item) {
  std::string out = as_item ? "\\item " : "\n\\smallskip\\noindent ";
  out += fmt::format("\\textbf{{Answer:}} {}\n", markup_to_latex(answer_markup(q)));
  const auto lines = worked_solution(q);
  if (!lines.empty()) {
    out += "\\begin{itemize}\n";
    for (const auto& l : lines) out += "\\item " + markup_to_latex(l) + "\n";
    out += "\\end{itemize}\n";
  }
  return out;
}

std::string render_latex(const Quiz& quiz, KeyMode key) {
  std::string out =
      "% attn quiz: compile with pdflatex\n"
      "\\documentclass[11pt]{article}\n"
      "\\usepackage{amsmath,amssymb}\n"
      "\\setcounter{MaxMatrixCols}{32}\n"  // bmatrix holds 10 columns by default; d_k goes to 16
      "\\setlength{\\parindent}{0pt}\n"
      "\\begin{document}\n";
  const auto header = [&](std::string_view title) {
    out += fmt::format("\\section*{{{}}}\n", title);
    const auto lines = header_lines(quiz);
    out += latex_escape(lines[0]) + "\\\\\n";
    out +=
        fmt::format("Regenerate with \\texttt{{{}}}\n\n", latex_escape(regenerate_command(quiz)));
  };
  if (key != KeyMode::only) {
    header("Attention exercises");
    out += "Give numbers to 3 decimals; row $i$ of a matrix is query $i$, column $j$ is key $j$.\n";
    out += "\\begin{enumerate}\n";
    for (const auto& q : quiz.questions) {
      out += tex_question(q);
      if (key == KeyMode::inline_key) out += tex_key_entry(q, false);
    }
    out += "\\end{enumerate}\n";
  }
  if (key == KeyMode::separate || key == KeyMode::only) {
    if (key == KeyMode::separate) out += "\\newpage\n";
    header("Answer key");
    out += "\\begin{enumerate}\n";
    for (const auto& q : quiz.questions) out += tex_key_entry(q, true);
    out += "\\end{enumerate}\n";
  }
  out += "\\end{document}\n";
  return out;
}

// ---- JSON ----

ordered_json number_json(double x) {
  if (x == neg_inf) return "-Infinity";
  return x;
}

ordered_json row_json(std::span<const double> row) {
  ordered_json a = ordered_json::array();
  for (double x : row) a.push_back(number_json(x));
  return a;
}

ordered_json rows_json(const Matrix& m) {
  ordered_json a = ordered_json::array();
  for (std::size_t i = 0; i < m.rows(); ++i) a.push_back(row_json(m.row(i)));
  return a;
}

ordered_json answer_json(const Answer& a) {
  if (!a.numeric()) return a.labels;
  if (a.values.size() == 1) return number_json(a.values(0, 0));
  if (a.values.rows() == 1) return row_json(a.values.row(0));
  return rows_json(a.values);
}

ordered_json given_json(const Question& q) {
  ordered_json g = ordered_json::object();
  switch (q.kind) {
    case QuestionKind::score:
      g["q"] = row_json(q.q->row(0));
      g["k"] = row_json(q.k->row(0));
      g["d_k"] = q.q->cols();
      if (q.bias) g["bias"] = *q.bias;
      if (q.mask) g["mask"] = number_json(*q.mask);
      break;
    case QuestionKind::bias:
      g["score"] = *q.score;
      g["tokens"] = q.geometry.n_k;
      g["query"] = q.query;
      g["key"] = q.key;
      if (q.slope) {
        g["heads"] = q.heads;
        g["head"] = q.head;
        g["slope"] = *q.slope;
      } else {
        g["max_distance"] = q.table.size() / 2;
        g["table"] = q.table;
      }
      break;
    case QuestionKind::weights:
      g["scores"] = rows_json(*q.scores);
      break;
    case QuestionKind::output:
      g["weights"] = row_json(q.weights->row(0));
      g["v"] = rows_json(*q.v);
      break;
    case QuestionKind::mask:
      g["mask"] = q.mask_expr;
      g["n_q"] = q.geometry.n_q;
      g["n_k"] = q.geometry.n_k;
      g["align"] = align_name(q.geometry.align);
      break;
    case QuestionKind::scaling:
      if (q.d_k) g["d_k"] = q.d_k;
      break;
    case QuestionKind::order:
      break;
  }
  return g;
}

}  // namespace

ordered_json quiz_to_json(const Quiz& quiz, KeyMode key) {
  const bool with_key = key != KeyMode::none;
  ordered_json doc;
  doc["format"] = "attn-quiz";
  doc["format_version"] = 1;
  doc["version"] = quiz.version;
  doc["class_seed"] = quiz.class_seed;
  doc["student"] = quiz.student ? ordered_json(*quiz.student) : ordered_json(nullptr);
  doc["seed"] = quiz.seed;
  ordered_json kinds = ordered_json::array();
  for (QuestionKind k : quiz.kinds) kinds.push_back(to_string(k));
  doc["kinds"] = kinds;
  doc["tolerance"] = answer_tolerance;
  ordered_json questions = ordered_json::array();
  for (const auto& q : quiz.questions) {
    ordered_json j;
    j["number"] = q.number;
    j["kind"] = to_string(q.kind);
    j["variant"] = q.variant;
    j["prompt"] = markup_to_text(q.prompt);
    j["prompt_tex"] = q.prompt;
    j["given"] = given_json(q);
    if (!q.choices.empty()) {
      ordered_json choices = ordered_json::array();
      for (const auto& c : q.choices) {
        ordered_json cj;
        cj["label"] = c.label;
        if (!c.text.empty()) {
          cj["text"] = markup_to_text(c.text);
          cj["text_tex"] = c.text;
        }
        if (c.matrix) {
          ordered_json rows = ordered_json::array();
          for (std::size_t i = 0; i < c.matrix->rows(); ++i) {
            ordered_json row = ordered_json::array();
            for (std::size_t jj = 0; jj < c.matrix->cols(); ++jj) row.push_back((*c.matrix)(i, jj));
            rows.push_back(row);
          }
          cj["matrix"] = rows;
        }
        if (c.value) cj["value"] = *c.value;
        if (with_key) cj["id"] = c.id;
        choices.push_back(cj);
      }
      j["choices"] = choices;
    }
    if (with_key) {
      j["answer"] = answer_json(q.answer);
      ordered_json text = ordered_json::array(), tex = ordered_json::array();
      for (const auto& line : worked_solution(q)) {
        text.push_back(markup_to_text(line));
        tex.push_back(line);
      }
      j["solution"] = text;
      j["solution_tex"] = tex;
    }
    questions.push_back(j);
  }
  doc["questions"] = questions;
  return doc;
}

std::string render_quiz(const Quiz& quiz, SheetFormat format, KeyMode key) {
  switch (format) {
    case SheetFormat::text:
      return render_text(quiz, key);
    case SheetFormat::markdown:
      return render_markdown(quiz, key);
    case SheetFormat::latex:
      return render_latex(quiz, key);
    case SheetFormat::json:
      return quiz_to_json(quiz, key).dump(2) + "\n";
  }
  return {};
}

// ---- Grades -------------------------------------------------------------------------------------

std::string render_grades(const GradeReport& report) {
  std::string out = fmt::format(
      "attn check: sheet seed {}{}, attn {}\n"
      "Tolerance: ±{} on every number (answers to 3 decimals); -inf must be -inf.\n\n",
      report.seed, report.student ? fmt::format(" (student {})", *report.student) : "",
      report.version, format_number(report.tolerance));
  for (const auto& v : report.verdicts) {
    const std::string expected =
        v.expected.numeric() ? text_value(v.expected.values) : v.expected.labels;
    const char* mark = v.outcome == Outcome::right   ? "right"
                       : v.outcome == Outcome::wrong ? "wrong"
                                                     : "no answer";
    out += fmt::format("{:>3}. {:<8} {}", v.number, to_string(v.kind), mark);
    if (v.outcome == Outcome::right) {
      out += fmt::format(": {}\n", expected);
      continue;
    }
    out += fmt::format(": expected {}", expected);
    if (v.given)
      out += fmt::format(", you gave {}",
                         v.given->numeric() ? text_value(v.given->values) : v.given->labels);
    out += "\n";
    for (const auto& n : v.notes) out += fmt::format("               {}\n", markup_to_text(n));
  }
  out += fmt::format("\nTotal: {}/{} right\n", report.right, report.verdicts.size());
  return out;
}

}  // namespace attn
