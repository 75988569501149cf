#include "attn/teach/grade.hpp"

#include <doctest/doctest.h>

#include <limits>

#include "attn/core/error.hpp"
#include "attn/teach/quiz_json.hpp"
#include "attn/teach/report.hpp"
#include "attn/teach/solve.hpp"
#include "attn/teach/tex.hpp"

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
  quiz.points.push_back(attn::default_points(q));
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
  const auto doc = nlohmann::json::parse(attn::quiz_to_json(quiz, attn::KeyMode::only).dump());
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
  // A causal mask for 2 tokens, by hand: right [[1,0],[1,1]]; transposed [[1,1],[0,1]];
  // diagonal blocked [[0,0],[1,0]]; inverted [[0,1],[0,0]].
  Question q;
  q.kind = QuestionKind::mask;
  q.variant = "causal";
  q.mask_expr = "causal";
  q.geometry = {2, 2, attn::Align::bottom_right};
  q.choices = {{"A", "", attn::BoolMatrix{{1, 1}, {0, 1}}, std::nullopt, "transposed"},
               {"B", "", attn::BoolMatrix{{1, 0}, {1, 1}}, std::nullopt, "correct"},
               {"C", "", attn::BoolMatrix{{0, 0}, {1, 0}}, std::nullopt, "diagonal"},
               {"D", "", attn::BoolMatrix{{0, 1}, {0, 0}}, std::nullopt, "inverted"}};
  const attn::Quiz quiz = one_question(q);
  CHECK(grade_one(quiz, "B").outcome == Outcome::right);
  CHECK(grade_one(quiz, "b").outcome == Outcome::right);
  CHECK(notes(grade_one(quiz, "A")) ==
        "(A): transposed: row i is the query and column j the key, so the keys a token may see "
        "run along its row; this matrix lets each token see the future instead of the past\n");
  CHECK(notes(grade_one(quiz, "C")) ==
        "(C): diagonal blocked: a token must be allowed to attend to itself (j = i); without it "
        "the first row has no key at all\n");
  CHECK(notes(grade_one(quiz, "D")) ==
        "(D): inverted polarity: here 1 marks the blocked keys (the convention of PyTorch's "
        "nn.MultiheadAttention), but the question asks for 1 = may attend\n");
  CHECK(grade_one(quiz, "D").mistake == "inverted");
  CHECK(notes(grade_one(quiz, "E")) == "there is no choice \"E\"; the choices are A, B, C, D\n");

  Question s;
  s.kind = QuestionKind::scaling;
  s.variant = "variance";
  s.d_k = 16;
  s.choices = {{"A", "$4$", std::nullopt, 4.0, "sqrt"},
               {"B", "$16$", std::nullopt, 16.0, "correct"},
               {"C", "$256$", std::nullopt, 256.0, "square"}};
  const attn::Quiz sq = one_question(s);
  CHECK(notes(grade_one(sq, "A")) ==
        "(A): √d_k is the standard deviation; the variance of a sum of d_k independent "
        "unit-variance products is d_k\n");
  CHECK(notes(grade_one(sq, "C")) ==
        "(C): variances of independent terms add: d_k terms of variance 1 give d_k, not d_k^2\n");
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

TEST_CASE("grade: a malformed answer marks its question wrong, and grading goes on") {
  attn::Quiz quiz = one_question(score_question());
  Question second = score_question();
  second.number = 2;
  attn::solve(second);
  quiz.questions.push_back(second);
  quiz.points.push_back(1);
  attn::StudentAnswers a;
  a.answers[1] = "-0.5";  // a number written as a string
  a.answers[2] = -0.5;
  const attn::GradeReport r = attn::grade(quiz, a, "answers.json");
  CHECK(r.verdicts[0].outcome == Outcome::wrong);
  CHECK(r.verdicts[0].mistake == "malformed");
  CHECK(notes(r.verdicts[0]) ==
        "answers.\"1\" must be a number, not the string \"-0.5\": write numbers without quotes\n");
  CHECK(r.verdicts[1].outcome == Outcome::right);
  CHECK(r.right == 1);
  a.answers[1] = true;
  CHECK(notes(attn::grade(quiz, a, "answers.json").verdicts[0]) ==
        "answers.\"1\" must be a number, an array of numbers or \"-inf\", not true\n");
  a.answers[1] = json::parse("[1, [2]]");
  CHECK(attn::grade(quiz, a, "answers.json").verdicts[0].mistake == "malformed");
}

