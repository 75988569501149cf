#include "attn/teach/quiz.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "attn/core/error.hpp"
#include "attn/render/format.hpp"
#include "attn/teach/quiz_json.hpp"
#include "attn/teach/tex.hpp"

using attn::KindSpec;
using attn::Question;
using attn::QuestionKind;

namespace {

attn::Quiz make_quiz(std::uint64_t seed, std::size_t count,
                     std::optional<std::string> student = std::nullopt,
                     std::vector<KindSpec> kinds = {}) {
  attn::QuizOptions o;
  o.seed = seed;
  o.count = count;
  o.student = std::move(student);
  o.kinds = std::move(kinds);
  return attn::generate_quiz(o);
}

attn::ClassSecret secret_of(std::uint8_t fill) {
  attn::ClassSecret s;
  s.bytes.fill(fill);
  return s;
}

std::string structure(const attn::Quiz& quiz) {
  std::string out;
  for (const auto& q : quiz.questions)
    out += fmt::format("{}:{} ", attn::to_string(q.kind), q.variant);
  return out;
}

// What an option shows, for measuring its length: the text, or the cells of its matrix as the
// sheet prints them (1/0, or Score/−∞ for mask:apply).
std::size_t shown_length(const Question& q, const attn::Choice& c) {
  if (!c.matrix) return attn::display_width(attn::markup_to_text(c.text));
  std::size_t n = 0;
  for (std::size_t i = 0; i < c.matrix->rows(); ++i)
    for (std::size_t j = 0; j < c.matrix->cols(); ++j)
      n += q.variant == "apply" ? ((*c.matrix)(i, j) ? 5 : 2) : 1;
  return n;
}

}  // namespace

TEST_CASE("generate_quiz: the same options give the same sheet; kinds come in rounds") {
  const attn::Quiz a = make_quiz(7, 14), b = make_quiz(7, 14);
  CHECK(attn::quiz_to_json(a, attn::KeyMode::separate) ==
        attn::quiz_to_json(b, attn::KeyMode::separate));
  const attn::Quiz quiz = make_quiz(7, 7);
  std::set<QuestionKind> kinds;
  for (const auto& q : quiz.questions) kinds.insert(q.kind);
  CHECK(kinds.size() == 7);  // 7 questions, 7 kinds: one round
  CHECK_FALSE(kinds.contains(QuestionKind::analyse));
  CHECK(quiz.version.find('(') == std::string::npos);  // no commit in the version
  // In presentation order.
  const auto order = attn::all_question_kinds();
  for (std::size_t n = 1; n < quiz.questions.size(); ++n)
    CHECK(std::ranges::find(order, quiz.questions[n - 1].kind) <=
          std::ranges::find(order, quiz.questions[n].kind));
}

TEST_CASE("a kind asked for again goes through its variants in rounds") {
  // Six mask questions: every mask variant once.
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    const attn::Quiz quiz = make_quiz(seed, 6, std::nullopt, {{QuestionKind::mask, std::nullopt}});
    std::set<std::string> variants;
    for (const auto& q : quiz.questions) variants.insert(q.variant);
    CAPTURE(seed);
    CHECK(variants.size() == 6);
    CHECK(variants.contains("causal"));
  }
  // A variant asked for by name is the only one drawn.
  const attn::Quiz only = make_quiz(3, 4, std::nullopt, {{QuestionKind::mask, "causal"}});
  for (const auto& q : only.questions) CHECK(q.variant == "causal");
}

TEST_CASE("--same-structure: one sequence of kinds and variants for the class, own numbers") {
  attn::QuizOptions o;
  o.seed = 2026;
  o.count = 9;
  o.same_structure = true;
  std::set<std::string> structures, givens;
  for (int n = 0; n < 30; ++n) {
    const attn::Quiz quiz = attn::generate_quiz(attn::for_student(o, fmt::format("Student {}", n)));
    structures.insert(structure(quiz));
    givens.insert(attn::quiz_to_json(quiz, attn::KeyMode::none)["questions"][0]["given"].dump());
  }
  CHECK(structures.size() == 1);
  CHECK(givens.size() > 20);  // score questions of 30 students: their own vectors
  // Without it, the sequences differ between students.
  o.same_structure = false;
  structures.clear();
  for (int n = 0; n < 30; ++n)
    structures.insert(structure(attn::generate_quiz(attn::for_student(o, fmt::format("S{}", n)))));
  CHECK(structures.size() > 1);
}

TEST_CASE("keyed sheets: seeded under the secret, named by a sheet id") {
  attn::QuizOptions o;
  o.seed = 7;
  o.student = "Ada";
  const attn::Quiz practice = attn::generate_quiz(o);
  o.secret = secret_of(9);
  const attn::Quiz keyed = attn::generate_quiz(o);
  CHECK_FALSE(practice.keyed);
  CHECK(practice.sheet_id.empty());
  CHECK(keyed.keyed);
  CHECK(keyed.seed == attn::keyed_sheet_seed(*o.secret, 7, "Ada"));
  CHECK(keyed.sheet_id == attn::keyed_sheet_id(*o.secret, 7, "Ada"));
  CHECK(keyed.seed != practice.seed);
  CHECK(attn::regenerate_command(keyed).empty());
  CHECK(attn::regenerate_command(practice) ==
        "attn quiz --seed 7 --count 6 --student Ada --practice");
  o.secret = secret_of(10);
  CHECK(attn::generate_quiz(o).seed != keyed.seed);  // another secret, another sheet
}

