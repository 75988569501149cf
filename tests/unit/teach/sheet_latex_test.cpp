#include "attn/teach/sheet_latex.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

attn::Quiz make_quiz(std::uint64_t seed, std::size_t count, std::string kinds = "") {
  attn::QuizOptions o;
  o.seed = seed;
  o.count = count;
  if (!kinds.empty()) o.kinds = attn::parse_kind_specs(kinds);
  return attn::generate_quiz(o);
}

// Compiles `tex` with pdflatex; returns the log, or nullopt when pdflatex is missing.
std::optional<std::string> compile(const std::string& tex, const std::string& name) {
  if (std::system("command -v pdflatex >/dev/null 2>&1") != 0) return std::nullopt;
  const fs::path dir = fs::temp_directory_path() / fmt::format("attn-tex-{}-{}", ::getpid(), name);
  fs::create_directories(dir);
  std::ofstream(dir / "sheet.tex") << tex;
  const std::string cmd = fmt::format(
      "cd '{}' && pdflatex -interaction=nonstopmode -halt-on-error sheet.tex >sheet.out 2>&1",
      dir.string());
  const int status = std::system(cmd.c_str());
  const std::string log = slurp(dir / "sheet.log");
  CAPTURE(slurp(dir / "sheet.out"));
  CHECK(status == 0);
  CHECK(fs::exists(dir / "sheet.pdf"));
  fs::remove_all(dir);
  return log;
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("the LaTeX sheet: ASCII, a name and date line, points and answer boxes") {
  const attn::Quiz quiz = make_quiz(7, 14);
  const std::string tex = attn::render_latex(quiz, attn::KeyMode::separate);
  for (unsigned char c : tex) REQUIRE(c < 0x80);
  CHECK(tex.starts_with("% attn quiz"));
  CHECK(tex.ends_with("\\end{document}\n"));
  CHECK(has(tex, "Name: \\rule{7cm}{0.4pt}\\hfill Date: \\rule{3cm}{0.4pt}"));
  std::size_t boxes = 0, points = 0;
  for (auto at = tex.find("\\fbox{\\parbox"); at != std::string::npos;
       at = tex.find("\\fbox{\\parbox", at + 1))
    ++boxes;
  for (auto at = tex.find("(1 point)"); at != std::string::npos; at = tex.find("(1 point)", at + 1))
    ++points;
  CHECK(boxes == 14);
  CHECK(points == 14);
  // With the key inline it is a worked sheet: no boxes, no name line.
  const std::string worked = attn::render_latex(quiz, attn::KeyMode::inline_key);
  CHECK_FALSE(has(worked, "\\fbox"));
  CHECK_FALSE(has(worked, "Name:"));
}

TEST_CASE("LaTeX: long vectors wrap, matrix options sit side by side in one unbreakable box") {
  attn::Quiz quiz = make_quiz(11, 6, "score:plain,mask:apply,mask:window");
  const std::string tex = attn::render_latex(quiz, attn::KeyMode::none);
  bool wide = false;
  for (const auto& q : quiz.questions)
    if (q.q && q.q->cols() > 8) wide = true;
  if (wide) CHECK(has(tex, ",\\allowbreak\\ "));
  CHECK(has(tex, "\\begin{minipage}{\\linewidth}"));
  CHECK(has(tex, "\\begin{minipage}[t]{0.49\\linewidth}"));
}

TEST_CASE("the LaTeX sheets compile with pdflatex, with no line past the margin") {
  // d_k = 16 vectors and 5 × 5 Score/−∞ options are the widest things a sheet holds.
  std::vector<attn::Quiz> sheets;
  for (std::uint64_t seed = 1; seed <= 6; ++seed)
    sheets.push_back(make_quiz(seed, 12,
                               "score:plain,score:bias,mask:apply,mask,weights:rows,"
                               "output,scaling:why,analyse"));
  sheets.push_back(make_quiz(7, 14));
  // The gradient and rope kinds: K of width 4, −∞ in M, the formulas' code in text.
  for (std::uint64_t seed = 1; seed <= 3; ++seed)
    sheets.push_back(make_quiz(seed, 12, "gradient,rope"));
  std::size_t n = 0;
  for (const auto& quiz : sheets) {
    for (auto key : {attn::KeyMode::none, attn::KeyMode::separate}) {
      const auto log = compile(attn::render_latex(quiz, key), std::to_string(n++));
      if (!log) {
        MESSAGE("SKIP: pdflatex not installed");
        std::puts("SKIP: pdflatex not installed");
        return;
      }
      // "Overfull \hbox (95.1pt too wide)": a line past the margin. Under 1pt is invisible.
      const std::regex overfull(R"(Overfull \\hbox \(([0-9.]+)pt too wide\))");
      for (auto it = std::sregex_iterator(log->begin(), log->end(), overfull);
           it != std::sregex_iterator(); ++it) {
        CAPTURE((*it)[0].str());
        CHECK(std::stod((*it)[1].str()) < 1.0);
      }
    }
  }
}
