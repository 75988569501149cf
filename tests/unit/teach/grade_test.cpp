#include "attn/teach/grade.hpp"

#include <doctest/doctest.h>

#include <limits>

#include "attn/core/error.hpp"
#include "attn/teach/quiz_render.hpp"

using attn::Matrix;
using attn::Outcome;
using attn::Question;
using attn::QuestionKind;
using nlohmann::json;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

attn::Quiz one_question(Question q) {
  q.number = 1;
  attn::solve(q);
  attn::Quiz quiz;
  quiz.seed = 1;
  quiz.questions.push_back(std::move(q));
  return quiz;
}

// Grades `answer` to the quiz's only question.
attn::Verdict grade_one(const attn::Quiz& quiz, const json& answer) {
  attn::StudentAnswers a;
  a.answers[1] = answer;
  return attn::grade(quiz, a, "answers.json").verdicts.at(0);
}

std::string notes(const attn::Verdict& v) {
  std::string all;
  for (const auto& n : v.notes) all += attn::markup_to_text(n) + "\n";
  return all;
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

Question score_question() {
  Question q;
  q.kind = QuestionKind::score;
  q.q = Matrix{{2, 0.5, 1, -1.5}};
  q.k = Matrix{{1, 1, -0.5, 2}};
  return q;  // q·k = −1, √4 = 2, β = −0.5
}

}  // namespace

TEST_CASE("a correct answers file scores full marks") {
  attn::QuizOptions o;
  o.seed = 7;
  o.count = 14;
  const attn::Quiz quiz = attn::generate_quiz(o);
  const auto doc = attn::quiz_to_json(quiz, attn::KeyMode::only);
  json answers = json::object();
  for (const auto& q : doc["questions"])
    answers[std::to_string(q["number"].get<int>())] = json::parse(q["answer"].dump());
  const auto parsed = attn::parse_answers(json{{"answers", answers}}.dump(), "answers.json", 14);
  const attn::GradeReport r = attn::grade(quiz, parsed, "answers.json");
  CHECK(r.right == 14);
  const std::string text = attn::render_grades(r);
  CHECK(has(text, "Total: 14/14 right"));
  CHECK(has(text, "Tolerance: ±0.01 on every number"));
}

TEST_CASE("tolerance: ±0.01 absolute") {
  const attn::Quiz quiz = one_question(score_question());
  CHECK(grade_one(quiz, -0.509).outcome == Outcome::right);
  CHECK(grade_one(quiz, -0.49).outcome == Outcome::right);
  CHECK(grade_one(quiz, -0.511).outcome == Outcome::wrong);
  CHECK(grade_one(quiz, "-inf").outcome == Outcome::wrong);
}

TEST_CASE("score: each classic slip is named") {
  SUBCASE("no 1/√d_k") {
    // q·k = −1 and the answer −0.5: exactly √4 = 2 times
    const auto v = grade_one(one_question(score_question()), -1);
    CHECK(v.outcome == Outcome::wrong);
    CHECK(notes(v) == "you did not divide by √d_k = 2: your value is exactly 2× the answer\n");
  }
  SUBCASE("divided by d_k") {
    const auto v = grade_one(one_question(score_question()), -0.25);  // −1 / 4
    CHECK(notes(v) == "you divided by d_k = 4 instead of √d_k = 2\n");
  }
  SUBCASE("forgot the bias") {
    Question q = score_question();
    q.bias = 1.5;  // β = −0.5 + 1.5 = 1
    const auto v = grade_one(one_question(q), -0.5);
    CHECK(notes(v) == "you forgot to add the bias b = 1.5\n");
  }
  SUBCASE("ignored the mask") {
    Question q = score_question();
    q.mask = -kInf;
    const auto v = grade_one(one_question(q), -0.5);
    CHECK(has(notes(v), "you ignored the mask: M = -∞ blocks this key"));
    CHECK(grade_one(one_question(q), "-Infinity").outcome == Outcome::right);
  }
}

TEST_CASE("weights: each classic slip is named") {
  Question q;
  q.kind = QuestionKind::weights;
  SUBCASE("softmax over the wrong axis") {
    // β = [[1, 2, 3], [3, 2, 1]]. Down the columns: (1, 3) → (0.119, 0.881), (2, 2) → (0.5, 0.5),
    // (3, 1) → (0.881, 0.119), since e²/(1 + e²) = 0.881.
    q.scores = Matrix{{1, 2, 3}, {3, 2, 1}};
    const auto v =
        grade_one(one_question(q), json::parse("[[0.119, 0.5, 0.881], [0.881, 0.5, 0.119]]"));
    CHECK(has(notes(v), "you normalised over the wrong axis"));
  }
  SUBCASE("no exp") {
    // β = [1, 1, 2]: 1/4, 1/4, 2/4 without exp; softmax gives (0.212, 0.212, 0.576)
    q.scores = Matrix{{1, 1, 2}};
    const auto v = grade_one(one_question(q), json::parse("[0.25, 0.25, 0.5]"));
    CHECK(has(notes(v), "without taking exp first"));
  }
  SUBCASE("not normalised") {
    // β = [0, 1]: exp(β − 1) = (0.368, 1); the answer is (0.269, 0.731)
    q.scores = Matrix{{0, 1}};
    const auto v = grade_one(one_question(q), json::parse("[0.368, 1]"));
    CHECK(has(notes(v), "you did not divide by the row sum"));
  }
  SUBCASE("weight on the blocked key") {
    // β = [0, 0, −∞]: the answer is (0.5, 0.5, 0); a third each treats −∞ as 0
    q.scores = Matrix{{0, 0, -kInf}};
    const auto v = grade_one(one_question(q), json::parse("[0.333, 0.333, 0.333]"));
    CHECK(has(notes(v), "you gave the blocked key weight"));
  }
  SUBCASE("wrong shape") {
    q.scores = Matrix{{1, 2, 3}, {3, 2, 1}};
    const auto v = grade_one(one_question(q), json::parse("[0.1, 0.2, 0.7]"));
    CHECK(notes(v) == "expected a 2 × 3 matrix (one row per query), you gave 3 numbers\n");
  }
}

