#include "attn/teach/grade.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

#include "attn/core/error.hpp"
#include "attn/core/rules.hpp"
#include "attn/io/parse.hpp"
#include "attn/render/format.hpp"
#include "attn/teach/slips.hpp"

namespace attn {
namespace {

using nlohmann::json;

bool is_neg_inf_text(const std::string& s) {
  return s == "-inf" || s == "-Infinity" || s == "-Inf" || s == "-infinity" || s == "−∞" ||
         s == "-∞";
}

// A malformed answer: the reason, with the hint on how to write it.
struct Malformed {
  std::string reason;
};

// ---- Reading one answer -------------------------------------------------------------------------

Matrix read_numbers(const json& v) {
  if (v.is_number()) return Matrix{{v.get<double>()}};
  if (v.is_string() && is_neg_inf_text(v.get<std::string>())) return Matrix{{neg_inf}};
  if (v.is_string()) {
    const auto& text = v.get_ref<const std::string&>();
    double x = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), x);
    if (!text.empty() && ec == std::errc{} && end == text.data() + text.size())
      throw Malformed{
          fmt::format("must be a number, not the string {}: write numbers without "
                      "quotes",
                      v.dump())};
  }
  if (!v.is_array())
    throw Malformed{
        fmt::format("must be a number, an array of numbers or \"-inf\", not {}", v.dump())};
  try {
    return matrix_from_json(v, "the answer", Allow::blocked);
  } catch (const Error& e) {
    std::string_view why = e.what();
    if (why.starts_with("the answer")) why.remove_prefix(std::string_view("the answer").size());
    while (!why.empty() && (why.front() == ':' || why.front() == ' ')) why.remove_prefix(1);
    throw Malformed{fmt::format("is not a vector or matrix of numbers: {}", why)};
  }
}

