#include "attn/teach/sheet_latex.hpp"

#include <fmt/format.h>

#include "attn/render/format.hpp"
#include "attn/render/formats.hpp"
#include "attn/teach/sheet_parts.hpp"
#include "attn/teach/solution.hpp"
#include "attn/teach/tex.hpp"

namespace attn {
namespace {

// Vectors longer than this are written inline, where they can wrap, instead of as a bmatrix.
constexpr std::size_t kWideVector = 8;

// A line may break after each comma of a long \texttt (a --kinds list has no spaces).
std::string breakable(const std::string& tex) {
  std::string out;
  for (char c : tex) out += c == ',' ? std::string(",\\allowbreak{}") : std::string(1, c);
  return out;
}

std::string points_text(double p) {
  return fmt::format("({} {})", format_number(p), p == 1.0 ? "point" : "points");
}

// (a,\allowbreak b, …): a line may break after each comma.
std::string wrapping_tuple(std::span<const double> row) {
  std::string out = "(";
  for (std::size_t j = 0; j < row.size(); ++j)
    out += (j ? ",\\allowbreak\\ " : "") + tex_num(row[j], work_style);
  return out + ")";
}

std::string tex_display(const Display& d) {
  if (d.value.rows() == 1 && d.value.cols() > kWideVector)
    return fmt::format("\\par\\noindent${} = {}$\\par\n", d.tex_name,
                       wrapping_tuple(d.value.row(0)));
  return fmt::format("\\[ {} = {} \\]\n", d.tex_name, tex_bmatrix(d.value));
}

// Matrix options two to a row, all in one minipage so that they stay on one page.
std::string tex_matrix_choices(const Question& q) {
  std::string out = "\\par\\smallskip\\noindent\\begin{minipage}{\\linewidth}\n";
  for (std::size_t n = 0; n < q.choices.size(); ++n) {
    const Choice& c = q.choices[n];
    // Score/−∞ matrices of 5 tokens are the widest: footnotesize keeps two to a row.
    out += fmt::format(
        "\\begin{{minipage}}[t]{{0.49\\linewidth}}{}\\setlength{{\\arraycolsep}}{{3pt}}"
        "({})\\\\ ${}$\\end{{minipage}}",
        q.variant == "apply" ? "\\footnotesize" : "\\small", c.label, choice_bmatrix(q, c));
    out += n % 2 == 0 && n + 1 < q.choices.size() ? "\\hfill\n" : "\\par\\medskip\n";
  }
  return out + "\\end{minipage}\n";
}

std::string answer_box(const Question& q) {
  const char* height = q.answer.free() ? "14em" : !q.choices.empty() ? "1.8em" : "3em";
  const char* label = q.answer.free() ? "Your analysis:" : "Answer:";
  return fmt::format(
      "\\par\\smallskip\\noindent "
      "{}\\par\\noindent\\fbox{{\\parbox[t][{}][t]{{\\dimexpr\\linewidth-"
      "2\\fboxsep-2\\fboxrule\\relax}}{{\\strut}}}}\n",
      label, height);
}

std::string tex_question(const Quiz& quiz, const Question& q, bool boxes) {
  const double points = q.number <= quiz.points.size() ? quiz.points[q.number - 1] : 1.0;
  std::string out = fmt::format("\\item \\textbf{{{}.}} {} {}\n", to_string(q.kind),
                                points_text(points), markup_to_latex(q.prompt));
  for (const auto& d : displays(q)) out += tex_display(d);
  const bool matrices = !q.choices.empty() && q.choices.front().matrix;
  if (matrices) {
    out += tex_matrix_choices(q);
  } else if (!q.choices.empty()) {
    out += "\\begin{itemize}\n";
    for (const auto& c : q.choices)
      out += fmt::format("\\item[({})] {}\n", c.label, markup_to_latex(c.text));
    out += "\\end{itemize}\n";
  }
  if (boxes) out += answer_box(q);
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

}  // namespace

std::string render_latex(const Quiz& quiz, KeyMode key) {
  std::string out =
      "% attn quiz: compile with pdflatex\n"
      "\\documentclass[11pt]{article}\n"
      "\\usepackage{amsmath,amssymb}\n"
      "\\setcounter{MaxMatrixCols}{32}\n"  // bmatrix holds 10 columns by default
      "\\setlength{\\parindent}{0pt}\n"
      // a worked line of long products may stretch its spaces rather than run past the margin
      "\\setlength{\\emergencystretch}{2em}\n"
      "\\begin{document}\n";
  const auto header = [&](std::string_view title, bool name_line) {
    out += fmt::format("\\section*{{{}}}\n", title);
    if (name_line)
      out += "\\noindent Name: \\rule{7cm}{0.4pt}\\hfill Date: \\rule{3cm}{0.4pt}\\par\\medskip\n";
    const auto lines = header_lines(quiz);
    out += latex_escape(lines[0]) + "\\\\\n";
    if (quiz.keyed)
      out += fmt::format("{{\\raggedright Hand in your answers as JSON: \\texttt{{{}}}\\par}}\n\n",
                         breakable(latex_escape(answers_template(quiz))));
    else
      out += fmt::format("{{\\raggedright Regenerate with \\texttt{{{}}}\\par}}\n\n",
                         breakable(latex_escape(regenerate_command(quiz))));
  };
  if (key != KeyMode::only) {
    const bool boxes = key != KeyMode::inline_key;
    header("Attention exercises", boxes);
    out += "Give numbers to 3 decimals; row $i$ of a matrix is query $i$, column $j$ is key $j$.\n";
    out += "\\begin{enumerate}\n";
    for (const auto& q : quiz.questions) {
      out += tex_question(quiz, q, boxes);
      if (key == KeyMode::inline_key) out += tex_key_entry(q, false);
    }
    out += "\\end{enumerate}\n";
  }
  if (key == KeyMode::separate || key == KeyMode::only) {
    if (key == KeyMode::separate) out += "\\newpage\n";
    header("Answer key", false);
    out += "\\begin{enumerate}\n";
    for (const auto& q : quiz.questions) out += tex_key_entry(q, true);
    out += "\\end{enumerate}\n";
  }
  out += "\\end{document}\n";
  return out;
}

}  // namespace attn