TEST_CASE("grade: a missing answer, and answers labelled for another sheet") {
  const attn::Quiz quiz = one_question(score_question());
  attn::StudentAnswers a;
  CHECK(attn::grade(quiz, a, "answers.json").verdicts[0].outcome == Outcome::missing);
  a.seed = 99;
  const attn::GradeReport r = attn::grade(quiz, a, "answers.json");
  REQUIRE(r.warnings.size() == 1);
  CHECK(r.warnings[0] ==
        "answers.json: \"seed\" is 99, but the sheet's seed is 1: are these answers for another "
        "sheet?");
  attn::Quiz keyed = quiz;
  keyed.keyed = true;
  keyed.sheet_id = "AAAA-BBBB";
  keyed.student = "Ada";
  attn::StudentAnswers b;
  b.sheet = "CCCC-DDDD";
  b.student = "Bob";
  const attn::GradeReport k = attn::grade(keyed, b, "bob.json");
  REQUIRE(k.warnings.size() == 2);
  CHECK(k.warnings[0] ==
        "bob.json: the answers name sheet CCCC-DDDD, but Ada's sheet is AAAA-BBBB");
  CHECK(k.warnings[1] == "bob.json: the answers are labelled \"Bob\", but the sheet is Ada's");
}

TEST_CASE("grade: points and partial credit") {
  Question q;
  q.kind = QuestionKind::weights;
  q.scores = Matrix{{0, 0, 0, 0}};  // α = (0.25, 0.25, 0.25, 0.25)
  const attn::Quiz quiz = one_question(q);
  attn::StudentAnswers a;
  a.answers[1] = json::parse("[0.25, 0.25, 0.3, 0.2]");  // 2 of 4 cells right
  attn::GradeOptions o;
  o.points = {2};
  attn::GradeReport r = attn::grade(quiz, a, "a.json", o);
  CHECK(r.verdicts[0].outcome == Outcome::wrong);
  CHECK(r.verdicts[0].share == 0.5);
  CHECK(r.points == 0);
  CHECK(r.max_points == 2);
  o.partial = true;
  r = attn::grade(quiz, a, "a.json", o);
  CHECK(r.points == 1);  // 2 points × 2/4
  CHECK(r.verdicts[0].outcome == Outcome::wrong);
  a.answers[1] = json::parse("[0.25, 0.25, 0.25, 0.25]");
  CHECK(attn::grade(quiz, a, "a.json", o).points == 2);
}

TEST_CASE("grade: a free response is left to be marked by hand") {
  Question q;
  q.kind = QuestionKind::analyse;
  q.variant = "instability";
  q.figures = attn::ScalingFigures{64, 16, 200, 1};
  const attn::Quiz quiz = one_question(q);
  attn::StudentAnswers a;
  a.answers[1] = "Softmax saturates.";
  const attn::GradeReport r = attn::grade(quiz, a, "a.json");
  CHECK(r.verdicts[0].outcome == Outcome::by_hand);
  CHECK(r.verdicts[0].max_points == 4);
  CHECK(r.graded == 0);
  CHECK(r.by_hand_points == 4);
  a.answers[1] = 3;
  CHECK(r.verdicts[0].mistake.empty());
  CHECK(attn::grade(quiz, a, "a.json").verdicts[0].mistake == "malformed");
  const std::string text = attn::render_grades(r);
  CHECK(has(text,
            "  1. analyse  by hand: up to 4 points; the model answer and rubric are in the key"));
  CHECK(has(text, "Total: 0/0 right (and 4 points to mark by hand)"));
}

