#include "attn/teach/grade.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

#include "attn/core/bias.hpp"
#include "attn/core/error.hpp"
#include "attn/core/rules.hpp"
#include "attn/io/parse.hpp"
#include "attn/render/format.hpp"

namespace attn {
namespace {

using nlohmann::json;

constexpr std::string_view kAnswersHint =
    R"(write {"answers": {"1": -0.5, "2": [0.09, 0.245, 0.665], "3": "B"}}; see data/answers-example.json)";

bool numeric_kind(QuestionKind k) {
  return k == QuestionKind::score || k == QuestionKind::bias || k == QuestionKind::weights ||
         k == QuestionKind::output;
}

bool is_neg_inf_text(const std::string& s) {
  return s == "-inf" || s == "-Infinity" || s == "-Inf" || s == "-infinity" || s == "−∞" ||
         s == "-∞";
}

}  // namespace

StudentAnswers parse_answers(std::string_view text, std::string_view what,
                             std::size_t question_count) {
  const json doc = parse_json(text, what);
  if (!doc.is_object())
    throw data_error(fmt::format("{}: expected a JSON object, not {}", what, doc.type_name()),
                     std::string(kAnswersHint));
  StudentAnswers out;
  if (const auto s = doc.find("seed"); s != doc.end() && !s->is_null()) {
    if (!s->is_number_unsigned())
      throw data_error(
          fmt::format("{}: \"seed\" must be a whole number ≥ 0, not {}", what, s->dump()));
    out.seed = s->get<std::uint64_t>();
  }
  if (const auto s = doc.find("student"); s != doc.end() && !s->is_null()) {
    if (!s->is_string())
      throw data_error(fmt::format("{}: \"student\" must be a string, not {}", what, s->dump()));
    out.student = s->get<std::string>();
  }
  const auto a = doc.find("answers");
  if (a == doc.end())
    throw data_error(fmt::format("{}: missing key \"answers\"", what), std::string(kAnswersHint));
  if (!a->is_object())
    throw data_error(fmt::format("{}: \"answers\" must be an object from question numbers to "
                                 "answers, not {}",
                                 what, a->type_name()),
                     std::string(kAnswersHint));
  for (const auto& [key, value] : a->items()) {
    std::size_t n = 0;
    const auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), n);
    if (ec != std::errc{} || end != key.data() + key.size() || n < 1 || n > question_count)
      throw data_error(
          fmt::format("{}: answers has the key \"{}\", but the keys must be question "
                      "numbers from 1 to {}",
                      what, key, question_count));
    out.answers[n] = value;
  }
  return out;
}

bool matches(const Matrix& given, const Matrix& expected, double tolerance) {
  const bool same_shape = given.rows() == expected.rows() && given.cols() == expected.cols();
  const bool column_for_row =
      expected.rows() == 1 && given.cols() == 1 && given.rows() == expected.cols();
  if (!same_shape && !column_for_row) return false;
  const auto g = given.values();
  const auto e = expected.values();
  for (std::size_t n = 0; n < e.size(); ++n) {
    if (std::isinf(e[n]) || std::isinf(g[n])) {
      if (g[n] != e[n]) return false;
    } else if (!(std::abs(g[n] - e[n]) <= tolerance + 1e-12)) {
      return false;
    }
  }
  return true;
}

namespace {

// ---- Reading one answer -------------------------------------------------------------------------

struct AnswerReader {
  std::string_view what;
  std::size_t number;

  std::string where() const { return fmt::format("{}: answers.\"{}\"", what, number); }

  Matrix numbers(const json& v) const {
    if (v.is_number()) return Matrix{{v.get<double>()}};
    if (v.is_string() && is_neg_inf_text(v.get<std::string>())) return Matrix{{neg_inf}};
    if (!v.is_array())
      throw data_error(fmt::format("{} must be a number, an array of numbers or \"-inf\", not {}",
                                   where(), v.dump()),
                       std::string(kAnswersHint));
    return matrix_from_json(v, where(), Allow::blocked);
  }

