#include "attn/teach/solution.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <set>

#include "attn/teach/generate.hpp"
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

TEST_CASE("worked solution: gradient:softmax, by hand") {
  // α = (0.2, 0.3, 0.5), dα = (1, −1, 2): D = 0.2 − 0.3 + 1 = 0.9;
  // dβ = (0.2 × 0.1, 0.3 × (−1.9), 0.5 × 1.1) = (0.02, −0.57, 0.55)
  Question q;
  q.kind = QuestionKind::gradient;
  q.variant = "softmax";
  q.weights = Matrix{{0.2, 0.3, 0.5}};
  q.dalpha = Matrix{{1, -1, 2}};
  attn::solve(q);
  CHECK(text_of(q) == std::vector<std::string>{
                          "D = Σ_l α_l dα_l = 0.2 × 1 + 0.3 × (-1) + 0.5 × 2 = 0.9",
                          "dβ_1 = α_1 (dα_1 - D) = 0.2 × (1 - 0.9) = 0.02",
                          "dβ_2 = α_2 (dα_2 - D) = 0.3 × (-1 - 0.9) = -0.57",
                          "dβ_3 = α_3 (dα_3 - D) = 0.5 × (2 - 0.9) = 0.55",
                          "dβ = (0.02, -0.57, 0.55) (its entries sum to 0, as every dβ row does)"});
  CHECK(attn::markup_to_text(attn::answer_markup(q)) == "dβ = (0.02, -0.57, 0.55)");
}

TEST_CASE("worked solution: gradient:masked says which key gets no gradient") {
  // α = (0.5, 0, 0.2, 0.3), the second key blocked, dα = (2, 1, −1, 0): D = 1 + 0 − 0.2 + 0 = 0.8
  Question q;
  q.kind = QuestionKind::gradient;
  q.variant = "masked";
  q.weights = Matrix{{0.5, 0, 0.2, 0.3}};
  q.mask_row = Matrix{{0, -kInf, 0, 0}};
  q.dalpha = Matrix{{2, 1, -1, 0}};
  attn::solve(q);
  const auto lines = text_of(q);
  REQUIRE(lines.size() == 6);
  CHECK(lines[0] == "D = Σ_l α_l dα_l = 0.5 × 2 + 0 × 1 + 0.2 × (-1) + 0.3 × 0 = 0.8");
  CHECK(lines[1] == "dβ_1 = α_1 (dα_1 - D) = 0.5 × (2 - 0.8) = 0.6");
  CHECK(lines[2] ==
        "key 2 is blocked: α_2 = 0, so dβ_2 = 0 whatever dα_2 is; a blocked score never reaches "
        "the output, and this query sends no gradient to its k or v");
  CHECK(lines[5] == "dβ = (0.6, 0, -0.36, -0.24) (its entries sum to 0, as every dβ row does)");
}

TEST_CASE("worked solution: gradient:query, by hand") {
  // D = 0.4 − 0.6 = −0.2; dβ = (0.48, −0.48); c = 0.5;
  // dq_1 = 0.5 × (0.48 × 1 + (−0.48) × (−1)) = 0.48, dq_2 = 0.5 × (0 − 0.48) = −0.24, …
  Question q;
  q.kind = QuestionKind::gradient;
  q.variant = "query";
  q.weights = Matrix{{0.4, 0.6}};
  q.dalpha = Matrix{{1, -1}};
  q.k = Matrix{{1, 0, 2, -1}, {-1, 1, 0, 1}};
  attn::solve(q);
  CHECK(text_of(q) == std::vector<std::string>{
                          "D = Σ_l α_l dα_l = 0.4 × 1 + 0.6 × (-1) = -0.2",
                          "dβ_1 = α_1 (dα_1 - D) = 0.4 × (1 - (-0.2)) = 0.48",
                          "dβ_2 = α_2 (dα_2 - D) = 0.6 × (-1 - (-0.2)) = -0.48", "c = 1/√4 = 0.5",
                          "dq_1 = c Σ_j dβ_j k_j1 = 0.5 × (0.48 × 1 + (-0.48) × (-1)) = 0.48",
                          "dq_2 = c Σ_j dβ_j k_j2 = 0.5 × (0.48 × 0 + (-0.48) × 1) = -0.24",
                          "dq_3 = c Σ_j dβ_j k_j3 = 0.5 × (0.48 × 2 + (-0.48) × 0) = 0.48",
                          "dq_4 = c Σ_j dβ_j k_j4 = 0.5 × (0.48 × (-1) + (-0.48) × 1) = -0.48",
                          "dq = (0.48, -0.24, 0.48, -0.48)"});
}