// ---- gradient and rope: each named mistake answered on purpose, its note as literal text -------

namespace {

Question gradient_question(const std::string& variant) {
  Question q;
  q.kind = QuestionKind::gradient;
  q.variant = variant;
  if (variant == "masked") {
    q.weights = Matrix{{0.5, 0, 0.2, 0.3}};
    q.mask_row = Matrix{{0, -kInf, 0, 0}};
    q.dalpha = Matrix{{2, 1, -1, 0}};
  } else if (variant == "query") {
    q.weights = Matrix{{0.4, 0.6}};
    q.dalpha = Matrix{{1, -1}};
    q.k = Matrix{{1, 0, 2, -1}, {-1, 1, 0, 1}};
  } else {
    q.weights = Matrix{{0.2, 0.3, 0.5}};
    q.dalpha = Matrix{{1, -1, 2}};
  }
  return q;
}

Question rope_rotate() {
  Question q;
  q.kind = QuestionKind::rope;
  q.variant = "rotate";
  q.q = Matrix{{1, 0}};
  q.k = Matrix{{0, 1}};
  q.q_position = 2;
  q.k_position = 1;
  return q;  // s = sin(2 − 1) = 0.8415
}

}  // namespace

TEST_CASE("gradient:softmax: each classic slip is named") {
  // α = (0.2, 0.3, 0.5), dα = (1, −1, 2): D = 0.2 − 0.3 + 1 = 0.9, dβ = (0.02, −0.57, 0.55)
  const attn::Quiz quiz = one_question(gradient_question("softmax"));
  CHECK(grade_one(quiz, json::parse("[0.02, -0.57, 0.55]")).outcome == Outcome::right);
  // α_j dα_j = (0.2, −0.3, 1)
  auto v = grade_one(quiz, json::parse("[0.2, -0.3, 1]"));
  CHECK(v.mistake == "no_centering");
  CHECK(notes(v) ==
        "you forgot the -Σ_l α_l dα_l term: every β_j moves every weight, so dβ_j = α_j (dα_j - "
        "Σ_l α_l dα_l)\n");
  // α_j (1 − α_j) dα_j = (0.16, −0.21, 0.5)
  v = grade_one(quiz, json::parse("[0.16, -0.21, 0.5]"));
  CHECK(v.mistake == "diagonal_only");
  CHECK(notes(v) ==
        "you used only ∂ α_j / ∂ β_j = α_j (1 - α_j), as for a sigmoid; softmax couples the keys: "
        "dβ_j = α_j (dα_j - Σ_l α_l dα_l)\n");
  // dα_j − D = (0.1, −1.9, 1.1)
  v = grade_one(quiz, json::parse("[0.1, -1.9, 1.1]"));
  CHECK(v.mistake == "no_weight");
  CHECK(notes(v) == "you left out the factor α_j: dβ_j = α_j (dα_j - Σ_l α_l dα_l)\n");
  // No slip, but the entries sum to 0.3 rather than 0.
  v = grade_one(quiz, json::parse("[0.1, 0.1, 0.1]"));
  CHECK(v.mistake == "dbeta_sum");
  CHECK(notes(v) ==
        "your dβ sums to 0.3, but a row of dβ always sums to 0: Σ_j α_j (dα_j - D) = D - D\n");
}

TEST_CASE("gradient:masked: gradient let into the blocked key is named") {
  // D = 0.5 × 2 + 0.2 × (−1) = 0.8; dβ = (0.6, 0, −0.36, −0.24); the blocked key's bracket
  // dα − D = 1 − 0.8 = 0.2 let through
  const attn::Quiz quiz = one_question(gradient_question("masked"));
  CHECK(grade_one(quiz, json::parse("[0.6, 0, -0.36, -0.24]")).outcome == Outcome::right);
  const auto v = grade_one(quiz, json::parse("[0.6, 0.2, -0.36, -0.24]"));
  CHECK(v.mistake == "blocked_gradient");
  CHECK(notes(v) ==
        "you let gradient flow into the blocked key: its weight is α_j = 0, so dβ_j = α_j (dα_j - "
        "D) = 0; a blocked score never reaches the output, and this query sends no gradient to its "
        "k_j or v_j\n");
}

