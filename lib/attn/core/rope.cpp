#include "attn/core/rope.hpp"

#include <fmt/format.h>

#include <cmath>

#include "attn/core/error.hpp"

namespace attn {

std::string_view rope_style_name(RopeStyle style) {
  return style == RopeStyle::half ? "half" : "interleaved";
}

void check_rope(const RopeOptions& o, std::size_t d_k, std::size_t n_q, std::size_t n_k) {
  const std::size_t r = o.dim.value_or(d_k);
  if (r % 2 != 0 && o.dim)
    throw usage_error(fmt::format("--rope-dim {} is odd: dimensions rotate in pairs", r),
                      "give an even --rope-dim");
  if (r % 2 != 0)
    throw usage_error(fmt::format("d_k = {} is odd, and RoPE rotates pairs of dimensions", r),
                      fmt::format("give --rope-dim {} to rotate the first {}", r - 1, r - 1));
  if (r > d_k)
    throw usage_error(fmt::format("--rope-dim {} is more than d_k = {}", r, d_k),
                      "rotate at most every dimension of q and k");
  if (!std::isfinite(o.base) || o.base <= 1.0)
    throw usage_error(fmt::format("--rope-base must be a number above 1, not {}", o.base),
                      "LLaMA uses 10000; LLaMA 3 500000");
  if (!std::isfinite(o.scale) || o.scale <= 0.0)
    throw usage_error(fmt::format("--rope-scale must be a positive number, not {}", o.scale),
                      "positions are divided by it: 1 leaves them as they are");
  if (o.q_positions && o.q_positions->size() != n_q)
    throw data_error(fmt::format("--q-positions has {} id{} but there {} {} quer{}",
                                 o.q_positions->size(), o.q_positions->size() == 1 ? "" : "s",
                                 n_q == 1 ? "is" : "are", n_q, n_q == 1 ? "y" : "ies"),
                     "give one position per query row");
  if (o.k_positions && o.k_positions->size() != n_k)
    throw data_error(fmt::format("--k-positions has {} id{} but there {} {} key{}",
                                 o.k_positions->size(), o.k_positions->size() == 1 ? "" : "s",
                                 n_k == 1 ? "is" : "are", n_k, n_k == 1 ? "" : "s"),
                     "give one position per key row");
}

std::vector<double> rope_frequencies(std::size_t rotated, double base) {
  std::vector<double> theta(rotated / 2);
  for (std::size_t i = 0; i < theta.size(); ++i)
    theta[i] = std::pow(base, -2.0 * static_cast<double>(i) / static_cast<double>(rotated));
  return theta;
}

std::pair<std::size_t, std::size_t> rope_pair(std::size_t i, std::size_t rotated, RopeStyle style) {
  return style == RopeStyle::half ? std::pair{i, i + rotated / 2} : std::pair{2 * i, 2 * i + 1};
}

std::vector<std::int64_t> rope_query_positions(const RopeOptions& o, const Geometry& g) {
  if (o.q_positions) return *o.q_positions;
  std::vector<std::int64_t> p(g.n_q);
  for (std::size_t i = 0; i < g.n_q; ++i) p[i] = g.position(i);
  return p;
}

std::vector<std::int64_t> rope_key_positions(const RopeOptions& o, std::size_t n_k) {
  if (o.k_positions) return *o.k_positions;
  std::vector<std::int64_t> p(n_k);
  for (std::size_t j = 0; j < n_k; ++j) p[j] = static_cast<std::int64_t>(j);
  return p;
}

Matrix rope_angles(std::span<const std::int64_t> positions, std::span<const double> frequencies,
                   double scale) {
  Matrix angles(positions.size(), frequencies.size());
  for (std::size_t r = 0; r < positions.size(); ++r)
    for (std::size_t i = 0; i < frequencies.size(); ++i)
      angles(r, i) = static_cast<double>(positions[r]) / scale * frequencies[i];
  return angles;
}

Matrix cosines(const Matrix& angles) {
  Matrix out = angles;
  for (double& x : out.values()) x = std::cos(x);
  return out;
}

Matrix sines(const Matrix& angles) {
  Matrix out = angles;
  for (double& x : out.values()) x = std::sin(x);
  return out;
}

namespace {

template <class T>
void rotate_pairs(std::span<T> x, std::span<const double> cos, std::span<const double> sin,
                  std::size_t rotated, RopeStyle style, int direction) {
  for (std::size_t i = 0; i < rotated / 2; ++i) {
    const auto [a, b] = rope_pair(i, rotated, style);
    const double c = cos[i], s = direction * sin[i];
    const double xa = x[a], xb = x[b];
    x[a] = static_cast<T>(xa * c - xb * s);
    x[b] = static_cast<T>(xa * s + xb * c);
  }
}

}  // namespace

void rotate_row(std::span<double> x, std::span<const double> cos, std::span<const double> sin,
                std::size_t rotated, RopeStyle style, int direction) {
  rotate_pairs(x, cos, sin, rotated, style, direction);
}

void rotate_row(std::span<float> x, std::span<const double> cos, std::span<const double> sin,
                std::size_t rotated, RopeStyle style, int direction) {
  rotate_pairs(x, cos, sin, rotated, style, direction);
}

Matrix rotate(const Matrix& x, const Matrix& cos, const Matrix& sin, std::size_t rotated,
              RopeStyle style, int direction) {
  Matrix out = x;
  for (std::size_t r = 0; r < x.rows(); ++r)
    rotate_row(out.row(r), cos.row(r), sin.row(r), rotated, style, direction);
  return out;
}

std::vector<std::size_t> interleaved_to_half(std::size_t rotated) {
  std::vector<std::size_t> perm(rotated);
  for (std::size_t t = 0; t < rotated; ++t) perm[t] = t % 2 == 0 ? t / 2 : t / 2 + rotated / 2;
  return perm;
}

RopeTrace apply_rope(const RopeOptions& o, const Matrix& q, const Matrix& k, const Geometry& g) {
  check_rope(o, q.cols(), q.rows(), k.rows());
  RopeTrace t;
  t.options = o;
  t.rotated = o.dim.value_or(q.cols());
  t.frequencies = rope_frequencies(t.rotated, o.base);
  t.q_positions = rope_query_positions(o, g);
  t.k_positions = rope_key_positions(o, k.rows());
  t.q_angles = rope_angles(t.q_positions, t.frequencies, o.scale);
  t.k_angles = rope_angles(t.k_positions, t.frequencies, o.scale);
  t.q_cos = cosines(t.q_angles);
  t.q_sin = sines(t.q_angles);
  t.k_cos = cosines(t.k_angles);
  t.k_sin = sines(t.k_angles);
  t.q_rotated = rotate(q, t.q_cos, t.q_sin, t.rotated, o.style);
  t.k_rotated = rotate(k, t.k_cos, t.k_sin, t.rotated, o.style);
  return t;
}

}  // namespace attn