TEST_CASE("require_key_access: a student's key needs the secret or --practice") {
  attn::QuizOptions o;
  o.seed = 7;
  CHECK_NOTHROW(attn::require_key_access(o, false, "--key only"));  // the class's practice sheet
  o.student = "Ada";
  try {
    attn::require_key_access(o, false, "--key only");
    FAIL("expected a usage error");
  } catch (const attn::Error& e) {
    CHECK(e.code() == attn::Exit::usage);
    CHECK(std::string(e.what()) ==
          "--key only for a student's sheet needs the class secret: give --class-secret FILE or "
          "set ATTN_CLASS_SECRET");
  }
  CHECK_NOTHROW(attn::require_key_access(o, true, "--key only"));
  o.secret = secret_of(1);
  CHECK_NOTHROW(attn::require_key_access(o, false, "--key only"));
  CHECK_THROWS_WITH_AS(attn::require_key_access(o, true, "--key only"),
                       "--practice and a class secret contradict each other", attn::Error);
}

TEST_CASE("parse_points and default points") {
  CHECK(attn::parse_points("2", 3) == std::vector<double>{2, 2, 2});
  CHECK(attn::parse_points("1, 0.5,3", 3) == std::vector<double>{1, 0.5, 3});
  CHECK_THROWS_WITH_AS(attn::parse_points("1,2", 3),
                       "--points gives 2 numbers, but the sheet has 3 questions", attn::Error);
  CHECK_THROWS_WITH_AS(attn::parse_points("1,-2,1", 3),
                       "--points: '-2' is not a number of points ≥ 0", attn::Error);
  CHECK_THROWS_AS(attn::parse_points("1,,1", 3), attn::Error);
  const attn::Quiz quiz =
      make_quiz(5, 2, std::nullopt,
                {{QuestionKind::score, std::nullopt}, {QuestionKind::analyse, std::nullopt}});
  CHECK(quiz.points == std::vector<double>{1, 4});  // the rubric's four points
}

TEST_CASE("balance over 1,000 seeded sheets: the right option's position and length") {
  // Every multiple-choice question of 1,000 default sheets (7 questions, each kind once): the
  // right option's position should be uniform over the 4 positions, and it should be the one
  // option longer (or shorter) than all the others no more than 1.2 times as often as chance.
  // Chance: a question whose options have a unique longest one contributes 1/n, the probability
  // that a randomly placed right answer is that one.
  std::map<std::size_t, std::size_t> position;
  std::size_t four = 0;
  double chance_longest = 0, chance_shortest = 0;
  std::size_t longest = 0, shortest = 0;
  for (std::uint64_t seed = 1; seed <= 1000; ++seed) {
    for (const Question& q : make_quiz(seed, 7).questions) {
      if (q.kind != QuestionKind::mask && q.kind != QuestionKind::scaling) continue;
      const std::size_t n = q.choices.size();
      std::vector<std::size_t> len;
      std::size_t right = 0;
      for (std::size_t c = 0; c < n; ++c) {
        len.push_back(shown_length(q, q.choices[c]));
        if (q.choices[c].label == q.answer.labels) right = c;
      }
      if (n == 4) {
        ++position[right];
        ++four;
      }
      const auto max = *std::ranges::max_element(len), min = *std::ranges::min_element(len);
      if (std::ranges::count(len, max) == 1) {
        chance_longest += 1.0 / static_cast<double>(n);
        longest += len[right] == max;
      }
      if (std::ranges::count(len, min) == 1) {
        chance_shortest += 1.0 / static_cast<double>(n);
        shortest += len[right] == min;
      }
    }
  }
  // Pearson's χ² of the four positions, 3 degrees of freedom: 16.27 is the 0.1% point.
  double chi2 = 0;
  const double expected = static_cast<double>(four) / 4.0;
  for (std::size_t p = 0; p < 4; ++p) {
    const double d = static_cast<double>(position[p]) - expected;
    chi2 += d * d / expected;
  }
  MESSAGE(
      fmt::format("balance: {} four-option questions, right at A/B/C/D {}/{}/{}/{}, chi2 {:.2f}; "
                  "right is the unique longest {} times (chance {:.1f}), the unique shortest "
                  "{} times (chance {:.1f})",
                  four, position[0], position[1], position[2], position[3], chi2, longest,
                  chance_longest, shortest, chance_shortest));
  CHECK(four > 1500);
  CHECK(chi2 < 16.27);
  for (std::size_t p = 0; p < 4; ++p) {
    CHECK(static_cast<double>(position[p]) > 0.9 * expected);
    CHECK(static_cast<double>(position[p]) < 1.1 * expected);
  }
  CHECK(static_cast<double>(longest) <= 1.2 * chance_longest);
  CHECK(static_cast<double>(shortest) <= 1.2 * chance_shortest);
}