std::string read_letters(const json& v) {
  std::string raw;
  if (v.is_string()) {
    raw = v.get<std::string>();
  } else if (v.is_array()) {
    for (const json& item : v) {
      if (!item.is_string()) throw Malformed{fmt::format("must be letters, not {}", v.dump())};
      raw += item.get<std::string>();
    }
  } else {
    throw Malformed{fmt::format(
        "must be a letter such as \"B\" (or letters in order, such as \"CAEBD\"), not {}",
        v.dump())};
  }
  std::string out;
  for (char c : raw) {
    if (c == ' ' || c == ',' || c == '(' || c == ')') continue;
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  if (out.empty()) throw Malformed{"is empty"};
  return out;
}

std::string shape_text(const Matrix& m) {
  if (m.rows() == 1) return m.cols() == 1 ? "one number" : fmt::format("{} numbers", m.cols());
  return fmt::format("a ${} \\times {}$ matrix", m.rows(), m.cols());
}

// ---- Numeric answers ----------------------------------------------------------------------------

void grade_numeric(const Question& q, const Matrix& given, Verdict& v) {
  const Matrix& expected = q.answer.values;
  if (!answer_shape_matches(given, expected)) {
    v.outcome = Outcome::wrong;
    v.mistake = "shape";
    v.notes.push_back(fmt::format("expected {}{}, you gave {}", shape_text(expected),
                                  expected.rows() > 1 ? " (one row per query)" : "",
                                  shape_text(given)));
    return;
  }
  std::size_t right_cells = 0;
  for (std::size_t n = 0; n < expected.size(); ++n)
    right_cells += cell_matches(given.values()[n], expected.values()[n], answer_tolerance);
  v.share = static_cast<double>(right_cells) / static_cast<double>(expected.size());
  if (right_cells == expected.size()) {
    v.outcome = Outcome::right;
    return;
  }
  v.outcome = Outcome::wrong;
  for (const Slip& s : numeric_slips(q)) {
    if (matches(s.value, expected)) continue;  // this slip gives the right answer here
    if (matches(given, s.value)) {
      v.mistake = s.id;
      v.notes.push_back(s.note);
      return;
    }
  }
  // No known slip: say what can still be said.
  if (expected.size() == 1) {
    const double e = expected(0, 0), g = given.values()[0];
    if (std::isfinite(e) && std::isfinite(g) && e != 0 && std::abs(g + e) <= answer_tolerance) {
      v.mistake = "sign";
      v.notes.push_back("your value has the wrong sign");
    } else if (std::isfinite(e) && std::abs(g - e) < 0.05) {
      v.mistake = "rounding";
      v.notes.push_back("close: check the rounding (answers to 3 decimals)");
    }
  }
  if (q.kind == QuestionKind::weights && given.rows() == expected.rows()) {
    for (std::size_t i = 0; i < given.rows(); ++i) {
      double sum = 0;
      for (double x : given.row(i)) sum += x;
      if (std::abs(sum - 1.0) > answer_tolerance * static_cast<double>(given.cols())) {
        if (v.mistake.empty()) v.mistake = "row_sum";
        v.notes.push_back(fmt::format("row {} of your weights sums to {}, not 1", i,
                                      format_number(sum, NumberStyle{3})));
        break;
      }
    }
  }
  if (q.kind == QuestionKind::gradient && q.variant != "query") {
    double sum = 0;
    for (double x : given.values()) sum += x;
    if (std::abs(sum) > answer_tolerance * static_cast<double>(given.size())) {
      if (v.mistake.empty()) v.mistake = "dbeta_sum";
      v.notes.push_back(fmt::format(
          "your $d\\beta$ sums to ${}$, but a row of $d\\beta$ always sums to 0: $\\sum_j "
          "\\alpha_j (d\\alpha_j - D) = D - D$",
          format_number(sum, NumberStyle{3})));
    }
  }
}

// ---- Letters ------------------------------------------------------------------------------------

std::string order_reason(std::string_view earlier, std::string_view later) {
  if (later == "softmax" && earlier == "mask")
    return "the mask must be added before softmax, so that a blocked key gets "
           "$\\exp(-\\infty) = 0$; masking the weights afterwards leaves rows that no "
           "longer sum to 1";
  if (later == "softmax" && earlier == "scale")
    return "scaling must come before softmax: it is there to keep softmax from saturating";
  if (later == "mask" && earlier == "scale")
    return "scale before the mask: for a $0/-\\infty$ mask the result is the same, but an "
           "additive mask or bias must not be scaled";
  if (later == "output" || earlier == "dot")
    return fmt::format("{} needs the result of the earlier step",
                       later == "output" ? "the weighted sum" : "every later step");
  return "each step works on the result of the one before";
}

void grade_order(const Question& q, const std::string& given, Verdict& v) {
  const auto ids = order_step_ids();
  std::string sorted = given, labels;
  for (const auto& c : q.choices) labels += c.label;
  std::ranges::sort(sorted);
  if (sorted != labels) {
    v.mistake = "letters";
    v.notes.push_back(fmt::format("give each of the letters {} exactly once", labels));
    return;
  }
  // The step behind each given letter, then the first pair out of order.
  std::vector<std::size_t> rank;
  for (char c : given)
    for (const auto& choice : q.choices)
      if (choice.label == std::string(1, c))
        rank.push_back(static_cast<std::size_t>(std::ranges::find(ids, choice.id) - ids.begin()));
  for (std::size_t a = 0; a < rank.size(); ++a)
    for (std::size_t b = a + 1; b < rank.size(); ++b)
      if (rank[a] > rank[b]) {
        const std::string_view later = ids[rank[a]], earlier = ids[rank[b]];
        v.mistake = fmt::format("{}_before_{}", later, earlier);
        v.notes.push_back(fmt::format("\"{}\" must come before \"{}\": {}",
                                      order_step_text(earlier), order_step_text(later),
                                      order_reason(earlier, later)));
        return;
      }
}

void grade_choice(const Question& q, const std::string& given, Verdict& v) {
  if (given == q.answer.labels) {
    v.outcome = Outcome::right;
    return;
  }
  v.outcome = Outcome::wrong;
  if (q.kind == QuestionKind::order) return grade_order(q, given, v);
  const auto it =
      std::ranges::find_if(q.choices, [&](const Choice& c) { return c.label == given; });
  if (it == q.choices.end()) {
    std::string labels;
    for (const auto& c : q.choices) labels += (labels.empty() ? "" : ", ") + c.label;
    v.mistake = "no_such_choice";
    v.notes.push_back(fmt::format("there is no choice \"{}\"; the choices are {}", given, labels));
    return;
  }
  v.mistake = it->id;
  if (const std::string_view m = mistake_text(it->id); !m.empty())
    v.notes.push_back(fmt::format("({}): {}", it->label, m));
}

// ---- The file against the sheet -----------------------------------------------------------------

void check_label(const Quiz& quiz, const StudentAnswers& a, std::string_view what,
                 GradeReport& report) {
  if (quiz.keyed) {
    if (a.sheet && *a.sheet != quiz.sheet_id)
      report.warnings.push_back(fmt::format(
          "{}: the answers name sheet {}, but {} sheet is {}", what, *a.sheet,
          quiz.student ? fmt::format("{}'s", *quiz.student) : std::string("the"), quiz.sheet_id));
    if (a.seed)
      report.warnings.push_back(
          fmt::format("{}: the answers name a seed, but the sheet was made with the class "
                      "secret and shows none",
                      what));
  } else {
    if (a.seed && *a.seed != quiz.seed)
      report.warnings.push_back(fmt::format(
          "{}: \"seed\" is {}, but the sheet's seed is {}: are these answers for another sheet?",
          what, *a.seed, quiz.seed));
    if (a.sheet)
      report.warnings.push_back(
          fmt::format("{}: the answers name sheet {}, but this is a practice sheet (seed {}), "
                      "made without the class secret",
                      what, *a.sheet, quiz.seed));
  }
  if (a.student && quiz.student && *a.student != *quiz.student)
    report.warnings.push_back(
        fmt::format("{}: the answers are labelled \"{}\", but the sheet is "
                    "{}'s",
                    what, *a.student, *quiz.student));
}

}  // namespace

