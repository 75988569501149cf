#include "attn/teach/solve.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "attn/core/bias.hpp"
#include "attn/core/error.hpp"
#include "models.hpp"

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

namespace {

Question gradient_question(std::string variant, Matrix alpha, Matrix dalpha) {
  Question q;
  q.kind = QuestionKind::gradient;
  q.variant = std::move(variant);
  q.weights = std::move(alpha);
  q.dalpha = std::move(dalpha);
  return q;
}

// L(β) = Σ_j dα_j softmax(β)_j, the loss whose gradient with respect to α is dα.
double loss_of_scores(const std::vector<double>& beta, const std::vector<double>& dalpha) {
  return models::dot(models::softmax(beta), dalpha);
}

}  // namespace

TEST_CASE("solve: gradient:softmax, by hand and by finite differences") {
  // α = (0.2, 0.3, 0.5), dα = (1, −1, 2): D = 0.2 − 0.3 + 1 = 0.9;
  // dβ = (0.2 × 0.1, 0.3 × (−1.9), 0.5 × 1.1) = (0.02, −0.57, 0.55)
  Question q = gradient_question("softmax", Matrix{{0.2, 0.3, 0.5}}, Matrix{{1, -1, 2}});
  attn::solve(q);
  REQUIRE(q.grad);
  CHECK(q.grad->row_dot[0] == Approx(0.9));
  CHECK(q.answer.values(0, 0) == Approx(0.02));
  CHECK(q.answer.values(0, 1) == Approx(-0.57));
  CHECK(q.answer.values(0, 2) == Approx(0.55));
  // Central differences of L(β) at β = ln α, where softmax(β) = α: independent of the backward.
  const std::vector<double> alpha{0.2, 0.3, 0.5}, dalpha{1, -1, 2};
  for (std::size_t j = 0; j < 3; ++j) {
    std::vector<double> up, down;
    for (double a : alpha) up.push_back(std::log(a));
    down = up;
    const double h = 1e-6;
    up[j] += h;
    down[j] -= h;
    CAPTURE(j);
    CHECK(q.answer.values(0, j) ==
          Approx((loss_of_scores(up, dalpha) - loss_of_scores(down, dalpha)) / (2 * h))
              .epsilon(1e-7));
  }
}

TEST_CASE("solve: gradient:masked, the blocked key gets 0") {
  // α = (0.5, 0, 0.2, 0.3), key 2 blocked, dα = (2, 1, −1, 0): D = 1 − 0.2 = 0.8;
  // dβ = (0.5 × 1.2, 0, 0.2 × (−1.8), 0.3 × (−0.8)) = (0.6, 0, −0.36, −0.24)
  Question q = gradient_question("masked", Matrix{{0.5, 0, 0.2, 0.3}}, Matrix{{2, 1, -1, 0}});
  q.mask_row = Matrix{{0, -kInf, 0, 0}};
  attn::solve(q);
  CHECK(q.answer.values(0, 0) == Approx(0.6));
  CHECK(q.answer.values(0, 1) == 0.0);
  CHECK(q.answer.values(0, 2) == Approx(-0.36));
  CHECK(q.answer.values(0, 3) == Approx(-0.24));
  // A blocked key with a weight is not a masked softmax row.
  q.weights = Matrix{{0.5, 0.1, 0.1, 0.3}};
  q.number = 4;
  CHECK_THROWS_WITH_AS(attn::solve(q),
                       "question 4 (gradient): key 1 is blocked but has the weight 0.1",
                       attn::Error);
}

TEST_CASE("solve: gradient:query, by hand and by finite differences") {
  // α = (0.4, 0.6), dα = (1, −1): D = 0.4 − 0.6 = −0.2; dβ = (0.4 × 1.2, 0.6 × (−0.8)) =
  // (0.48, −0.48). c = 1/√4 = 0.5: dq = 0.5 × 0.48 × (k_1 − k_2) = 0.24 × (2, −1, 2, −2)
  //   = (0.48, −0.24, 0.48, −0.48)
  Question q = gradient_question("query", Matrix{{0.4, 0.6}}, Matrix{{1, -1}});
  const Matrix k{{1, 0, 2, -1}, {-1, 1, 0, 1}};
  q.k = k;
  attn::solve(q);
  const double by_hand[] = {0.48, -0.24, 0.48, -0.48};
  for (std::size_t t = 0; t < 4; ++t) CHECK(q.answer.values(0, t) == Approx(by_hand[t]));
  // L(q) = Σ_j dα_j softmax_j(c q·k_j + ln α_j): at q = 0 the weights are α, and ∂L/∂q is dq.
  const auto loss = [&](const std::vector<double>& qv) {
    std::vector<double> beta;
    const double alpha[] = {0.4, 0.6};
    for (std::size_t j = 0; j < 2; ++j)
      beta.push_back(0.5 * models::dot(qv, models::row(k, j)) + std::log(alpha[j]));
    return loss_of_scores(beta, {1, -1});
  };
  for (std::size_t t = 0; t < 4; ++t) {
    std::vector<double> up(4, 0.0), down(4, 0.0);
    up[t] = 1e-6;
    down[t] = -1e-6;
    CAPTURE(t);
    CHECK(q.answer.values(0, t) == Approx((loss(up) - loss(down)) / 2e-6).epsilon(1e-7));
  }
  q.k = Matrix{{1, 0, 2, -1}};
  CHECK_THROWS_AS(attn::solve(q), attn::Error);  // one row of K for two keys
}