TEST_CASE("gradient:query: a missing c and the other slips are named") {
  // dβ = (0.48, −0.48); dq = 0.5 × 0.48 × (k_1 − k_2) = (0.48, −0.24, 0.48, −0.48)
  const attn::Quiz quiz = one_question(gradient_question("query"));
  CHECK(grade_one(quiz, json::parse("[0.48, -0.24, 0.48, -0.48]")).outcome == Outcome::right);
  auto v = grade_one(quiz, json::parse("[0.96, -0.48, 0.96, -0.96]"));  // c = 1
  CHECK(v.mistake == "missing_c");
  CHECK(notes(v) ==
        "you left out c = 1/√d_k = 0.5: dq = c Σ_j dβ_j k_j, since the scores were c (q · k_j)\n");
  v = grade_one(quiz, json::parse("[0.24, -0.12, 0.24, -0.24]"));  // c = 1/4
  CHECK(v.mistake == "divided_by_dk");
  CHECK(notes(v) == "you used c = 1/d_k instead of 1/√d_k = 0.5\n");
  // dβ = α ⊙ dα = (0.4, −0.6): 0.5 × (0.4 k_1 − 0.6 k_2) = 0.5 × (1, −0.6, 0.8, −1)
  v = grade_one(quiz, json::parse("[0.5, -0.3, 0.4, -0.5]"));
  CHECK(v.mistake == "no_centering");
  CHECK(notes(v) ==
        "you forgot the -Σ_l α_l dα_l term of dβ: dβ_j = α_j (dα_j - Σ_l α_l dα_l), then dq = c "
        "Σ_j dβ_j k_j\n");
}

TEST_CASE("rope:rotate: the angle in degrees, rotating only q and the other slips are named") {
  const attn::Quiz quiz = one_question(rope_rotate());
  CHECK(grade_one(quiz, 0.841).outcome == Outcome::right);
  // degrees: s = sin(2° − 1°) = sin 1° = 0.017452
  auto v = grade_one(quiz, 0.017);
  CHECK(v.mistake == "degrees");
  CHECK(
      notes(v) ==
      "you took the angles in degrees: RoPE's angles are radians (mθ = 2 rad, cos 2 = -0.4161)\n");
  // only q: q' = (cos 2, sin 2), k = (0, 1): s = sin 2 = 0.9093
  v = grade_one(quiz, 0.909);
  CHECK(v.mistake == "only_q");
  CHECK(notes(v) ==
        "you rotated only q: the key is rotated too, by its own angle nθ = 1, and only then does "
        "the score depend on m - n alone\n");
  // the wrong way: sin(−2 + 1) = −0.8415
  v = grade_one(quiz, -0.841);
  CHECK(v.mistake == "wrong_direction");
  CHECK(notes(v) ==
        "you rotated the wrong way: RoPE turns (x_1, x_2) into (x_1 cos - x_2 sin, x_1 sin + x_2 "
        "cos), counter-clockwise\n");
  // no rotation: q·k = 0
  v = grade_one(quiz, 0);
  CHECK(v.mistake == "no_rotation");
  CHECK(notes(v) ==
        "you left out the rotation: that is q · k; RoPE rotates q by mθ and k by nθ first\n");
}

