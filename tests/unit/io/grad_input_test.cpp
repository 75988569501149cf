// What `attn grad` reads: dO, or a loss that gives it, and a forward document to check.
#include "attn/io/grad_input.hpp"

#include <doctest/doctest.h>

#include "attn/core/error.hpp"

using attn::Matrix;

namespace {

attn::InputArgs qkv() {
  attn::InputArgs a;
  a.q = "1";
  a.k = "1;0";
  a.v = "1;0";
  return a;
}

}  // namespace

TEST_CASE("load_grad_input: dO given, or a loss, never both or neither") {
  attn::GradArgs g;
  g.d_out = "2";
  const auto in = attn::load_grad_input(qkv(), g);
  CHECK(in.loss == attn::LossKind::given);
  CHECK(*in.d_out == Matrix{{2}});
  g.loss = attn::LossKind::sum;
  CHECK_THROWS_WITH_AS(attn::load_grad_input(qkv(), g), "give either dO or a loss, not both",
                       attn::Error);
  CHECK_THROWS_WITH_AS(attn::load_grad_input(qkv(), {}), "no upstream gradient given", attn::Error);
  attn::GradArgs mse;
  mse.loss = attn::LossKind::mse;
  CHECK_THROWS_WITH_AS(attn::load_grad_input(qkv(), mse), "--loss mse needs a target", attn::Error);
  attn::GradArgs stray;
  stray.loss = attn::LossKind::sum;
  stray.target = "0";
  CHECK_THROWS_WITH_AS(attn::load_grad_input(qkv(), stray), "--target is only for --loss mse",
                       attn::Error);
}

TEST_CASE("resolve_loss: dO as given, or the loss's gradient of the output") {
  attn::GradArgs g;
  g.loss = attn::LossKind::mse;
  g.target = "0.5";
  const auto in = attn::load_grad_input(qkv(), g);
  // o = 0.75, T = 0.5: L = ½·0.25² = 0.03125, dO = 0.25
  const attn::Loss loss = attn::resolve_loss(in, Matrix{{0.75}});
  CHECK(*loss.value == 0.03125);
  CHECK(loss.d_out == Matrix{{0.25}});
}
