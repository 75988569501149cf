#include "attn/teach/quiz.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include "attn/core/bias.hpp"
#include "attn/core/error.hpp"
#include "attn/io/parse.hpp"
#include "attn/teach/quiz_render.hpp"

using attn::Matrix;
using attn::Question;
using attn::QuestionKind;
using doctest::Approx;
namespace fs = std::filesystem;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

attn::Quiz make_quiz(std::uint64_t seed, std::size_t count,
                     std::optional<std::string> student = std::nullopt,
                     std::vector<QuestionKind> kinds = {}) {
  attn::QuizOptions o;
  o.seed = seed;
  o.count = count;
  o.student = std::move(student);
  o.kinds = std::move(kinds);
  return attn::generate_quiz(o);
}

std::size_t count_of(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + part.size()))
    ++n;
  return n;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

// ---- SeededRng ---------------------------------------------------------------------------------

TEST_CASE("SeededRng: raw output is std::mt19937_64's, which the standard fixes") {
  // [rand.predef]: the 10000th output of a default-constructed mt19937_64 (seed 5489) is
  // 9981545732273789042.
  attn::SeededRng rng(5489);
  std::uint64_t x = 0;
  for (int n = 0; n < 10000; ++n) x = rng.next();
  CHECK(x == 9981545732273789042ULL);
}

TEST_CASE("SeededRng: uniform_int covers its range and nothing else") {
  attn::SeededRng rng(1);
  std::set<std::int64_t> seen;
  for (int n = 0; n < 2000; ++n) {
    const auto x = rng.uniform_int(-4, 4);
    REQUIRE(x >= -4);
    REQUIRE(x <= 4);
    seen.insert(x);
  }
  CHECK(seen.size() == 9);
}

TEST_CASE("SeededRng: uniform01 in [0, 1), normal has mean 0 and variance 1") {
  attn::SeededRng rng(2);
  double sum = 0, sum_sq = 0;
  constexpr int n = 100000;
  for (int k = 0; k < n; ++k) {
    const double u = rng.uniform01();
    REQUIRE(u >= 0.0);
    REQUIRE(u < 1.0);
    const double z = rng.normal();
    sum += z;
    sum_sq += z * z;
  }
  // standard error of the mean 1/√n ≈ 0.003, of the variance √(2/n) ≈ 0.0045
  CHECK(std::abs(sum / n) < 0.02);
  CHECK(sum_sq / n == Approx(1.0).epsilon(0.03));
}

TEST_CASE("fnv1a64 and student_seed") {
  CHECK(attn::fnv1a64("") == 0xcbf29ce484222325ULL);   // the offset basis
  CHECK(attn::fnv1a64("a") == 0xaf63dc4c8601ec8cULL);  // FNV's published test vector
  const auto ada = attn::student_seed(7, "Ada"), bob = attn::student_seed(7, "Bob");
  CHECK(ada != bob);
  CHECK(ada == attn::student_seed(7, "Ada"));
  CHECK(ada != attn::student_seed(8, "Ada"));
  CHECK(ada < (std::uint64_t{1} << 53));  // exact in JSON readers that use doubles
}

// ---- Kinds -------------------------------------------------------------------------------------

TEST_CASE("parse_question_kinds") {
  CHECK(attn::parse_question_kinds("score,weights") ==
        std::vector<QuestionKind>{QuestionKind::score, QuestionKind::weights});
  CHECK_THROWS_WITH_AS(attn::parse_question_kinds("score,wieghts"),
                       "--kinds: unknown kind 'wieghts'", attn::Error);
  CHECK_THROWS_WITH_AS(attn::parse_question_kinds("mask,mask"), "--kinds: 'mask' is listed twice",
                       attn::Error);
}

// ---- Solving, by hand
// ----------------------------------------------------------------------------

TEST_CASE("solve: score") {
  Question q;
  q.kind = QuestionKind::score;
  q.q = Matrix{{2, 0.5, 1, -1.5}};
  q.k = Matrix{{1, 1, -0.5, 2}};
  // q·k = 2 + 0.5 − 0.5 − 3 = −1; √4 = 2; β = −0.5
  attn::solve(q);
  CHECK(q.answer.values == Matrix{{-0.5}});
  // + b = 0.5 → 0
  q.bias = 0.5;
  attn::solve(q);
  CHECK(q.answer.values == Matrix{{0.0}});
  // a blocked key: −∞ whatever q·k is
  q.bias.reset();
  q.mask = -kInf;
  attn::solve(q);
  CHECK(q.answer.values == Matrix{{-kInf}});
}