TEST_CASE("rope:shift and rope:pairing: the chosen distractor's mistake is named") {
  // q = (1, 0), k = (0, 1) at (3, 1): s = sin 2; (4, 2) keeps it, the others do not.
  Question s;
  s.kind = QuestionKind::rope;
  s.variant = "shift";
  s.q = Matrix{{1, 0}};
  s.k = Matrix{{0, 1}};
  s.q_position = 3;
  s.k_position = 1;
  using P = std::pair<std::int64_t, std::int64_t>;
  s.choices = {{"A", "", std::nullopt, std::nullopt, "swapped", P{1, 3}, {}},
               {"B", "", std::nullopt, std::nullopt, "correct", P{4, 2}, {}},
               {"C", "", std::nullopt, std::nullopt, "query_shifted", P{4, 1}, {}},
               {"D", "", std::nullopt, std::nullopt, "doubled", P{6, 2}, {}}};
  const attn::Quiz sq = one_question(s);
  CHECK(grade_one(sq, "B").outcome == Outcome::right);
  CHECK(notes(grade_one(sq, "A")) ==
        "(A): swapped: the score depends on the signed difference m - n; swapping the positions "
        "turns it into n - m, a rotation the other way\n");
  CHECK(notes(grade_one(sq, "C")) ==
        "(C): only the query moved: shifting m alone changes m - n, and with it the score\n");
  CHECK(notes(grade_one(sq, "D")) ==
        "(D): doubled: the score depends on the difference m - n, not on the ratio m / n; doubling "
        "both positions doubles the difference\n");
  CHECK(grade_one(sq, "D").mistake == "doubled");

  // GPT-J's rotate_every_two pairs the neighbours (0, 1), (2, 3).
  Question p;
  p.kind = QuestionKind::rope;
  p.variant = "pairing";
  p.formula = "gptj_every_two";
  p.choices = {
      {"A", "", std::nullopt, std::nullopt, "other_pairing", std::nullopt, {{0, 2}, {1, 3}}},
      {"B", "", std::nullopt, std::nullopt, "correct", std::nullopt, {{0, 1}, {2, 3}}},
      {"C", "", std::nullopt, std::nullopt, "mirrored", std::nullopt, {{0, 3}, {1, 2}}}};
  const attn::Quiz pq = one_question(p);
  CHECK(grade_one(pq, "B").outcome == Outcome::right);
  CHECK(grade_one(pq, "A").mistake == "other_pairing");
  CHECK(notes(grade_one(pq, "A")) ==
        "(A): the other convention: half pairs dimension i with i + d/2 (GPT-NeoX, Hugging Face's "
        "rotate_half, flash-attn by default), interleaved pairs the neighbours 2i and 2i + 1 "
        "(GPT-J, the RoFormer paper, Meta's complex numbers); weights read with the wrong one give "
        "other scores\n");
  CHECK(notes(grade_one(pq, "C")) ==
        "(C): no convention pairs dimension i with d - 1 - i: the pairs are (i, i + d/2) (half) or "
        "(2i, 2i + 1) (interleaved)\n");
}

// ---- The older kinds' notes, each answered on purpose and checked as literal text -------------

TEST_CASE("score: the bias and mask slips, literal notes") {
  Question b = score_question();
  b.bias = 1.5;  // β = −0.5 + 1.5 = 1; subtracting it gives −0.5 − 1.5 = −2
  auto v = grade_one(one_question(b), -2);
  CHECK(v.mistake == "bias_subtracted");
  CHECK(notes(v) == "you subtracted the bias instead of adding it\n");
  Question m = score_question();
  m.mask = -kInf;  // β = −∞; the blocked key read as a score of 0
  v = grade_one(one_question(m), 0);
  CHECK(v.mistake == "blocked_as_zero");
  CHECK(notes(v) ==
        "a blocked key's score is -∞, not 0: a score of 0 would still get weight after softmax\n");
  v = grade_one(one_question(m), -0.5);
  CHECK(v.mistake == "mask_ignored");
  CHECK(notes(v) == "you ignored the mask: M = -∞ blocks this key, so β = -∞ whatever q · k is\n");
  m.mask = 0.0;  // M = 0: visible, β = −0.5; −∞ treats it as blocked
  v = grade_one(one_question(m), "-inf");
  CHECK(v.mistake == "visible_as_blocked");
  CHECK(notes(v) == "M = 0 means the key is visible: adding 0 leaves the score as it is\n");
}

