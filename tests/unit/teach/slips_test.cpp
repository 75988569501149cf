#include "attn/teach/slips.hpp"

#include <doctest/doctest.h>

#include <map>

#include "attn/teach/solve.hpp"

using attn::Matrix;
using attn::Question;
using attn::QuestionKind;
using doctest::Approx;

namespace {

std::map<std::string, Matrix> by_id(const Question& q) {
  std::map<std::string, Matrix> out;
  for (const auto& s : attn::numeric_slips(q)) out.emplace(s.id, s.value);
  return out;
}

}  // namespace

TEST_CASE("score slips, by hand") {
  Question q;
  q.kind = QuestionKind::score;
  q.q = Matrix{{2, 0.5, 1, -1.5}};
  q.k = Matrix{{1, 1, -0.5, 2}};
  q.bias = 1.5;
  attn::solve(q);  // q·k = −1, /2 = −0.5, + 1.5 = 1
  const auto s = by_id(q);
  CHECK(s.at("no_scale") == Matrix{{0.5}});        // −1 + 1.5
  CHECK(s.at("divided_by_dk") == Matrix{{1.25}});  // −1/4 + 1.5
  CHECK(s.at("no_bias") == Matrix{{-0.5}});
  CHECK(s.at("bias_subtracted") == Matrix{{-2.0}});  // −0.5 − 1.5
}

TEST_CASE("weights slips, by hand") {
  Question q;
  q.kind = QuestionKind::weights;
  q.scores = Matrix{{0, 1}};
  attn::solve(q);
  // exp(β − m) = (e^−1, 1) = (0.3679, 1); exp(β) = (1, e) = (1, 2.7183); no exp: (0, 1)
  const auto slips = attn::numeric_slips(q);
  std::vector<Matrix> not_normalised;
  for (const auto& s : slips)
    if (s.id == "not_normalised") not_normalised.push_back(s.value);
  REQUIRE(not_normalised.size() == 2);
  CHECK(not_normalised[0](0, 0) == Approx(0.36788));
  CHECK(not_normalised[1](0, 1) == Approx(2.71828));
  CHECK(by_id(q).at("no_exp") == Matrix{{0, 1}});
  // a single row: softmax down the columns gives 1 in every cell
  CHECK(by_id(q).at("wrong_axis") == Matrix{{1, 1}});
}

TEST_CASE("output slips, by hand") {
  Question q;
  q.kind = QuestionKind::output;
  q.weights = Matrix{{0.3, 0.7}};
  q.v = Matrix{{0, -1}, {1, 1}};
  attn::solve(q);  // o = (0.7, 0.4)
  const auto s = by_id(q);
  CHECK(s.at("unweighted_mean")(0, 0) == Approx(0.5));   // (0 + 1)/2
  CHECK(s.at("unweighted_sum")(0, 1) == Approx(0.0));    // −1 + 1
  CHECK(s.at("reversed_pairing")(0, 0) == Approx(0.3));  // 0.7·0 + 0.3·1
  CHECK(s.at("columns_of_v")(0, 0) == Approx(-0.7));     // 0.3·0 + 0.7·(−1)
}

TEST_CASE("bias slips, by hand") {
  Question q;
  q.kind = QuestionKind::bias;
  q.geometry = {6, 6, attn::Align::bottom_right};
  q.score = 0.5;
  q.variant = "alibi";
  q.slope = 0.25;
  q.query = 5;
  q.key = 2;  // β = 0.5 − 0.75 = −0.25
  attn::solve(q);
  const auto s = by_id(q);
  CHECK(s.at("no_bias") == Matrix{{0.5}});
  CHECK(s.at("alibi_sign") == Matrix{{1.25}});
  CHECK(s.at("alibi_no_slope") == Matrix{{-2.5}});  // 0.5 − 3
}
