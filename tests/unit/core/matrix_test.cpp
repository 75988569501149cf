#include "attn/core/matrix.hpp"

#include <doctest/doctest.h>

#include <stdexcept>

using attn::Matrix;

TEST_CASE("Matrix stores rows one after another") {
  const Matrix m{{1, 2, 3}, {4, 5, 6}};
  CHECK(m.rows() == 2);
  CHECK(m.cols() == 3);
  CHECK(m(1, 0) == 4);
  CHECK(m.row(1)[2] == 6);
  CHECK(m.values()[3] == 4);  // row-major: element (1,0) is the 4th stored
}

TEST_CASE("Matrix rejects ragged rows and mismatched data") {
  CHECK_THROWS_AS((Matrix{{1, 2}, {3}}), std::invalid_argument);
  CHECK_THROWS_AS(Matrix(2, 2, std::vector<double>{1, 2, 3}), std::invalid_argument);
}

TEST_CASE("transpose swaps rows and columns") {
  const Matrix m{{1, 2, 3}, {4, 5, 6}};
  const Matrix t = transpose(m);
  CHECK(t == Matrix{{1, 4}, {2, 5}, {3, 6}});
  CHECK(attn::shape_string(t) == "3×2");
}