TEST_CASE("worked solution: rope:rotate, by hand") {
  // q = (1, 0) at m = 2: cos 2 = −0.4161, sin 2 = 0.9093, q' = (−0.4161, 0.9093);
  // k = (0, 1) at n = 1: cos 1 = 0.5403, sin 1 = 0.8415, k' = (−0.8415, 0.5403);
  // s = 0.4161 × 0.8415 + 0.9093 × 0.5403 = 0.3502 + 0.4913 = 0.8415 = sin 1
  Question q;
  q.kind = QuestionKind::rope;
  q.variant = "rotate";
  q.q = Matrix{{1, 0}};
  q.k = Matrix{{0, 1}};
  q.q_position = 2;
  q.k_position = 1;
  attn::solve(q);
  CHECK(text_of(q) ==
        std::vector<std::string>{
            "mθ = 2: cos 2 = -0.4161, sin 2 = 0.9093, so q' = (1 × (-0.4161) - 0 × 0.9093, 1 × "
            "0.9093 + 0 × (-0.4161)) = (-0.4161, 0.9093)",
            "nθ = 1: cos 1 = 0.5403, sin 1 = 0.8415, so k' = (0 × 0.5403 - 1 × 0.8415, 0 × "
            "0.8415 + 1 × 0.5403) = (-0.8415, 0.5403)",
            "s = q' · k' = (-0.4161) × (-0.8415) + 0.9093 × 0.5403 = 0.841",
            "the score depends on m - n = 1 only: rotating q alone by (m - n)θ gives the same s"});
  CHECK(attn::markup_to_text(attn::answer_markup(q)) == "s = 0.841");
}

TEST_CASE("worked solution: rope:shift and rope:pairing name the right option and each mistake") {
  // q = (1, 0), k = (0, 1): s(m, n) = sin(m − n); s(3, 1) = sin 2 = 0.9093 = s(4, 2)
  Question q;
  q.kind = QuestionKind::rope;
  q.variant = "shift";
  q.q = Matrix{{1, 0}};
  q.k = Matrix{{0, 1}};
  q.q_position = 3;
  q.k_position = 1;
  q.choices = {{"A",
                "$(m', n') = (1, 3)$",
                std::nullopt,
                std::nullopt,
                "swapped",
                std::pair<std::int64_t, std::int64_t>{1, 3},
                {}},
               {"B",
                "$(m', n') = (4, 2)$",
                std::nullopt,
                std::nullopt,
                "correct",
                std::pair<std::int64_t, std::int64_t>{4, 2},
                {}}};
  attn::solve(q);
  CHECK(text_of(q) ==
        std::vector<std::string>{
            "(B): the rotated score depends on the positions only through m - n = 2, and (4, 2) "
            "has 4 - 2 = 2",
            "in numbers: s(3, 1) = 0.9093; the options give (A) -0.9093, (B) 0.9093",
            "not (A): swapped: the score depends on the signed difference m - n; swapping the "
            "positions turns it into n - m, a rotation the other way"});

  Question p;
  p.kind = QuestionKind::rope;
  p.variant = "pairing";
  p.formula = "flash_interleaved";
  p.choices = {{"A",
                "$(x_0, x_3)$ and $(x_1, x_2)$",
                std::nullopt,
                std::nullopt,
                "mirrored",
                std::nullopt,
                {{0, 3}, {1, 2}}},
               {"B",
                "$(x_0, x_1)$ and $(x_2, x_3)$",
                std::nullopt,
                std::nullopt,
                "correct",
                std::nullopt,
                {{0, 1}, {2, 3}}}};
  attn::solve(p);
  CHECK(text_of(p) ==
        std::vector<std::string>{
            "(B): this is the interleaved convention, which pairs the neighbours 2i and 2i + 1: "
            "(x_0, x_1) and (x_2, x_3)",
            "not (A): no convention pairs dimension i with d - 1 - i: the pairs are (i, i + d/2) "
            "(half) or (2i, 2i + 1) (interleaved)"});
}

TEST_CASE("worked solution: mask:cache and mask:window state the rule with the right offset") {
  // mask:cache has 2 queries at the last 2 of n_k positions: query i sits at p = i + n_k − 2
  // (n_k = 4 gives i + 2, n_k = 5 gives i + 3). mask:window keeps the W keys i − W < j ≤ i.
  std::set<std::size_t> widths;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    attn::SeededRng rng(seed);
    Question c = attn::make_question(QuestionKind::mask, std::string("cache"), rng);
    attn::solve(c);
    const std::size_t n_k = c.geometry.n_k;
    widths.insert(n_k);
    const std::string rule = "query i sits at position p = i + n_k - n_q = i + " +
                             std::to_string(n_k - 2) + " and may attend key j when j ≤ p";
    CAPTURE(seed);
    CHECK(text_of(c).front() == "(" + c.answer.labels + ") is the mask causal: " + rule);
    Question w = attn::make_question(QuestionKind::mask, std::string("window"), rng);
    attn::solve(w);
    CHECK(text_of(w).front() == "(" + w.answer.labels + ") is the mask " + w.mask_expr +
                                    ": query i may attend key j when i - W < j ≤ i");
  }
  CHECK(widths == std::set<std::size_t>{4, 5});
}