TEST_CASE("weights: literal notes of the four slips") {
  Question q;
  q.kind = QuestionKind::weights;
  q.scores = Matrix{{1, 2, 3}, {3, 2, 1}};  // down the columns, as in the test above
  auto v = grade_one(one_question(q), json::parse("[[0.119, 0.5, 0.881], [0.881, 0.5, 0.119]]"));
  CHECK(v.mistake == "wrong_axis");
  CHECK(notes(v) ==
        "you normalised over the wrong axis: softmax runs along each row (over the keys of one "
        "query), so each row, not each column, sums to 1\n");
  q.scores = Matrix{{1, 1, 2}};  // β_j / Σ β = (0.25, 0.25, 0.5)
  v = grade_one(one_question(q), json::parse("[0.25, 0.25, 0.5]"));
  CHECK(v.mistake == "no_exp");
  CHECK(notes(v) == "you divided the scores by their sum without taking exp first\n");
  q.scores = Matrix{{0, 1}};  // exp(β − 1) = (0.368, 1)
  v = grade_one(one_question(q), json::parse("[0.368, 1]"));
  CHECK(v.mistake == "not_normalised");
  CHECK(notes(v) == "you did not divide by the row sum: α_j = exp(β_j - m) / Σ_k exp(β_k - m)\n");
  q.scores = Matrix{{0, 0, -kInf}};  // −∞ read as 0: a third each
  v = grade_one(one_question(q), json::parse("[0.333, 0.333, 0.333]"));
  CHECK(v.mistake == "blocked_weighted");
  CHECK(notes(v) ==
        "you gave the blocked key weight: its score is -∞ and exp(-∞) = 0, so it gets none\n");
}

TEST_CASE("output: literal notes of the four slips") {
  // α = (0.3, 0.7), V = [[0, −1], [1, 2]]: o = (0.7, 1.1)
  Question q;
  q.kind = QuestionKind::output;
  q.weights = Matrix{{0.3, 0.7}};
  q.v = Matrix{{0, -1}, {1, 2}};
  const attn::Quiz quiz = one_question(q);
  CHECK(grade_one(quiz, json::parse("[0.7, 1.1]")).outcome == Outcome::right);
  auto v = grade_one(quiz, json::parse("[0.3, -0.1]"));  // 0.7 (0, −1) + 0.3 (1, 2)
  CHECK(v.mistake == "reversed_pairing");
  CHECK(notes(v) ==
        "you paired the weights with the values in reverse order: α_j weighs v_j, row j of V\n");
  v = grade_one(quiz, json::parse("[0.5, 0.5]"));  // the mean of the rows
  CHECK(v.mistake == "unweighted_mean");
  CHECK(notes(v) == "you averaged the values without the weights: o = Σ_j α_j v_j\n");
  v = grade_one(quiz, json::parse("[1, 1]"));  // their sum
  CHECK(v.mistake == "unweighted_sum");
  CHECK(notes(v) == "you summed the values without weighting them by α_j\n");
  v = grade_one(quiz, json::parse("[-0.7, 1.7]"));  // 0.3 (0, 1) + 0.7 (−1, 2), the columns
  CHECK(v.mistake == "columns_of_v");
  CHECK(notes(v) == "you weighted the columns of V instead of its rows: v_j is row j\n");
}