TEST_CASE("solve: rope:rotate, by hand") {
  // q = (1, 0) at m = 2, k = (0, 1) at n = 1, θ = 1: q' = (cos 2, sin 2), k' = (−sin 1, cos 1),
  // s = −cos 2 sin 1 + sin 2 cos 1 = sin(2 − 1) = sin 1 = 0.8415
  Question q;
  q.kind = QuestionKind::rope;
  q.variant = "rotate";
  q.q = Matrix{{1, 0}};
  q.k = Matrix{{0, 1}};
  q.q_position = 2;
  q.k_position = 1;
  attn::solve(q);
  CHECK(q.answer.values(0, 0) == Approx(std::sin(1.0)));
  CHECK(q.answer.values(0, 0) == Approx(models::rope_score({1, 0}, {0, 1}, 2, 1)));
  const attn::RopeTrace& r = *q.trace->rope;
  CHECK(r.q_rotated(0, 0) == Approx(std::cos(2.0)));
  CHECK(r.k_rotated(0, 0) == Approx(-std::sin(1.0)));
}

TEST_CASE("solve: rope:shift picks the positions with the same m − n") {
  // q = (1, 0), k = (0, 1): s(m, n) = sin(m − n). (3, 1) gives sin 2; so does (4, 2); (1, 3)
  // gives sin(−2), (4, 1) sin 3, (6, 2) sin 4.
  Question q;
  q.kind = QuestionKind::rope;
  q.variant = "shift";
  q.q = Matrix{{1, 0}};
  q.k = Matrix{{0, 1}};
  q.q_position = 3;
  q.k_position = 1;
  const std::pair<std::int64_t, std::int64_t> at[] = {{1, 3}, {4, 2}, {4, 1}, {6, 2}};
  const char* ids[] = {"swapped", "correct", "query_shifted", "doubled"};
  for (std::size_t n = 0; n < 4; ++n)
    q.choices.push_back({std::string(1, static_cast<char>('A' + n)),
                         "",
                         std::nullopt,
                         std::nullopt,
                         ids[n],
                         at[n],
                         {}});
  attn::solve(q);
  CHECK(q.answer.labels == "B");
  CHECK(*q.reference_score == Approx(std::sin(2.0)));
  CHECK(q.option_scores[0] == Approx(std::sin(-2.0)));
  CHECK(q.option_scores[2] == Approx(std::sin(3.0)));
  CHECK(q.option_scores[3] == Approx(std::sin(4.0)));
  // Two options with the same difference: both right, which the question must not be.
  q.choices[3].positions = std::pair<std::int64_t, std::int64_t>{5, 3};
  CHECK_THROWS_WITH_AS(attn::solve(q), "question 0 (rope): choices B and D are both right",
                       attn::Error);
}

TEST_CASE("solve: rope:pairing finds the pairs of the formula's convention") {
  // GPT-J's rotate_every_two pairs the neighbours: (0, 1) and (2, 3). Hugging Face's rotate_half
  // pairs i with i + d/2: (0, 2) and (1, 3).
  Question q;
  q.kind = QuestionKind::rope;
  q.variant = "pairing";
  q.choices = {{"A", "", std::nullopt, std::nullopt, "x", std::nullopt, {{0, 2}, {1, 3}}},
               {"B", "", std::nullopt, std::nullopt, "y", std::nullopt, {{0, 1}, {2, 3}}},
               {"C", "", std::nullopt, std::nullopt, "z", std::nullopt, {{0, 3}, {1, 2}}}};
  q.formula = "gptj_every_two";
  attn::solve(q);
  CHECK(q.answer.labels == "B");
  q.formula = "hf_rotate_half";
  attn::solve(q);
  CHECK(q.answer.labels == "A");
  q.formula = "nosuch";
  CHECK_THROWS_WITH_AS(attn::solve(q), "no rope formula 'nosuch'", attn::Error);
}