GradeReport grade(const Quiz& quiz, const StudentAnswers& answers, std::string_view what,
                  const GradeOptions& options) {
  GradeReport report;
  report.seed = quiz.seed;
  report.keyed = quiz.keyed;
  report.sheet_id = quiz.sheet_id;
  report.student = quiz.student ? quiz.student : answers.student;
  report.version = quiz.version;
  report.file = std::string(what);
  check_label(quiz, answers, what, report);
  const std::vector<double>& points = options.points.empty() ? quiz.points : options.points;
  for (const Question& q : quiz.questions) {
    Verdict& v = report.verdicts.emplace_back();
    v.number = q.number;
    v.kind = q.kind;
    v.variant = q.variant;
    v.expected = q.answer;
    v.max_points = q.number <= points.size() ? points[q.number - 1] : default_points(q);
    const AnswerForm form = answer_form(q.kind, q.variant);
    if (form == AnswerForm::free)
      report.by_hand_points += v.max_points;
    else
      report.max_points += v.max_points, ++report.graded;
    const auto it = answers.answers.find(q.number);
    if (it == answers.answers.end() || it->second.is_null()) {
      v.outcome = form == AnswerForm::free ? Outcome::by_hand : Outcome::missing;
      continue;
    }
    v.raw = it->second;
    try {
      Answer given;
      switch (form) {
        case AnswerForm::numeric:
          given.values = read_numbers(it->second);
          v.given = given;
          grade_numeric(q, given.values, v);
          break;
        case AnswerForm::letters:
          given.labels = read_letters(it->second);
          v.given = given;
          grade_choice(q, given.labels, v);
          break;
        case AnswerForm::free:
          if (!it->second.is_string())
            throw Malformed{fmt::format("must be text (a JSON string), not {}", it->second.dump())};
          given.model = it->second.get<std::string>();
          v.given = given;
          v.outcome = Outcome::by_hand;
          break;
      }
    } catch (const Malformed& m) {
      v.outcome = Outcome::wrong;
      v.mistake = "malformed";
      v.notes.push_back(fmt::format("answers.\"{}\" {}", q.number, m.reason));
    }
    if (v.outcome == Outcome::right) {
      ++report.right;
      v.points = v.max_points;
    } else if (v.outcome == Outcome::wrong && options.partial && form == AnswerForm::numeric &&
               q.answer.values.size() > 1) {
      v.points = v.max_points * v.share;
    }
    report.points += v.outcome == Outcome::by_hand ? 0.0 : v.points;
  }
  return report;
}

}  // namespace attn
