#include "attn/teach/gift.hpp"

#include <fmt/format.h>

#include <cmath>

#include "attn/render/format.hpp"
#include "attn/teach/grade.hpp"
#include "attn/teach/moodle.hpp"
#include "attn/teach/sheet_parts.hpp"
#include "attn/teach/slips.hpp"
#include "attn/teach/solution.hpp"
#include "attn/teach/tex.hpp"

namespace attn {

std::string gift_escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\n' || c == '\r') {
      out += ' ';
      continue;
    }
    if (c == '\\' || c == '~' || c == '=' || c == '#' || c == '{' || c == '}' || c == ':')
      out += '\\';
    out += c;
  }
  return out;
}

namespace {

std::string html(std::string_view markup) {
  return gift_escape(markup_to_html(markup));
}

std::string stem(const Question& q) {
  std::string out = "[html]<p>" + html(q.prompt) + "</p>";
  for (const auto& d : displays(q))
    out += "<p>" + html(fmt::format("${} = {}$", d.tex_name, tex_bmatrix(d.value))) + "</p>";
  return out;
}

std::string general_feedback(const Question& q) {
  std::string out = "####[html]<p>" + html(answer_markup(q)) + "</p>";
  for (const auto& line : worked_solution(q)) out += "<p>" + html(line) + "</p>";
  return out;
}

std::string title(const Quiz& quiz, const Question& q, std::string_view suffix = {}) {
  return fmt::format("::{}{}::", gift_escape(lms_question_name(quiz, q)), gift_escape(suffix));
}

// {#=ANSWER:TOL#Right. =%0%SLIP:TOL#feedback …}, with the slips apart from the answer.
std::string numeric_answers(double answer, const std::vector<std::pair<double, std::string>>& wrong,
                            std::string_view feedback) {
  std::string out =
      fmt::format("{{#={}:{}#Right.", lms_number(answer), lms_number(answer_tolerance));
  for (const auto& [value, note] : wrong)
    out +=
        fmt::format(" =%0%{}:{}#{}", lms_number(value), lms_number(answer_tolerance), html(note));
  return out + " " + std::string(feedback) + "}";
}

std::vector<std::pair<double, std::string>> cell_slips(const Question& q, std::size_t i,
                                                       std::size_t j) {
  std::vector<std::pair<double, std::string>> out;
  const double right = q.answer.values(i, j);
  for (const Slip& s : numeric_slips(q)) {
    const double x = s.value(i, j);
    if (!std::isfinite(x) || std::abs(x - right) <= 2 * answer_tolerance) continue;
    bool seen = false;
    for (const auto& o : out) seen = seen || std::abs(o.first - x) <= 2 * answer_tolerance;
    if (!seen) out.push_back({x, s.note});
  }
  return out;
}

// {=right#Right. ~wrong#its mistake …}: one option per choice, in the sheet's order.
std::string choices_gift(const Quiz& quiz, const Question& q, const std::string& feedback) {
  std::string out = title(quiz, q) + stem(q) + "{";
  for (const Choice& c : q.choices) {
    const bool right = c.label == q.answer.labels;
    const std::string text = c.matrix ? html("$" + choice_bmatrix(q, c) + "$") : html(c.text);
    out += fmt::format(" {}[html]{}#{}", right ? "=" : "~", text,
                       right ? std::string("Right.") : html(std::string(mistake_text(c.id))));
  }
  return out + " " + feedback + "}\n";
}

std::string question_gift(const Quiz& quiz, const Question& q) {
  const std::string feedback = general_feedback(q);
  switch (q.kind) {
    case QuestionKind::rope:
      if (!q.answer.numeric()) return choices_gift(quiz, q, feedback);
      [[fallthrough]];
    case QuestionKind::score:
    case QuestionKind::bias: {
      const double a = q.answer.values(0, 0);
      if (std::isinf(a))
        return fmt::format("{}{}{{=-inf =-Infinity {}}}\n", title(quiz, q), stem(q), feedback);
      return fmt::format("{}{}{}\n", title(quiz, q), stem(q),
                         numeric_answers(a, cell_slips(q, 0, 0), feedback));
    }
    case QuestionKind::weights:
    case QuestionKind::output:
    case QuestionKind::gradient: {
      const Matrix& a = q.answer.values;
      const std::string symbol = answer_symbol(q);
      std::string out;
      for (std::size_t i = 0; i < a.rows(); ++i)
        for (std::size_t j = 0; j < a.cols(); ++j) {
          const std::string cell = a.rows() > 1 ? fmt::format("{}_{{{}{}}}", symbol, i + 1, j + 1)
                                                : fmt::format("{}_{{{}}}", symbol, j + 1);
          out += fmt::format("{}{}<p>{}</p>{}\n\n",
                             title(quiz, q, fmt::format(" {}", tex_to_text(cell))), stem(q),
                             html(fmt::format("Give ${}$.", cell)),
                             numeric_answers(a(i, j), cell_slips(q, i, j), feedback));
        }
      while (out.ends_with("\n\n")) out.pop_back();
      return out;
    }
    case QuestionKind::mask:
    case QuestionKind::scaling:
      return choices_gift(quiz, q, feedback);
    case QuestionKind::order:
      return fmt::format("{}{}{{={} {}}}\n", title(quiz, q), stem(q), q.answer.labels, feedback);
    case QuestionKind::analyse: {
      std::string info = "####[html]<p>" + html(q.answer.model) + "</p><ol>";
      for (const auto& r : q.answer.rubric)
        info += fmt::format("<li>({}) {}</li>", format_number(r.points), html(r.text));
      return fmt::format("{}{}{{{}</ol>}}\n", title(quiz, q), stem(q), info);
    }
  }
  return {};
}

}  // namespace

std::string render_gift(std::span<const Quiz> sheets) {
  std::string out;
  for (const Quiz& quiz : sheets) {
    out += fmt::format("$CATEGORY: {}\n\n", sheet_category(quiz));
    for (const Question& q : quiz.questions) out += question_gift(quiz, q) + "\n";
  }
  return out;
}

}  // namespace attn
