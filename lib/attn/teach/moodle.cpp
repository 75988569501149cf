#include "attn/teach/moodle.hpp"

#include <fmt/format.h>

#include <cmath>
#include <set>

#include "attn/render/format.hpp"
#include "attn/teach/grade.hpp"
#include "attn/teach/sheet_parts.hpp"
#include "attn/teach/slips.hpp"
#include "attn/teach/solution.hpp"
#include "attn/teach/tex.hpp"

namespace attn {

std::string sheet_category(const Quiz& quiz) {
  const std::string who = quiz.student ? *quiz.student : std::string("Class sheet");
  const std::string id = quiz.keyed ? quiz.sheet_id : fmt::format("seed {}", quiz.seed);
  return fmt::format("$course$/top/attn/{} ({})", who, id);
}

std::string lms_question_name(const Quiz& quiz, const Question& q) {
  std::string name = fmt::format("Q{} {}", q.number, to_string(q.kind));
  if (quiz.student) name += fmt::format(" ({})", *quiz.student);
  return name;
}

std::string lms_number(double x) {
  std::string s = fmt::format("{:.6f}", x);
  while (s.ends_with('0')) s.pop_back();
  if (s.ends_with('.')) s.pop_back();
  if (s == "-0") s = "0";
  return s;
}

namespace {

// XML text: &, < and > escaped (and quotes, for attributes).
std::string xml_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// HTML inside CDATA; a "]]>" in it would end the section early, so it is split.
std::string cdata(std::string_view html) {
  std::string out = "<![CDATA[";
  std::size_t start = 0;
  for (std::size_t at = html.find("]]>"); at != std::string_view::npos;
       at = html.find("]]>", start)) {
    out += std::string(html.substr(start, at - start)) + "]]]]><![CDATA[>";
    start = at + 3;
  }
  return out + std::string(html.substr(start)) + "]]>";
}

std::string html_text(std::string_view html) {
  return fmt::format("<text>{}</text>", cdata(html));
}

// The prompt with its inputs and (for matrix options) nothing else: the options are the answers.
std::string prompt_html(const Question& q) {
  std::string out = "<p>" + markup_to_html(q.prompt) + "</p>";
  for (const auto& d : displays(q))
    out +=
        "<p>" + markup_to_html(fmt::format("${} = {}$", d.tex_name, tex_bmatrix(d.value))) + "</p>";
  return out;
}

std::string solution_html(const Question& q) {
  std::string out = "<p>" + markup_to_html(answer_markup(q)) + "</p><ul>";
  for (const auto& line : worked_solution(q)) out += "<li>" + markup_to_html(line) + "</li>";
  return out + "</ul>";
}

// The elements every question type shares after its name.
std::string common(const Question& q, std::string_view question_html, double points) {
  return fmt::format(
      "    <questiontext format=\"html\">{}</questiontext>\n"
      "    <generalfeedback format=\"html\">{}</generalfeedback>\n"
      "    <defaultgrade>{}</defaultgrade>\n"
      "    <penalty>0</penalty>\n"
      "    <hidden>0</hidden>\n",
      html_text(question_html), html_text(solution_html(q)), lms_number(points));
}

std::string answer_element(double fraction, std::string_view text, std::string_view feedback,
                           std::string_view extra = {}) {
  return fmt::format(
      "    <answer fraction=\"{}\" format=\"html\">\n      {}\n{}      <feedback "
      "format=\"html\">{}</feedback>\n    </answer>\n",
      lms_number(fraction), html_text(text), extra, html_text(feedback));
}

// The slips worth offering as wrong answers: finite, and apart from the right answer and from each
// other by more than twice the tolerance, so that no student's value matches two answers.
std::vector<Slip> distinct_slips(const Question& q) {
  std::vector<Slip> out;
  const auto apart = [](const Matrix& a, const Matrix& b) {
    return !matches(a, b, 2 * answer_tolerance);
  };
  for (Slip& s : numeric_slips(q)) {
    bool finite = true;
    for (double x : s.value.values()) finite = finite && std::isfinite(x);
    if (!finite || !apart(s.value, q.answer.values)) continue;
    if (std::ranges::any_of(out, [&](const Slip& o) { return !apart(o.value, s.value); })) continue;
    out.push_back(std::move(s));
  }
  return out;
}

std::string numerical(const Question& q, const std::string& body) {
  const double answer = q.answer.values(0, 0);
  const std::string tolerance =
      fmt::format("      <tolerance>{}</tolerance>\n", lms_number(answer_tolerance));
  if (std::isinf(answer)) {
    std::string out = "  <question type=\"shortanswer\">\n" + body + "    <usecase>0</usecase>\n";
    for (const char* text : {"-inf", "-Infinity", "−∞"})
      out += answer_element(100, text, "Right: a blocked key's score is -∞.");
    return out + "  </question>\n";
  }
  std::string out = "  <question type=\"numerical\">\n" + body;
  out += answer_element(100, lms_number(answer), "Right.", tolerance);
  for (const Slip& s : distinct_slips(q))
    out += answer_element(0, lms_number(s.value(0, 0)), markup_to_html(s.note), tolerance);
  return out +
         "    <unitgradingtype>0</unitgradingtype>\n"
         "    <unitpenalty>0</unitpenalty>\n"
         "    <showunits>3</showunits>\n"
         "    <unitsleft>0</unitsleft>\n"
         "  </question>\n";
}

// Text for a cloze field's feedback: plain, with the characters cloze reads escaped.
std::string cloze_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '}' || c == '#' || c == '~' || c == '/' || c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

std::string cloze(const Question& q, const std::string& name) {
  const Matrix& a = q.answer.values;
  const std::vector<Slip> slips = distinct_slips(q);
  const std::string symbol = answer_symbol(q);
  std::string html = prompt_html(q);
  for (std::size_t i = 0; i < a.rows(); ++i) {
    html += "<p>";
    for (std::size_t j = 0; j < a.cols(); ++j) {
      const std::string cell = a.rows() > 1 ? fmt::format("{}_{{{}{}}}", symbol, i + 1, j + 1)
                                            : fmt::format("{}_{{{}}}", symbol, j + 1);
      std::string field = fmt::format("{{1:NUMERICAL:={}:{}#Right.", lms_number(a(i, j)),
                                      lms_number(answer_tolerance));
      for (const Slip& s : slips)
        if (!matches(Matrix{{s.value(i, j)}}, Matrix{{a(i, j)}}, 2 * answer_tolerance))
          field += fmt::format("~%0%{}:{}#{}", lms_number(s.value(i, j)),
                               lms_number(answer_tolerance), cloze_escape(markup_to_text(s.note)));
      html += fmt::format("{}\\({}\\) = {}}}", j ? " &nbsp; " : "", cell, field);
    }
    html += "</p>";
  }
  return fmt::format(
      "  <question type=\"cloze\">\n    <name><text>{}</text></name>\n"
      "    <questiontext format=\"html\">{}</questiontext>\n"
      "    <generalfeedback format=\"html\">{}</generalfeedback>\n"
      "    <penalty>0</penalty>\n    <hidden>0</hidden>\n  </question>\n",
      xml_escape(name), html_text(html), html_text(solution_html(q)));
}

std::string multichoice(const Question& q, const std::string& body) {
  std::string out = "  <question type=\"multichoice\">\n" + body +
                    "    <single>true</single>\n"
                    "    <shuffleanswers>false</shuffleanswers>\n"
                    "    <answernumbering>ABCD</answernumbering>\n"
                    "    <correctfeedback format=\"html\"><text>Right.</text></correctfeedback>\n"
                    "    <partiallycorrectfeedback format=\"html\"><text></text>"
                    "</partiallycorrectfeedback>\n"
                    "    <incorrectfeedback format=\"html\"><text></text></incorrectfeedback>\n";
  for (const Choice& c : q.choices) {
    const bool right = c.label == q.answer.labels;
    const std::string text =
        c.matrix ? markup_to_html("$" + choice_bmatrix(q, c) + "$") : markup_to_html(c.text);
    const std::string feedback =
        right ? std::string("Right.") : markup_to_html(std::string(mistake_text(c.id)));
    out += answer_element(right ? 100 : 0, text, feedback);
  }
  return out + "  </question>\n";
}

std::string order(const Question& q, const std::string& body) {
  std::string out = "  <question type=\"shortanswer\">\n" + body + "    <usecase>0</usecase>\n";
  std::string commas;
  for (char c : q.answer.labels) commas += (commas.empty() ? "" : ",") + std::string(1, c);
  out += answer_element(100, q.answer.labels, "Right.");
  out += answer_element(100, commas, "Right.");
  return out + "  </question>\n";
}

std::string essay(const Question& q, const std::string& body) {
  std::string info = "<p>" + markup_to_html(q.answer.model) + "</p><ol>";
  for (const auto& r : q.answer.rubric)
    info += fmt::format("<li>({} {}) {}</li>", format_number(r.points),
                        r.points == 1 ? "point" : "points", markup_to_html(r.text));
  info += "</ol>";
  return "  <question type=\"essay\">\n" + body +
         "    <responseformat>editor</responseformat>\n"
         "    <responserequired>1</responserequired>\n"
         "    <responsefieldlines>15</responsefieldlines>\n"
         "    <attachments>0</attachments>\n"
         "    <attachmentsrequired>0</attachmentsrequired>\n"
         "    <graderinfo format=\"html\">" +
         html_text(info) +
         "</graderinfo>\n"
         "    <responsetemplate format=\"html\"><text></text></responsetemplate>\n"
         "  </question>\n";
}

// The question without its name, so that two students' identical questions can be told apart
// from different ones.
std::string question_xml(const Question& q, const std::string& name, double points) {
  const std::string body = fmt::format("    <name><text>{}</text></name>\n", xml_escape(name)) +
                           common(q, prompt_html(q), points);
  switch (q.kind) {
    case QuestionKind::score:
    case QuestionKind::bias:
      return numerical(q, body);
    case QuestionKind::weights:
    case QuestionKind::output:
    case QuestionKind::gradient:
      return cloze(q, name);
    case QuestionKind::mask:
    case QuestionKind::scaling:
      return multichoice(q, body);
    case QuestionKind::rope:
      return q.answer.numeric() ? numerical(q, body) : multichoice(q, body);
    case QuestionKind::order:
      return order(q, body);
    case QuestionKind::analyse:
      return essay(q, body);
  }
  return {};
}

std::string category(const std::string& path) {
  return fmt::format(
      "  <question type=\"category\">\n    <category><text>{}</text></category>\n  </question>\n",
      xml_escape(path));
}

double points_of(const Quiz& quiz, const Question& q) {
  return q.number <= quiz.points.size() ? quiz.points[q.number - 1] : default_points(q);
}

}  // namespace

std::string render_moodle(std::span<const Quiz> sheets, MoodleCategories categories) {
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<quiz>\n";
  if (categories == MoodleCategories::sheet) {
    for (const Quiz& quiz : sheets) {
      out += category(sheet_category(quiz));
      for (const Question& q : quiz.questions)
        out += question_xml(q, lms_question_name(quiz, q), points_of(quiz, q));
    }
  } else {
    for (QuestionKind kind : all_question_kinds()) {
      std::set<std::string> seen;
      std::string questions;
      std::size_t n = 0;
      for (const Quiz& quiz : sheets)
        for (const Question& q : quiz.questions) {
          if (q.kind != kind) continue;
          // Identical questions (the same numbers and options) are one entry.
          if (!seen.insert(question_xml(q, "", points_of(quiz, q))).second) continue;
          questions += question_xml(q, fmt::format("{} {} ({})", to_string(kind), ++n, q.variant),
                                    points_of(quiz, q));
        }
      if (!questions.empty())
        out += category(fmt::format("$course$/top/attn/{}", to_string(kind))) + questions;
    }
  }
  return out + "</quiz>\n";
}

}  // namespace attn