TEST_CASE("output: each classic slip is named") {
  Question q;
  q.kind = QuestionKind::output;
  q.weights = Matrix{{0.3, 0.7}};
  q.v = Matrix{{0, -1, -1}, {1, 1, 2}};  // o = (0.7, 0.4, 1.1)
  // α reversed (0.7, 0.3): (0.3, −0.4, −0.1)
  CHECK(has(notes(grade_one(one_question(q), json::parse("[0.3, -0.4, -0.1]"))),
            "you paired the weights with the values in reverse order"));
  // no weights, mean of the rows: (0.5, 0, 0.5)
  CHECK(has(notes(grade_one(one_question(q), json::parse("[0.5, 0, 0.5]"))),
            "you averaged the values without the weights"));
}

TEST_CASE("bias: ALiBi's sign and the relative distance's direction") {
  Question q;
  q.kind = QuestionKind::bias;
  q.geometry = {6, 6, attn::Align::bottom_right};
  q.score = 0.5;
  SUBCASE("alibi") {
    q.variant = "alibi";
    q.slope = 0.25;
    q.query = 5;
    q.key = 2;  // β = 0.5 − 0.25×3 = −0.25; the wrong sign gives 0.5 + 0.75 = 1.25
    CHECK(has(notes(grade_one(one_question(q), 1.25)), "you added +m_h (i - j)"));
    // the distance without the slope: 0.5 − 3 = −2.5
    CHECK(has(notes(grade_one(one_question(q), -2.5)), "you forgot to multiply the distance"));
  }
  SUBCASE("relative") {
    q.variant = "relative";
    q.table = {-0.5, -1, 0, 2, 0.5};
    q.query = 1;
    q.key = 3;  // d = 2: β = 0.5 + 0.5 = 1; d = i − j = −2 would give 0.5 − 0.5 = 0
    CHECK(has(notes(grade_one(one_question(q), 0)), "you looked up b(i - j)"));
  }
}

TEST_CASE("mask and scaling: the chosen distractor's mistake is named") {
  attn::QuizOptions o;
  o.seed = 3;
  o.count = 3;
  o.kinds = {QuestionKind::mask};
  const attn::Quiz quiz = attn::generate_quiz(o);
  for (const auto& q : quiz.questions)
    for (const auto& c : q.choices) {
      attn::Quiz single;
      single.seed = quiz.seed;
      single.questions = {q};
      single.questions[0].number = 1;
      const auto v = grade_one(single, c.label);
      CAPTURE(c.id);
      if (c.id == "correct") {
        CHECK(v.outcome == Outcome::right);
      } else {
        CHECK(v.outcome == Outcome::wrong);
        CHECK(has(notes(v), attn::markup_to_text(attn::mistake_text(c.id))));
      }
    }
}

TEST_CASE("order: the first step out of place is explained") {
  Question q;
  q.kind = QuestionKind::order;
  // labels in canonical order: A dot, B scale, C mask, D softmax, E output
  for (std::size_t n = 0; n < 5; ++n)
    q.choices.push_back({std::string(1, static_cast<char>('A' + n)), "", std::nullopt, std::nullopt,
                         std::string(attn::order_step_ids()[n])});
  const attn::Quiz quiz = one_question(q);
  CHECK(grade_one(quiz, "ABCDE").outcome == Outcome::right);
  CHECK(grade_one(quiz, "a, b, c, d, e").outcome == Outcome::right);
  CHECK(has(notes(grade_one(quiz, "ABDCE")), "the mask must be added before softmax"));
  CHECK(has(notes(grade_one(quiz, "ACBDE")), "an additive mask or bias must not be scaled"));
  CHECK(has(notes(grade_one(quiz, "ABCD")), "give each of the letters ABCDE exactly once"));
}

TEST_CASE("parse_answers: malformed files are data errors naming the place") {
  const auto error_of = [](const std::string& text) {
    try {
      attn::parse_answers(text, "answers.json", 3);
    } catch (const attn::Error& e) {
      CHECK(e.code() == attn::Exit::data);
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(error_of("{\"answers\": {\"1\": 0.5,}}")
            .starts_with("answers.json: malformed JSON at line 1, column 23"));
  CHECK(error_of("{\"answer\": {}}") == "answers.json: missing key \"answers\"");
  CHECK(error_of("{\"answers\": {\"4\": 1}}") ==
        "answers.json: answers has the key \"4\", but the keys must be question numbers from 1 "
        "to 3");
  CHECK(error_of("[1, 2]") == "answers.json: expected a JSON object, not array");
}

TEST_CASE("grade: an answer of the wrong type, a missing answer, another sheet's seed") {
  const attn::Quiz quiz = one_question(score_question());
  attn::StudentAnswers a;
  a.answers[1] = true;
  CHECK_THROWS_WITH_AS(attn::grade(quiz, a, "answers.json"),
                       "answers.json: answers.\"1\" must be a number, an array of numbers or "
                       "\"-inf\", not true",
                       attn::Error);
  a.answers.clear();
  CHECK(attn::grade(quiz, a, "answers.json").verdicts[0].outcome == Outcome::missing);
  a.seed = 99;
  CHECK_THROWS_WITH_AS(attn::grade(quiz, a, "answers.json"),
                       "answers.json: \"seed\" is 99, but the quiz's seed is 1", attn::Error);
}