TEST_CASE("solve: weights") {
  Question q;
  q.kind = QuestionKind::weights;
  // [1, 1, −∞]: exp(0), exp(0), 0 over 2 → [0.5, 0.5, 0]
  q.scores = Matrix{{1, 1, -kInf}};
  attn::solve(q);
  CHECK(q.answer.values == Matrix{{0.5, 0.5, 0.0}});
  // [0, ln 3]: 1 and 3 over 4 → [0.25, 0.75]
  q.scores = Matrix{{0, std::log(3.0)}};
  attn::solve(q);
  CHECK(q.answer.values(0, 0) == Approx(0.25));
  CHECK(q.answer.values(0, 1) == Approx(0.75));
}

TEST_CASE("solve: output") {
  Question q;
  q.kind = QuestionKind::output;
  q.weights = Matrix{{0.3, 0.7}};
  q.v = Matrix{{0, -1, -1}, {1, 1, 2}};
  // o_1 = 0.3×0 + 0.7×1 = 0.7; o_2 = −0.3 + 0.7 = 0.4; o_3 = −0.3 + 1.4 = 1.1
  attn::solve(q);
  CHECK(q.answer.values(0, 0) == Approx(0.7));
  CHECK(q.answer.values(0, 1) == Approx(0.4));
  CHECK(q.answer.values(0, 2) == Approx(1.1));
}

TEST_CASE("solve: bias") {
  Question q;
  q.kind = QuestionKind::bias;
  q.geometry = {6, 6, attn::Align::bottom_right};
  q.score = 0.5;
  SUBCASE("alibi") {
    // H = 8, h = 2: m = 2^(−16/8) = 1/4; i = 5, j = 2: −m(i − j) = −0.75; β = 0.5 − 0.75
    q.variant = "alibi";
    q.slope = attn::alibi_slopes(8)[1];
    CHECK(*q.slope == 0.25);
    q.query = 5;
    q.key = 2;
    attn::solve(q);
    CHECK(q.answer.values == Matrix{{-0.25}});
  }
  SUBCASE("relative, clipped") {
    // table for d = −2 … 2; i = 4, j = 0: d = clip(−4) = −2 → b = −0.5; β = 0.5 − 0.5 = 0
    q.variant = "relative";
    q.table = {-0.5, -1, 0, 2, 0.5};
    q.query = 4;
    q.key = 0;
    attn::solve(q);
    CHECK(q.answer.values == Matrix{{0.0}});
    // i = 1, j = 3: d = 2 → b = 0.5; β = 1
    q.query = 1;
    q.key = 3;
    attn::solve(q);
    CHECK(q.answer.values == Matrix{{1.0}});
  }
}

TEST_CASE("mask questions: distractors are the classic mistakes, one option is right") {
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    const attn::Quiz quiz = make_quiz(seed, 2, std::nullopt, {QuestionKind::mask});
    for (const auto& q : quiz.questions) {
      CAPTURE(seed);
      CAPTURE(q.variant);
      REQUIRE(q.choices.size() >= 3);
      const attn::BoolMatrix right = attn::MaskExpr::parse(q.mask_expr).evaluate(q.geometry);
      std::size_t n_right = 0;
      for (std::size_t a = 0; a < q.choices.size(); ++a) {
        n_right += *q.choices[a].matrix == right;
        CHECK(!attn::mistake_text(q.choices[a].id).empty() == (q.choices[a].id != "correct"));
        for (std::size_t b = a + 1; b < q.choices.size(); ++b)
          CHECK_FALSE(*q.choices[a].matrix == *q.choices[b].matrix);
      }
      CHECK(n_right == 1);
    }
  }
}

