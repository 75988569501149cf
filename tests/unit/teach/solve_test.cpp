#include "attn/teach/solve.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "attn/core/bias.hpp"
#include "attn/core/error.hpp"

using attn::Matrix;
using attn::Question;
using attn::QuestionKind;
using doctest::Approx;

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
}

TEST_CASE("solve: score") {
  Question q;
  q.kind = QuestionKind::score;
  q.q = Matrix{{2, 0.5, 1, -1.5}};
  q.k = Matrix{{1, 1, -0.5, 2}};
  // q·k = 2 + 0.5 − 0.5 − 3 = −1; √4 = 2; β = −0.5
  attn::solve(q);
  CHECK(q.answer.values == Matrix{{-0.5}});
  CHECK(q.trace->dot == Matrix{{-1}});
  CHECK(*q.trace->root_d_k == 2);
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

TEST_CASE("solve: output, with the weights and values kept in the trace") {
  Question q;
  q.kind = QuestionKind::output;
  q.weights = Matrix{{0.3, 0.7}};
  q.v = Matrix{{0, -1, -1}, {1, 1, 2}};
  // o_1 = 0.3×0 + 0.7×1 = 0.7; o_2 = −0.3 + 0.7 = 0.4; o_3 = −0.3 + 1.4 = 1.1
  attn::solve(q);
  CHECK(q.answer.values(0, 0) == Approx(0.7));
  CHECK(q.answer.values(0, 1) == Approx(0.4));
  CHECK(q.answer.values(0, 2) == Approx(1.1));
  REQUIRE(q.trace);
  CHECK(q.trace->softmax->weights == *q.weights);
  CHECK(*q.trace->v == *q.v);
  CHECK(*q.trace->output == q.answer.values);
}

TEST_CASE("solve: bias, with the cell's bias and clipped distance") {
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
    CHECK(*q.cell_bias == -0.75);
  }
  SUBCASE("relative, clipped") {
    // table for d = −2 … 2; i = 4, j = 0: d = clip(−4) = −2 → b = −0.5; β = 0.5 − 0.5 = 0
    q.variant = "relative";
    q.table = {-0.5, -1, 0, 2, 0.5};
    q.query = 4;
    q.key = 0;
    attn::solve(q);
    CHECK(q.answer.values == Matrix{{0.0}});
    CHECK(*q.distance == -2);
    // i = 1, j = 3: d = 2 → b = 0.5; β = 1
    q.query = 1;
    q.key = 3;
    attn::solve(q);
    CHECK(q.answer.values == Matrix{{1.0}});
    CHECK(*q.distance == 2);
    // i = 2, j = 1: d = −1 → b = −1; β = −0.5
    q.query = 2;
    q.key = 1;
    attn::solve(q);
    CHECK(*q.distance == -1);
    CHECK(q.answer.values == Matrix{{-0.5}});
  }
  SUBCASE("a cell outside the matrix") {
    q.slope = 0.5;
    q.query = 6;
    CHECK_THROWS_AS(attn::solve(q), attn::Error);
  }
}

TEST_CASE("solve: multiple choice needs exactly one right option") {
  Question q;
  q.kind = QuestionKind::mask;
  q.number = 3;
  q.mask_expr = "causal";
  q.geometry = {2, 2, attn::Align::bottom_right};
  q.choices = {{"A", "", attn::BoolMatrix{{1, 1}, {1, 1}}, std::nullopt, "no_mask"}};
  CHECK_THROWS_WITH_AS(attn::solve(q), "question 3 (mask): no choice is right", attn::Error);
  q.choices.push_back({"B", "", attn::BoolMatrix{{1, 0}, {1, 1}}, std::nullopt, "correct"});
  attn::solve(q);
  CHECK(q.answer.labels == "B");
  q.choices.push_back({"C", "", attn::BoolMatrix{{1, 0}, {1, 1}}, std::nullopt, "correct"});
  CHECK_THROWS_WITH_AS(attn::solve(q), "question 3 (mask): choices B and C are both right",
                       attn::Error);
}

TEST_CASE("measure_scaling and the analyse question's model answer") {
  // The scaling experiment's own law: Var(q·k) ≈ d_k, ≈ 1 once scaled (within the sampling
  // error of 200 × 16 draws: the variance of a variance estimate of a sum of d_k products is
  // about 2·d_k²/n, so ±3σ ≈ ±0.075·d_k).
  const attn::ScalingFigures f = attn::measure_scaling(256, 16, 200, 5);
  CHECK(std::abs(f.var_dot / 256 - 1) < 0.2);
  CHECK(std::abs(f.var_scaled - 1) < 0.2);
  CHECK(f.var_scaled == Approx(f.var_dot / 256));
  CHECK(f.entropy_uniform == Approx(std::log(16.0)));
  CHECK(f.max_weight_unscaled > f.max_weight_scaled);
  CHECK(f.jacobian_unscaled < f.jacobian_scaled);
  Question q;
  q.kind = QuestionKind::analyse;
  q.variant = "instability";
  q.figures = attn::ScalingFigures{256, 16, 200, 5};
  attn::solve(q);
  CHECK(q.answer.free());
  CHECK(q.answer.rubric.size() == 4);
  CHECK(q.figures->var_dot == f.var_dot);  // measured again by solve, the same numbers
  CHECK(q.answer.model.find("Without the factor the scores are too large") != std::string::npos);
}