TEST_CASE("bias: literal notes of every slip") {
  Question q;
  q.kind = QuestionKind::bias;
  q.geometry = {6, 6, attn::Align::bottom_right};
  q.score = 0.5;
  q.variant = "alibi";
  q.slope = 0.25;
  q.query = 5;
  q.key = 2;  // β = 0.5 − 0.25 × 3 = −0.25
  const attn::Quiz alibi = one_question(q);
  auto v = grade_one(alibi, 0.5);
  CHECK(v.mistake == "no_bias");
  CHECK(notes(v) == "you forgot to add the bias\n");
  v = grade_one(alibi, 1.25);  // + 0.25 × 3
  CHECK(v.mistake == "alibi_sign");
  CHECK(notes(v) ==
        "you added +m_h (i - j): ALiBi adds -m_h (i - j), so keys further in the past are pushed "
        "down\n");
  v = grade_one(alibi, -2.5);  // 0.5 − 3
  CHECK(v.mistake == "alibi_no_slope");
  CHECK(notes(v) == "you forgot to multiply the distance by the slope m_h = 0.25\n");
  Question r;
  r.kind = QuestionKind::bias;
  r.geometry = {6, 6, attn::Align::bottom_right};
  r.score = 0.5;
  r.variant = "relative";
  r.table = {-0.5, -1, 0, 2, 0.5};
  r.query = 1;
  r.key = 3;  // b(j − i = 2) = 0.5: β = 1; b(i − j = −2) = −0.5 gives 0
  v = grade_one(one_question(r), 0);
  CHECK(v.mistake == "relative_reversed");
  CHECK(notes(v) == "you looked up b(i - j): the distance is j - i (key minus query)\n");
}

TEST_CASE("mask and scaling: every distractor's note, literal") {
  // The note of a chosen distractor is "(label): " and its mistake; a 2 × 2 causal question with
  // one distractor at a time, its matrix any wrong one.
  const std::pair<const char*, const char*> mask_notes[] = {
      {"transposed_rows",
       "transposed: row i is the query and column j the key; this matrix swaps them"},
      {"inverted_scores",
       "inverted: the score must stay where the key is at or before the query (j ≤ i) and -∞ go on "
       "the future keys (j > i); this matrix keeps the future and masks the past"},
      {"top_left",
       "top-left alignment: the queries are the last tokens, so query i sits at position i + n_k - "
       "n_q (bottom-right); top-left and bottom-right agree only when n_q = n_k"},
      {"window_plus_one",
       "off by one: this window holds W + 1 keys (i - j ≤ W, attention-gym's count) instead of W "
       "(i - W < j ≤ i)"},
      {"window_bidirectional",
       "looks ahead: this is a bidirectional window (|i - j| < W), but a causal sliding window "
       "only looks back"},
      {"no_mask", "no mask at all: every key is visible"},
      {"prefix_ignored",
       "plain causal: the prefix tokens must see the whole prefix, including the prefix tokens "
       "after them"},
      {"prefix_plus_one", "off by one: the prefix here is one token too long"},
      {"prefix_only",
       "only the prefix is visible: the tokens after it must also see themselves and the tokens "
       "before them"},
      {"padding_rows",
       "blocks the padded queries (rows) instead of the padded keys (columns): key padding hides "
       "the padding tokens from every query"},
      {"padding_plus_one", "off by one: one padding key is left visible (j ≤ L instead of j < L)"}};
  for (const auto& [id, note] : mask_notes) {
    CAPTURE(id);
    Question q;
    q.kind = QuestionKind::mask;
    q.variant = "causal";
    q.mask_expr = "causal";
    q.geometry = {2, 2, attn::Align::bottom_right};
    q.choices = {{"A", "", attn::BoolMatrix{{1, 0}, {1, 1}}, std::nullopt, "correct"},
                 {"B", "", attn::BoolMatrix{{1, 1}, {1, 1}}, std::nullopt, id}};
    const auto v = grade_one(one_question(q), "B");
    CHECK(v.mistake == id);
    CHECK(notes(v) == std::string("(B): ") + note + "\n");
  }
  const std::pair<const char*, const char*> scaling_notes[] = {
      {"overflow",
       "overflow is not the problem: a double holds dot products far beyond any realistic d_k; the "
       "trouble is that large scores saturate the softmax"},
      {"normalise",
       "softmax already makes the weights sum to 1 whatever the scale; the factor controls how "
       "peaked they are"},
      {"length", "the factor depends on d_k, the width of q and k, not on the number of keys"},
      {"variance_not_std",
       "dividing by d_k would shrink the variance to 1/d_k; dividing by the standard deviation "
       "√d_k brings it to 1"},
      {"gradient_explodes",
       "the opposite happens: a saturated softmax has a gradient near 0, so learning stalls; "
       "nothing explodes"},
      {"one", "each product q_t k_t has variance 1, but the sum of d_k of them has variance d_k"},
      {"unscaled",
       "that is the variance before scaling; dividing by √d_k divides the variance by d_k"},
      {"sqrt_scaled",
       "Var(cX) = c^2 Var(X): dividing by √d_k divides the variance by d_k, not by √d_k"},
      {"twice",
       "that divides the variance by d_k twice: Var(q · k) = d_k and (1/√d_k)^2 = 1/d_k, so the "
       "scaled variance is 1"}};
  for (const auto& [id, note] : scaling_notes) {
    CAPTURE(id);
    Question s;
    s.kind = QuestionKind::scaling;
    s.variant = "variance";
    s.d_k = 16;
    s.choices = {{"A", "$16$", std::nullopt, 16.0, "correct"}, {"B", "$1$", std::nullopt, 1.0, id}};
    const auto v = grade_one(one_question(s), "B");
    CHECK(v.mistake == id);
    CHECK(notes(v) == std::string("(B): ") + note + "\n");
  }
}