TEST_CASE("mask question: the causal distractors for 3 tokens, by hand") {
  // causal: [[1,0,0],[1,1,0],[1,1,1]]; transposed: [[1,1,1],[0,1,1],[0,0,1]];
  // diagonal blocked: [[0,0,0],[1,0,0],[1,1,0]]; inverted: [[0,1,1],[0,0,1],[0,0,0]]
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    const attn::Quiz quiz = make_quiz(seed, 1, std::nullopt, {QuestionKind::mask});
    const Question& q = quiz.questions[0];
    if (q.variant != "causal" || q.geometry.n_q != 3) continue;
    for (const auto& c : q.choices) {
      CAPTURE(c.id);
      if (c.id == "correct") CHECK(*c.matrix == attn::BoolMatrix{{1, 0, 0}, {1, 1, 0}, {1, 1, 1}});
      if (c.id == "transposed")
        CHECK(*c.matrix == attn::BoolMatrix{{1, 1, 1}, {0, 1, 1}, {0, 0, 1}});
      if (c.id == "diagonal") CHECK(*c.matrix == attn::BoolMatrix{{0, 0, 0}, {1, 0, 0}, {1, 1, 0}});
      if (c.id == "inverted") CHECK(*c.matrix == attn::BoolMatrix{{0, 1, 1}, {0, 0, 1}, {0, 0, 0}});
    }
    return;
  }
  FAIL("no causal mask question for 3 tokens in seeds 1..200");
}

// ---- Sheets ------------------------------------------------------------------------------------

TEST_CASE("the same seed gives a byte-identical sheet and key, in every format") {
  for (auto format : {attn::SheetFormat::text, attn::SheetFormat::markdown,
                      attn::SheetFormat::latex, attn::SheetFormat::json})
    for (auto key : {attn::KeyMode::inline_key, attn::KeyMode::separate, attn::KeyMode::only,
                     attn::KeyMode::none}) {
      const std::string a = attn::render_quiz(make_quiz(7, 14), format, key);
      const std::string b = attn::render_quiz(make_quiz(7, 14), format, key);
      CHECK(a == b);
    }
}

TEST_CASE("a sheet names its seed and version; the kinds come in rounds") {
  const attn::Quiz quiz = make_quiz(7, 7);
  const std::string text =
      attn::render_quiz(quiz, attn::SheetFormat::text, attn::KeyMode::separate);
  CHECK(count_of(text, "Seed 7, attn " + quiz.version + ".") == 2);  // sheet and key
  CHECK(quiz.version.find('(') == std::string::npos);                // no commit in the version
  std::set<QuestionKind> kinds;
  for (const auto& q : quiz.questions) kinds.insert(q.kind);
  CHECK(kinds.size() == 7);  // 7 questions, 7 kinds: one round
}

TEST_CASE("different students get different numbers from one class seed") {
  const attn::Quiz ada = make_quiz(7, 6, "Ada"), bob = make_quiz(7, 6, "Bob");
  CHECK(ada.seed != bob.seed);
  const auto given = [](const attn::Quiz& q) {
    nlohmann::ordered_json all = nlohmann::ordered_json::array();
    const auto doc = attn::quiz_to_json(q, attn::KeyMode::none);
    for (const auto& question : doc["questions"]) all.push_back(question["given"]);
    return all.dump();
  };
  CHECK(given(ada) != given(bob));
  CHECK(given(ada) == given(make_quiz(7, 6, "Ada")));
  const std::string sheet = attn::render_quiz(ada, attn::SheetFormat::text, attn::KeyMode::none);
  CHECK(sheet.find(fmt::format("Student: Ada. Class seed 7, sheet seed {}", ada.seed)) !=
        std::string::npos);
  CHECK(sheet.find("--student Ada") != std::string::npos);
}

TEST_CASE("markup_to_text") {
  CHECK(attn::markup_to_text("$\\beta = q \\cdot k / \\sqrt{d_k}$") == "β = q · k / √d_k");
  CHECK(attn::markup_to_text("a $-\\infty$ b") == "a -∞ b");
  CHECK(attn::markup_to_text("$m_h = 2^{-8h/H}$") == "m_h = 2^(-8h/H)");
  CHECK(attn::markup_to_text("$\\mathrm{Var}(cX) = c^2$") == "Var(cX) = c^2");
  CHECK(attn::markup_to_latex("50% & $x_1$") == "50\\% \\& $x_1$");
  CHECK(attn::markup_to_markdown("see $q \\cdot k$") == "see $`q \\cdot k`$");
}

