#include "attn/teach/solution.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "attn/teach/solve.hpp"
#include "attn/teach/tex.hpp"

using attn::Matrix;
using attn::Question;
using attn::QuestionKind;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

std::vector<std::string> text_of(const Question& q) {
  std::vector<std::string> out;
  for (const auto& l : attn::worked_solution(q)) out.push_back(attn::markup_to_text(l));
  return out;
}

Question score_question() {
  Question q;
  q.kind = QuestionKind::score;
  q.variant = "plain";
  q.q = Matrix{{2, 0.5, 1, -1.5}};
  q.k = Matrix{{1, 1, -0.5, 2}};
  attn::solve(q);
  return q;
}

}  // namespace

TEST_CASE("worked solution: score, by hand") {
  // q·k = 2·1 + 0.5·1 + 1·(−0.5) + (−1.5)·2 = 2 + 0.5 − 0.5 − 3 = −1; √4 = 2; β = −0.5
  CHECK(text_of(score_question()) ==
        std::vector<std::string>{"q · k = 2 × 1 + 0.5 × 1 + 1 × (-0.5) + (-1.5) × 2 = -1",
                                 "√d_k = √4 = 2, so q · k / √d_k = -1 / 2 = -0.5", "β = -0.5"});
  CHECK(attn::markup_to_text(attn::answer_markup(score_question())) == "β = -0.5");
}

TEST_CASE("worked solution: every number comes from the trace, none is recomputed") {
  // Change the kept numbers and the solution shows the changed ones: nothing is computed again.
  Question q = score_question();
  q.trace->dot(0, 0) = 11;
  q.trace->root_d_k = 7;
  q.trace->scaled(0, 0) = 13;
  q.trace->scores(0, 0) = 17;
  CHECK(text_of(q) ==
        std::vector<std::string>{"q · k = 2 × 1 + 0.5 × 1 + 1 × (-0.5) + (-1.5) × 2 = 11",
                                 "√d_k = √4 = 7, so q · k / √d_k = 11 / 7 = 13", "β = 17"});

  Question w;
  w.kind = QuestionKind::weights;
  w.variant = "row";
  w.scores = Matrix{{0, 1}};
  attn::solve(w);
  w.trace->softmax->row_max[0] = 5;
  w.trace->softmax->exps = Matrix{{0.25, 0.5}};
  w.trace->softmax->row_sum[0] = 9;
  w.trace->softmax->weights = Matrix{{0.125, 0.875}};
  const auto lines = text_of(w);
  CHECK(lines[0].find("m = 5;") != std::string::npos);
  // the exponents are β − m with the kept m: 0 − 5 and 1 − 5
  CHECK(lines[1] == "exp(β_j - m) = (e^(-5), e^(-4)) = (0.25, 0.5)");
  CHECK(lines[2] == "their sum is 9; divide each by it: α = (0.125, 0.875)");

  Question o;
  o.kind = QuestionKind::output;
  o.variant = "plain";
  o.weights = Matrix{{0.5, 0.5}};
  o.v = Matrix{{3, -2}, {2, 2}};
  attn::solve(o);
  o.trace->output = Matrix{{8, 9}};
  CHECK(text_of(o) == std::vector<std::string>{"o_1 = 0.5 × 3 + 0.5 × 2 = 8",
                                               "o_2 = 0.5 × (-2) + 0.5 × 2 = 9", "o = (8, 9)"});
}

TEST_CASE("worked solution: weights with a blocked key, by hand") {
  // β = [0, ln 3 ≈ 1.0986, −∞]: m = 1.0986; exp(β − m) = (1/3, 1, 0); Σ = 4/3; α = (0.25, 0.75, 0)
  Question q;
  q.kind = QuestionKind::weights;
  q.variant = "masked";
  q.scores = Matrix{{0, std::log(3.0), -kInf}};
  attn::solve(q);
  const auto lines = text_of(q);
  REQUIRE(lines.size() == 3);
  CHECK(lines[1] == "exp(β_j - m) = (e^(-1.0986), e^0, e^(-∞)) = (0.3333, 1, 0)");
  CHECK(lines[2] == "their sum is 1.3333; divide each by it: α = (0.25, 0.75, 0)");
}

TEST_CASE("worked solution: bias, relative and ALiBi") {
  Question q;
  q.kind = QuestionKind::bias;
  q.variant = "relative";
  q.geometry = {6, 6, attn::Align::bottom_right};
  q.score = 0.5;
  q.table = {-0.5, -1, 0, 2, 0.5};
  q.query = 4;
  q.key = 0;  // d = clip(0 − 4) = −2, b(−2) = −0.5, β = 0
  attn::solve(q);
  CHECK(text_of(q) ==
        std::vector<std::string>{"d = clip(j - i, -2, 2) = clip(0 - 4, -2, 2) = -2, so the bias is "
                                 "b(-2) = -0.5",
                                 "β_ij = 0.5 + (-0.5) = 0"});
  q.variant = "alibi";
  q.heads = 8;
  q.head = 2;
  q.slope = 0.25;
  q.query = 5;
  q.key = 2;  // −0.25 × 3 = −0.75
  attn::solve(q);
  CHECK(text_of(q) == std::vector<std::string>{"m_h = 2^(-8 · 2 / 8) = 0.25",
                                               "bias = -m_h (i - j) = -0.25 × (5 - 2) = -0.75",
                                               "β_ij = 0.5 + (-0.75) = -0.25"});
}

TEST_CASE("worked solution: analyse gives the model answer and the rubric") {
  Question q;
  q.kind = QuestionKind::analyse;
  q.variant = "instability";
  q.figures = attn::ScalingFigures{64, 16, 200, 1};
  attn::solve(q);
  const auto lines = text_of(q);
  REQUIRE(lines.size() == 6);
  CHECK(lines[0].starts_with("Model answer: Without the factor the scores are too large"));
  CHECK(lines[1] == "Rubric (4 points, marked by hand):");
  CHECK(lines[2].starts_with("(1) the variance of q · k grows like d_k"));
}
