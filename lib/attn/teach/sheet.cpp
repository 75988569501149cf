#include "attn/teach/sheet.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "attn/render/format.hpp"
#include "attn/teach/gift.hpp"
#include "attn/teach/moodle.hpp"
#include "attn/teach/quiz_json.hpp"
#include "attn/teach/sheet_latex.hpp"
#include "attn/teach/sheet_parts.hpp"
#include "attn/teach/solution.hpp"
#include "attn/teach/tex.hpp"

namespace attn {

namespace {

std::string indent_table(const Matrix& m, const std::string& indent) {
  TableStyle style;
  style.number = work_style;
  style.indent = indent;
  return format_table(m, style);
}

// A 0/1 mask, or (apply) Score/−∞ in aligned columns, the first row after `first`.
std::string matrix_rows(const Question& q, const BoolMatrix& m, const std::string& indent,
                        const std::string& first) {
  const bool applied = q.variant == "apply";
  std::string out;
  for (std::size_t i = 0; i < m.rows(); ++i) {
    std::string line = i == 0 ? first : indent;
    for (std::size_t j = 0; j < m.cols(); ++j) {
      if (!applied) {
        line += (j ? " " : "") + std::string(m(i, j) ? "1" : "0");
        continue;
      }
      const std::string cell = m(i, j) ? "Score" : "-∞";
      line += (j ? "  " : "") + cell;
      if (j + 1 < m.cols()) line += std::string(5 - display_width(cell), ' ');
    }
    out += line + '\n';
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
      out += fmt::format("   {} = {}\n", name, text_value(d.value, work_style));
    else
      out += fmt::format("   {} =\n{}", name, indent_table(d.value, "     "));
  }
  for (const auto& c : q.choices) {
    if (c.matrix)
      out += matrix_rows(q, *c.matrix, "       ", fmt::format("   ({}) ", c.label)) + "\n";
    else
      out += fmt::format("   ({}) {}\n", c.label, markup_to_text(c.text));
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
      out +=
          fmt::format("\n    ({})\n    ```math\n    {}\n    ```\n", c.label, choice_bmatrix(q, c));
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
    if (quiz.keyed)
      out += fmt::format("Hand in your answers as JSON: `{}`\n\n", answers_template(quiz));
    else
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

}  // namespace

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
    case SheetFormat::moodle:
      return render_moodle(std::span(&quiz, 1), MoodleCategories::sheet);
    case SheetFormat::gift:
      return render_gift(std::span(&quiz, 1));
  }
  return {};
}

}  // namespace attn