  std::string letters(const json& v) const {
    std::string raw;
    if (v.is_string()) {
      raw = v.get<std::string>();
    } else if (v.is_array()) {
      for (const json& item : v) {
        if (!item.is_string())
          throw data_error(fmt::format("{} must be letters, not {}", where(), v.dump()));
        raw += item.get<std::string>();
      }
    } else {
      throw data_error(fmt::format("{} must be a letter such as \"B\" (or letters in order, such "
                                   "as \"CAEBD\"), not {}",
                                   where(), v.dump()),
                       std::string(kAnswersHint));
    }
    std::string out;
    for (char c : raw) {
      if (c == ' ' || c == ',' || c == '(' || c == ')') continue;
      out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return out;
  }
};

// ---- Mistakes
// -------------------------------------------------------------------------------------

struct Slip {
  Matrix value;
  std::string note;
};

std::string num(double x) {
  return x == neg_inf ? std::string("-\\infty") : format_number(x);
}

// "your value is exactly 2× the answer", when the slip is a whole multiple of the answer.
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
  const double root = std::sqrt(static_cast<double>(d));
  if (d > 1) {
    Problem unscaled = p;
    unscaled.scale = 1.0;
    const Matrix v = run(unscaled);
    slips.push_back({v, fmt::format("you did not divide by $\\sqrt{{d_k}} = {}${}", num(root),
                                    ratio_note(v(0, 0), answer))});
    Problem by_dk = p;
    by_dk.scale = 1.0 / static_cast<double>(d);
    slips.push_back({run(by_dk), fmt::format("you divided by $d_k = {}$ instead of "
                                             "$\\sqrt{{d_k}} = {}$",
                                             d, num(root))});
  }
  if (q.bias) {
    Problem no_bias = p;
    no_bias.bias.reset();
    slips.push_back(
        {run(no_bias), fmt::format("you forgot to add the bias $b = {}$", num(*q.bias))});
    Problem minus = p;
    minus.bias = Matrix{{-*q.bias}};
    slips.push_back({run(minus), "you subtracted the bias instead of adding it"});
  }
  if (q.mask && *q.mask == neg_inf) {
    Problem no_mask = p;
    no_mask.mask.reset();
    slips.push_back({run(no_mask),
                     "you ignored the mask: $M = -\\infty$ blocks this key, so "
                     "$\\beta = -\\infty$ whatever $q \\cdot k$ is"});
    slips.push_back({Matrix{{0.0}},
                     "a blocked key's score is $-\\infty$, not 0: a score of 0 "
                     "would still get weight after softmax"});
  }
  if (q.mask && *q.mask == 0.0)
    slips.push_back({Matrix{{neg_inf}},
                     "$M = 0$ means the key is visible: adding 0 leaves the "
                     "score as it is"});
  return slips;
}

std::vector<Slip> bias_slips(const Question& q) {
  std::vector<Slip> slips;
  const double s = *q.score;
  const Matrix score{{s}};
  const double b = (*q.bias_matrix)(q.query, q.key);
  slips.push_back({score, "you forgot to add the bias"});
  if (q.slope) {
    slips.push_back({add_cellwise(score, Matrix{{-b}}),
                     "you added $+m_h (i - j)$: ALiBi adds $-m_h (i - j)$, so keys further in the "
                     "past are pushed down"});
    const Matrix unit = alibi_bias(q.geometry, 1.0);  // the distance j − i alone
    slips.push_back({add_cellwise(score, Matrix{{unit(q.query, q.key)}}),
                     fmt::format("you forgot to multiply the distance by the slope "
                                 "$m_h = {}$",
                                 num(*q.slope))});
  } else {
    std::vector<double> reversed(q.table.rbegin(), q.table.rend());
    const Matrix flipped =
        relative_bias(q.geometry, reversed, static_cast<std::int64_t>(q.table.size() / 2));
    slips.push_back({add_cellwise(score, Matrix{{flipped(q.query, q.key)}}),
                     "you looked up $b(i - j)$: the distance is $j - i$ (key minus query)"});
  }
  return slips;
}

std::vector<Slip> weights_slips(const Question& q) {
  std::vector<Slip> slips;
  const Matrix& beta = *q.scores;
  const SoftmaxRows right = softmax_rows(beta);
  // Softmax down the columns instead of along the rows.
  slips.push_back({transpose(softmax_rows(transpose(beta)).weights),
                   "you normalised over the wrong axis: softmax runs along each row (over the "
                   "keys of one query), so each row, not each column, sums to 1"});
  Matrix unnormalised = right.weights;  // exp(β_ij − m_i)
  Matrix raw_exp = right.weights;       // exp(β_ij)
  for (std::size_t i = 0; i < beta.rows(); ++i)
    for (std::size_t j = 0; j < beta.cols(); ++j) {
      unnormalised(i, j) *= right.row_sum[i];
      raw_exp(i, j) = unnormalised(i, j) * std::exp(right.row_max[i]);
    }
  slips.push_back({unnormalised,
                   "you did not divide by the row sum: "
                   "$\\alpha_j = \\exp(\\beta_j - m) / \\sum_k \\exp(\\beta_k - m)$"});
  slips.push_back({raw_exp,
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
    slips.push_back({linear, "you divided the scores by their sum without taking $\\exp$ first"});
  // The blocked key treated as a score of 0.
  Matrix zeroed = beta;
  bool any_blocked = false;
  for (double& x : zeroed.values())
    if (x == neg_inf) {
      x = 0.0;
      any_blocked = true;
    }
  if (any_blocked)
    slips.push_back({softmax_rows(zeroed).weights,
                     "you gave the blocked key weight: its score is $-\\infty$ and "
                     "$\\exp(-\\infty) = 0$, so it gets none"});
  return slips;
}

std::vector<Slip> output_slips(const Question& q) {
  std::vector<Slip> slips;
  const Matrix& a = *q.weights;
  const Matrix& v = *q.v;
  const double n = static_cast<double>(a.cols());
  slips.push_back({weighted_sum(Matrix(1, a.cols(), 1.0 / n), v),
                   "you averaged the values without the weights: $o = \\sum_j \\alpha_j v_j$"});
  slips.push_back({weighted_sum(Matrix(1, a.cols(), 1.0), v),
                   "you summed the values without weighting them by $\\alpha_j$"});
  Matrix reversed(1, a.cols());
  for (std::size_t j = 0; j < a.cols(); ++j) reversed(0, j) = a(0, a.cols() - 1 - j);
  slips.push_back({weighted_sum(reversed, v),
                   "you paired the weights with the values in reverse order: $\\alpha_j$ weighs "
                   "$v_j$, row $j$ of $V$"});
  if (v.rows() == v.cols())
    slips.push_back({weighted_sum(a, transpose(v)),
                     "you weighted the columns of $V$ instead of its rows: $v_j$ is row $j$"});
  return slips;
}

std::string shape_text(const Matrix& m) {
  if (m.rows() == 1) return m.cols() == 1 ? "one number" : fmt::format("{} numbers", m.cols());
  return fmt::format("a ${} \\times {}$ matrix", m.rows(), m.cols());
}

void grade_numeric(const Question& q, const Matrix& given, Verdict& v) {
  const Matrix& expected = q.answer.values;
  if (matches(given, expected)) {
    v.outcome = Outcome::right;
    return;
  }
  v.outcome = Outcome::wrong;
  const bool shape_ok =
      (given.rows() == expected.rows() && given.cols() == expected.cols()) ||
      (expected.rows() == 1 && given.cols() == 1 && given.rows() == expected.cols());
  if (!shape_ok) {
    v.notes.push_back(fmt::format("expected {}{}, you gave {}", shape_text(expected),
                                  expected.rows() > 1 ? " (one row per query)" : "",
                                  shape_text(given)));
    return;
  }
  std::vector<Slip> slips;
  switch (q.kind) {
    case QuestionKind::score:
      slips = score_slips(q);
      break;
    case QuestionKind::bias:
      slips = bias_slips(q);
      break;
    case QuestionKind::weights:
      slips = weights_slips(q);
      break;
    case QuestionKind::output:
      slips = output_slips(q);
      break;
    default:
      break;
  }
  for (const Slip& s : slips) {
    if (matches(s.value, expected)) continue;  // this slip gives the right answer here
    if (matches(given, s.value)) {
      v.notes.push_back(s.note);
      return;
    }
  }
  // No known slip: say what can still be said.
  if (expected.size() == 1) {
    const double e = expected(0, 0), g = given.values()[0];
    if (std::isfinite(e) && std::isfinite(g) && e != 0 && std::abs(g + e) <= answer_tolerance)
      v.notes.push_back("your value has the wrong sign");
    else if (std::isfinite(e) && std::abs(g - e) < 0.05)
      v.notes.push_back("close: check the rounding (answers to 3 decimals)");
  }
  if (q.kind == QuestionKind::weights) {
    for (std::size_t i = 0; i < given.rows() && given.rows() == expected.rows(); ++i) {
      double sum = 0;
      for (double x : given.row(i)) sum += x;
      if (std::abs(sum - 1.0) > answer_tolerance * static_cast<double>(given.cols())) {
        v.notes.push_back(fmt::format("row {} of your weights sums to {}, not 1", i,
                                      format_number(sum, NumberStyle{3})));
        break;
      }
    }
  }
}

void grade_choice(const Question& q, const std::string& given, Verdict& v) {
  if (given == q.answer.labels) {
    v.outcome = Outcome::right;
    return;
  }
  v.outcome = Outcome::wrong;
  if (q.kind == QuestionKind::order) {
    const auto ids = order_step_ids();
    std::string sorted = given, labels;
    for (const auto& c : q.choices) labels += c.label;
    std::ranges::sort(sorted);
    if (sorted != labels) {
      v.notes.push_back(fmt::format("give each of the letters {} exactly once", labels));
      return;
    }
    // The id of the step behind each given letter, then the first pair out of order.
    std::vector<std::size_t> rank;
    for (char c : given)
      for (const auto& choice : q.choices)
        if (choice.label == std::string(1, c))
          rank.push_back(static_cast<std::size_t>(std::ranges::find(ids, choice.id) - ids.begin()));
    for (std::size_t a = 0; a < rank.size(); ++a)
      for (std::size_t b = a + 1; b < rank.size(); ++b)
        if (rank[a] > rank[b]) {
          const std::string_view later = ids[rank[a]], earlier = ids[rank[b]];
          std::string why;
          if (later == "softmax" && earlier == "mask")
            why =
                "the mask must be added before softmax, so that a blocked key gets "
                "$\\exp(-\\infty) = 0$; masking the weights afterwards leaves rows that no "
                "longer sum to 1";
          else if (later == "softmax" && earlier == "scale")
            why = "scaling must come before softmax: it is there to keep softmax from saturating";
          else if (later == "mask" && earlier == "scale")
            why =
                "scale before the mask: for a $0/-\\infty$ mask the result is the same, but an "
                "additive mask or bias must not be scaled";
          else if (later == "output" || earlier == "dot")
            why = fmt::format("{} needs the result of the earlier step",
                              later == "output" ? "the weighted sum" : "every later step");
          else
            why = "each step works on the result of the one before";
          v.notes.push_back(fmt::format("\"{}\" must come before \"{}\": {}",
                                        order_step_text(earlier), order_step_text(later), why));
          return;
        }
    return;
  }
  const auto it =
      std::ranges::find_if(q.choices, [&](const Choice& c) { return c.label == given; });
  if (it == q.choices.end()) {
    std::string labels;
    for (const auto& c : q.choices) labels += (labels.empty() ? "" : ", ") + c.label;
    v.notes.push_back(fmt::format("there is no choice \"{}\"; the choices are {}", given, labels));
    return;
  }
  if (const std::string_view m = mistake_text(it->id); !m.empty())
    v.notes.push_back(fmt::format("({}): {}", it->label, m));
}

}  // namespace

GradeReport grade(const Quiz& quiz, const StudentAnswers& answers, std::string_view what) {
  if (answers.seed && *answers.seed != quiz.seed)
    throw data_error(fmt::format("{}: \"seed\" is {}, but the quiz's seed is {}", what,
                                 *answers.seed, quiz.seed),
                     "grade the answers against the sheet they were written for");
  GradeReport report;
  report.seed = quiz.seed;
  report.student = quiz.student ? quiz.student : answers.student;
  report.version = quiz.version;
  for (const Question& q : quiz.questions) {
    Verdict& v = report.verdicts.emplace_back();
    v.number = q.number;
    v.kind = q.kind;
    v.expected = q.answer;
    const auto it = answers.answers.find(q.number);
    if (it == answers.answers.end() || it->second.is_null()) {
      v.outcome = Outcome::missing;
      continue;
    }
    const AnswerReader reader{what, q.number};
    Answer given;
    if (numeric_kind(q.kind)) {
      given.values = reader.numbers(it->second);
      v.given = given;
      grade_numeric(q, given.values, v);
    } else {
      given.labels = reader.letters(it->second);
      if (given.labels.empty())
        throw data_error(fmt::format("{} is empty", reader.where()), std::string(kAnswersHint));
      v.given = given;
      grade_choice(q, given.labels, v);
    }
    if (v.outcome == Outcome::right) ++report.right;
  }
  return report;
}

}  // namespace attn
