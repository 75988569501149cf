// Independent models of the classroom's answers and mistakes, for the teach tests: each written
// from the formula or from the description of the mistake it names, with plain loops and <cmath>,
// never with attn's own functions, so that a test comparing attn with a model can fail.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numbers>
#include <utility>
#include <vector>

#include "attn/core/matrix.hpp"

namespace models {

inline constexpr double kInf = std::numeric_limits<double>::infinity();

inline std::vector<double> row(const attn::Matrix& m, std::size_t i = 0) {
  std::vector<double> out;
  for (std::size_t j = 0; j < m.cols(); ++j) out.push_back(m(i, j));
  return out;
}

// Σ_t a_t b_t
inline double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (std::size_t t = 0; t < a.size(); ++t) s += a[t] * b[t];
  return s;
}

// exp(β_j) / Σ exp(β_l) over the entries that are not −∞ (those get 0; all of them when every
// entry is −∞).
inline std::vector<double> softmax(const std::vector<double>& beta) {
  double m = -kInf;
  for (double b : beta) m = b > m ? b : m;
  std::vector<double> out(beta.size(), 0.0);
  double sum = 0;
  for (std::size_t j = 0; j < beta.size(); ++j)
    if (beta[j] != -kInf) sum += out[j] = std::exp(beta[j] - m);
  if (sum == 0) return out;
  for (double& a : out) a /= sum;
  return out;
}

// ---- Masks: a cell (i, j) may attend, by the rule of each mask and each mistake -----------------

// A matrix from a rule over (i, j).
template <typename Rule>
attn::BoolMatrix mask_of(std::size_t n_q, std::size_t n_k, Rule&& allows) {
  attn::BoolMatrix m(n_q, n_k);
  for (std::size_t i = 0; i < n_q; ++i)
    for (std::size_t j = 0; j < n_k; ++j)
      m(i, j) = allows(static_cast<std::int64_t>(i), static_cast<std::int64_t>(j)) ? 1 : 0;
  return m;
}

inline attn::BoolMatrix transposed(const attn::BoolMatrix& m) {
  attn::BoolMatrix t(m.cols(), m.rows());
  for (std::size_t i = 0; i < m.rows(); ++i)
    for (std::size_t j = 0; j < m.cols(); ++j) t(j, i) = m(i, j);
  return t;
}

inline attn::BoolMatrix inverted(const attn::BoolMatrix& m) {
  attn::BoolMatrix t(m.rows(), m.cols());
  for (std::size_t i = 0; i < m.rows(); ++i)
    for (std::size_t j = 0; j < m.cols(); ++j) t(i, j) = m(i, j) ? 0 : 1;
  return t;
}

inline attn::BoolMatrix without_diagonal(const attn::BoolMatrix& m) {
  attn::BoolMatrix t = m;
  for (std::size_t i = 0; i < m.rows() && i < m.cols(); ++i) t(i, i) = 0;
  return t;
}

// ---- Rotary embeddings with d = 2 and θ = 1 -----------------------------------------------------

// (x_1, x_2) rotated counter-clockwise by `angle` radians.
inline std::pair<double, double> rotated(double x1, double x2, double angle) {
  return {x1 * std::cos(angle) - x2 * std::sin(angle), x1 * std::sin(angle) + x2 * std::cos(angle)};
}

// q rotated by m·unit, k by n·unit, then q'·k' (unit = 1 radian, or π/180 read as degrees).
inline double rope_score(const std::vector<double>& q, const std::vector<double>& k, double m,
                         double n, double unit = 1.0) {
  const auto [q1, q2] = rotated(q[0], q[1], m * unit);
  const auto [k1, k2] = rotated(k[0], k[1], n * unit);
  return q1 * k1 + q2 * k2;
}

// ---- The softmax backward -----------------------------------------------------------------------

// D = Σ_l α_l dα_l
inline double row_dot(const std::vector<double>& alpha, const std::vector<double>& dalpha) {
  return dot(alpha, dalpha);
}

// dβ_j = α_j (dα_j − D)
inline std::vector<double> dbeta(const std::vector<double>& alpha,
                                 const std::vector<double>& dalpha) {
  const double d = row_dot(alpha, dalpha);
  std::vector<double> out;
  for (std::size_t j = 0; j < alpha.size(); ++j) out.push_back(alpha[j] * (dalpha[j] - d));
  return out;
}

// dq = c Σ_j dβ_j k_j for the rows k_j of K
inline std::vector<double> dq(const std::vector<double>& dbeta, const attn::Matrix& k, double c) {
  std::vector<double> out(k.cols(), 0.0);
  for (std::size_t t = 0; t < k.cols(); ++t)
    for (std::size_t j = 0; j < k.rows(); ++j) out[t] += c * dbeta[j] * k(j, t);
  return out;
}

}  // namespace models
