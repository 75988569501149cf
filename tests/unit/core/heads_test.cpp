#include "attn/core/heads.hpp"

#include <doctest/doctest.h>

#include <cmath>

using attn::Matrix;
using doctest::Approx;

namespace {

attn::Problem problem(Matrix q, Matrix k, std::optional<Matrix> v = std::nullopt) {
  attn::Problem p;
  p.q = std::move(q);
  p.k = std::move(k);
  p.v = std::move(v);
  return p;
}

}  // namespace

TEST_CASE("kv_head_of: query head h reads kv head ⌊h·G/H⌋") {
  const attn::HeadLayout gqa{8, 2};  // heads 0–3 → kv 0, heads 4–7 → kv 1
  CHECK(attn::kv_head_of(0, gqa) == 0);
  CHECK(attn::kv_head_of(3, gqa) == 0);
  CHECK(attn::kv_head_of(4, gqa) == 1);
  CHECK(attn::kv_head_of(7, gqa) == 1);
  const attn::HeadLayout mqa{4, 1};  // multi-query: every head reads kv head 0
  for (std::size_t h = 0; h < 4; ++h) CHECK(attn::kv_head_of(h, mqa) == 0);
}

TEST_CASE("head_problem slices columns per head") {
  // H = 2, G = 1, d_k = 2: q = [q_head0 | q_head1], k and v are shared
  const attn::Problem whole = problem(Matrix{{1, 2, 3, 4}}, Matrix{{5, 6}}, Matrix{{7}});
  const attn::Problem h1 = attn::head_problem(whole, {2, 1}, 1);
  CHECK(h1.q == Matrix{{3, 4}});
  CHECK(h1.k == Matrix{{5, 6}});
  CHECK(*h1.v == Matrix{{7}});
  CHECK_THROWS_WITH(attn::head_problem(whole, {3, 3}, 0),
                    "q has 4 columns, which do not split into 3 heads");
  CHECK_THROWS_WITH(attn::head_problem(whole, {2, 3}, 0),
                    "2 query heads cannot share 3 key/value heads");
}

TEST_CASE("concat_columns puts the heads' outputs side by side") {
  CHECK(attn::concat_columns({Matrix{{1}, {2}}, Matrix{{3, 4}, {5, 6}}}) ==
        Matrix{{1, 3, 4}, {2, 5, 6}});
}

TEST_CASE("run_heads: two heads are two independent attentions, side by side") {
  // head 0: q = [1], k = [[1],[0]] ; head 1: q = [0], k = [[0],[1]]; d_k = 1, c = 1
  // head 0 scores [1, 0]; head 1 scores [0, 0] → α = [1/2, 1/2]
  attn::Request r;
  r.problem = problem(Matrix{{1, 0}}, Matrix{{1, 0}, {0, 1}}, Matrix{{10, 20}, {30, 40}});
  r.layout = {2, 2};  // head 0 values [10],[30]; head 1 values [20],[40]
  const auto run = attn::run_heads(r, attn::Stage::output);
  REQUIRE(run.heads.size() == 2);
  const double e = std::exp(1.0);
  // head 0: α = [e/(e+1), 1/(e+1)] → o = (10e + 30)/(e + 1)
  CHECK((*run.output)(0, 0) == Approx((10 * e + 30) / (e + 1)).epsilon(1e-14));
  CHECK((*run.output)(0, 1) == Approx(30.0).epsilon(1e-14));  // (20 + 40)/2
}

TEST_CASE("head_bias: ALiBi per head uses that head's slope") {
  // 2 heads: slopes 2^(−8·1/2) = 1/16 and 2^(−8·2/2) = 1/256; b[1,0] = −m·(p − j) = −m·1
  attn::Request r;
  r.layout = {2, 2};
  r.bias_spec = attn::parse_bias_spec("alibi");
  const attn::Geometry g{2, 2};
  CHECK((*attn::head_bias(r, g, 0))(1, 0) == Approx(-1.0 / 16));
  CHECK((*attn::head_bias(r, g, 1))(1, 0) == Approx(-1.0 / 256));
}

TEST_CASE("head_bias: symmetric ALiBi per head, −m·|p − j| with that head's slope") {
  // Same slopes as above; b[0,1] = −m·|0 − 1| = −m, where plain alibi gives +m.
  attn::Request r;
  r.layout = {2, 2};
  r.bias_spec = attn::parse_bias_spec("alibi:symmetric");
  const attn::Geometry g{2, 2};
  CHECK((*attn::head_bias(r, g, 0))(0, 1) == -1.0 / 16);
  CHECK((*attn::head_bias(r, g, 1))(0, 1) == -1.0 / 256);
  CHECK((*attn::head_bias(r, g, 1))(1, 0) == -1.0 / 256);
  r.bias_spec = attn::parse_bias_spec("alibi:symmetric:0.5");
  CHECK((*attn::head_bias(r, g, 1))(0, 1) == -0.5);  // the given slope, whatever the head
}
