// Checks shared by the streaming kernel's tests (streaming_test.cpp, one head at a time, and
// streaming_batched_test.cpp, whole layers).
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "attn/core/matrix.hpp"

namespace attn_test {

using attn::Matrix;

// Uniform in [−scale, scale), mapped from the raw 64 bits ourselves so every platform agrees.
inline Matrix random_matrix(std::mt19937_64& rng, std::size_t rows, std::size_t cols,
                            double scale = 1.0) {
  Matrix m(rows, cols);
  for (double& x : m.values())
    x = scale * (2.0 * static_cast<double>(rng() >> 11) * 0x1.0p-53 - 1.0);
  return m;
}

// Relative to the size of the outputs (which mix values in [−1, 1]), so a near-zero entry,
// the difference of two larger terms, is not held to a relative bound it cannot meet.
inline void check_close(const Matrix& got, const Matrix& want, double tolerance) {
  REQUIRE(got.rows() == want.rows());
  REQUIRE(got.cols() == want.cols());
  for (std::size_t i = 0; i < got.rows(); ++i)
    for (std::size_t t = 0; t < got.cols(); ++t) {
      const double a = got(i, t), b = want(i, t);
      if (std::isnan(b)) {
        CAPTURE(i);
        CHECK(std::isnan(a));
        continue;
      }
      if (std::abs(a - b) > tolerance * std::max(1.0, std::abs(b))) {
        CAPTURE(i);
        CAPTURE(t);
        CAPTURE(a);
        CAPTURE(b);
        CHECK(std::abs(a - b) <= tolerance * std::max(1.0, std::abs(b)));
        return;  // one failure per case is enough to read
      }
    }
}

}  // namespace attn_test
