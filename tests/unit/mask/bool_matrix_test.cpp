#include "attn/mask/bool_matrix.hpp"

#include <doctest/doctest.h>

#include <limits>
#include <stdexcept>

#include "mask_testing.hpp"

using attn::BoolMatrix;
using attn::Geometry;
using attn::MaskExpr;
using attn::testing::br;
using attn::testing::mask;
using attn::testing::tl;

TEST_CASE("BoolMatrix counts allowed cells and rejects bad literals") {
  const BoolMatrix m{{1, 0, 1},  //
                     {0, 0, 0}};
  CHECK(m.rows() == 2);
  CHECK(m.cols() == 3);
  CHECK(m(0, 2));
  CHECK_FALSE(m(1, 0));
  CHECK(m.count_row(0) == 2);
  CHECK(m.count_row(1) == 0);
  CHECK(m.count() == 2);
  BoolMatrix n(2, 3);
  n(0, 0) = true;
  n(0, 2) = true;
  CHECK(n == m);
  CHECK_THROWS_AS((BoolMatrix{{1, 0}, {1}}), std::invalid_argument);
  CHECK_THROWS_AS((BoolMatrix{{1, 2}}), std::invalid_argument);
}

TEST_CASE("to_additive writes 0 and −∞; from_additive reads them back") {
  constexpr double inf = std::numeric_limits<double>::infinity();
  const BoolMatrix m = mask("causal", 2, 2);
  const attn::Matrix additive = attn::to_additive(m);
  CHECK(additive == attn::Matrix{{0, -inf}, {0, 0}});
  CHECK(attn::from_additive(additive) == m);
  // Any finite bias counts as allowed.
  CHECK(attn::from_additive(attn::Matrix{{-1e30, -inf}}) == BoolMatrix{{1, 0}});
}