TEST_CASE("the Markdown sheet's math is balanced and shows no raw -inf") {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    CAPTURE(seed);
    const std::string md = attn::render_quiz(make_quiz(seed, 14), attn::SheetFormat::markdown,
                                             attn::KeyMode::inline_key);
    CHECK(count_of(md, "$`") == count_of(md, "`$"));
    CHECK(count_of(md, "```") == 2 * count_of(md, "```math"));  // every block is closed
    CHECK(md.find("-inf") == std::string::npos);
    // every $ belongs to a $`…`$ pair
    CHECK(count_of(md, "$") == 2 * count_of(md, "$`"));
  }
}

TEST_CASE("the LaTeX sheet is ASCII and compiles with pdflatex") {
  const attn::Quiz quiz = make_quiz(7, 14);
  const std::string tex =
      attn::render_quiz(quiz, attn::SheetFormat::latex, attn::KeyMode::separate);
  for (unsigned char c : tex) REQUIRE(c < 0x80);
  CHECK(tex.starts_with("% attn quiz"));
  CHECK(tex.ends_with("\\end{document}\n"));
  if (std::system("command -v pdflatex >/dev/null 2>&1") != 0) {
    MESSAGE("SKIP: pdflatex not installed");
    std::puts("SKIP: pdflatex not installed");
    return;
  }
  const fs::path dir = fs::temp_directory_path() / fmt::format("attn-quiz-tex-{}", ::getpid());
  fs::create_directories(dir);
  std::ofstream(dir / "sheet.tex") << tex;
  const std::string cmd = fmt::format(
      "cd '{}' && pdflatex -interaction=nonstopmode -halt-on-error sheet.tex >sheet.out 2>&1",
      dir.string());
  const int status = std::system(cmd.c_str());
  CAPTURE(slurp(dir / "sheet.out"));
  CHECK(status == 0);
  CHECK(fs::exists(dir / "sheet.pdf"));
  fs::remove_all(dir);
}

TEST_CASE("quiz JSON reads back with the same answers; a wrong stored answer is refused") {
  const attn::Quiz quiz = make_quiz(7, 14, "Ada");
  const auto doc = nlohmann::json::parse(
      attn::render_quiz(quiz, attn::SheetFormat::json, attn::KeyMode::separate));
  const attn::Quiz back = attn::quiz_from_json(doc, "quiz.json");
  REQUIRE(back.questions.size() == quiz.questions.size());
  CHECK(back.seed == quiz.seed);
  CHECK(back.student == quiz.student);
  for (std::size_t n = 0; n < quiz.questions.size(); ++n)
    CHECK(back.questions[n].answer == quiz.questions[n].answer);

  auto bad = doc;
  for (auto& q : bad["questions"])
    if (q["kind"] == "score") {
      q["answer"] = 123.0;
      break;
    }
  try {
    attn::quiz_from_json(bad, "quiz.json");
    FAIL("expected an error");
  } catch (const attn::Error& e) {
    CHECK(e.code() == attn::Exit::data);
    CHECK(std::string(e.what()).find("the stored answer does not match the question") !=
          std::string::npos);
  }
  auto no_key =
      nlohmann::json::parse(attn::render_quiz(quiz, attn::SheetFormat::json, attn::KeyMode::none));
  CHECK_THROWS_WITH_AS(attn::quiz_from_json(no_key, "quiz.json"),
                       "quiz.json: questions[0]: no answer", attn::Error);
}

// ---- The classroom set -------------------------------------------------------------------------

TEST_CASE("data/exercises: every stored answer is what the library computes") {
  const fs::path dir = fs::path(ATTN_SOURCE_DIR) / "data" / "exercises";
  REQUIRE(fs::is_directory(dir));
  std::size_t questions = 0;
  std::set<QuestionKind> kinds;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() != ".json") continue;
    CAPTURE(e.path().string());
    const auto doc = attn::parse_json(slurp(e.path()), e.path().string());
    // quiz_from_json re-solves every question and refuses one whose stored answer differs.
    const attn::Quiz quiz = attn::quiz_from_json(doc, e.path().string());
    for (const auto& q : quiz.questions) {
      kinds.insert(q.kind);
      // The worked solution stored with it is the one the library's numbers give today.
      const auto& stored = doc["questions"][q.number - 1]["solution_tex"];
      CHECK(stored == nlohmann::json(attn::worked_solution(q)));
    }
    questions += quiz.questions.size();
  }
  CHECK(questions >= 20);
  CHECK(kinds.size() == 7);
}