TEST_CASE("order and the fallback notes, literal") {
  Question q;
  q.kind = QuestionKind::order;
  // labels in canonical order: A dot, B scale, C mask, D softmax, E output
  for (std::size_t n = 0; n < 5; ++n)
    q.choices.push_back({std::string(1, static_cast<char>('A' + n)), "", std::nullopt, std::nullopt,
                         std::string(attn::order_step_ids()[n])});
  const attn::Quiz quiz = one_question(q);
  const std::pair<const char*, const char*> orders[] = {
      {"ABDCE",
       "\"add the mask M_ij (0 where allowed, -∞ where blocked)\" must come before \"take the "
       "softmax of each row, over the keys\": the mask must be added before softmax, so that a "
       "blocked key gets exp(-∞) = 0; masking the weights afterwards leaves rows that no longer "
       "sum to 1"},
      {"ACBDE",
       "\"multiply every score by 1/√d_k\" must come before \"add the mask M_ij (0 where allowed, "
       "-∞ where blocked)\": scale before the mask: for a 0/-∞ mask the result is the same, but an "
       "additive mask or bias must not be scaled"},
      {"ABCED",
       "\"take the softmax of each row, over the keys\" must come before \"sum the value vectors "
       "weighted by α_ij\": the weighted sum needs the result of the earlier step"},
      {"BACDE",
       "\"compute the dot products s_ij = q_i · k_j\" must come before \"multiply every score by "
       "1/√d_k\": every later step needs the result of the earlier step"},
      {"ABCD", "give each of the letters ABCDE exactly once"}};
  for (const auto& [given, note] : orders) {
    CAPTURE(given);
    CHECK(notes(grade_one(quiz, given)) == std::string(note) + "\n");
  }
  // No slip: the sign, the rounding, and weights whose row does not sum to 1.
  const attn::Quiz score = one_question(score_question());  // β = −0.5
  auto v = grade_one(score, 0.5);
  CHECK(v.mistake == "sign");
  CHECK(notes(v) == "your value has the wrong sign\n");
  v = grade_one(score, -0.54);
  CHECK(v.mistake == "rounding");
  CHECK(notes(v) == "close: check the rounding (answers to 3 decimals)\n");
  // 0.3 away from β = −0.5 is no rounding slip, and −0.8 has β's own sign: no note at all
  v = grade_one(score, -0.8);
  CHECK(v.outcome == Outcome::wrong);
  CHECK(v.mistake.empty());
  CHECK(notes(v).empty());
  Question w;
  w.kind = QuestionKind::weights;
  w.scores = Matrix{{0, 0, 0, 0}};  // α = 0.25 each
  v = grade_one(one_question(w), json::parse("[0.5, 0.5, 0.5, 0.5]"));
  CHECK(v.mistake == "row_sum");
  CHECK(notes(v) == "row 0 of your weights sums to 2, not 1\n");
}
