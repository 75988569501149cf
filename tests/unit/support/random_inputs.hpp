// Seeded random inputs for the property tests (tests/unit/*/…_properties_test.cpp).
//
// Random numbers come from std::mt19937_64, which is exactly specified; the raw output is mapped
// to doubles here, since <random>'s distributions differ between standard libraries.
#pragma once

#include <cmath>
#include <cstddef>
#include <limits>
#include <random>
#include <string>

#include "attn/core/attention.hpp"
#include "attn/core/error.hpp"
#include "attn/core/matrix.hpp"
#include "attn/mask/bool_matrix.hpp"

namespace attn_test {

using attn::BoolMatrix;
using attn::Matrix;

inline constexpr double kInf = std::numeric_limits<double>::infinity();

// A double uniform in [lo, hi), from the top 53 bits of one draw.
inline double uniform(std::mt19937_64& rng, double lo, double hi) {
  const double u = static_cast<double>(rng() >> 11) * 0x1p-53;  // in [0, 1)
  return lo + (hi - lo) * u;
}

// An integer uniform in [0, n) (the modulo bias is irrelevant here).
inline std::size_t below(std::mt19937_64& rng, std::size_t n) {
  return rng() % n;
}

inline Matrix random_matrix(std::mt19937_64& rng, std::size_t rows, std::size_t cols,
                            double scale) {
  Matrix m(rows, cols);
  for (double& x : m.values()) x = uniform(rng, -scale, scale);
  return m;
}

// A bool mask with at least one visible key in every row.
inline BoolMatrix random_mask(std::mt19937_64& rng, std::size_t rows, std::size_t cols) {
  BoolMatrix m(rows, cols);
  for (std::size_t i = 0; i < rows; ++i) {
    for (std::size_t j = 0; j < cols; ++j) m(i, j) = (rng() & 3) != 0 ? 1 : 0;
    m(i, below(rng, cols)) = 1;
  }
  return m;
}

inline attn::Problem random_problem(std::mt19937_64& rng) {
  const std::size_t n_q = 1 + below(rng, 6), n_k = 1 + below(rng, 8), d_k = 1 + below(rng, 6);
  const double scale = std::ldexp(1.0, static_cast<int>(below(rng, 8)));  // 1 to 128
  attn::Problem p;
  p.q = random_matrix(rng, n_q, d_k, scale);
  p.k = random_matrix(rng, n_k, d_k, scale);
  p.v = random_matrix(rng, n_k, 1 + below(rng, 4), 10.0);
  if ((rng() & 1) != 0) p.mask = attn::to_additive(random_mask(rng, n_q, n_k));
  return p;
}

inline double row_sum(const Matrix& m, std::size_t i) {
  double s = 0;
  for (double x : m.row(i)) s += x;
  return s;
}

inline std::string error_of(const auto& f) {
  try {
    f();
  } catch (const attn::Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace attn_test
