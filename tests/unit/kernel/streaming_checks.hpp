// Checks shared by the streaming kernel's tests (streaming_test.cpp, one head at a time, and
// streaming_batched_test.cpp, whole layers).
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "attn/core/attention.hpp"
#include "attn/core/bhsd.hpp"
#include "attn/core/bias.hpp"
#include "attn/core/geometry.hpp"
#include "attn/core/heads.hpp"
#include "attn/core/matrix.hpp"

namespace attn_test {

using attn::Matrix;

// The view of a (B, H, S, D) tensor stored so, contiguous, and of one stored as (B, S, H, D).
inline attn::Bhsd bhsd_view(std::size_t B, std::size_t H, std::size_t S, std::size_t D) {
  return {B, H, S, D, H * S * D, S * D, D};
}
inline attn::Bhsd bshd_view(std::size_t B, std::size_t H, std::size_t S, std::size_t D) {
  return {B, H, S, D, H * S * D, D, H * D};
}

// x (B, H, S, D) rearranged to (B, S, H, D), or with `back` x (B, S, H, D) to (B, H, S, D), as T.
template <class T = double>
std::vector<T> swap_heads_and_rows(const std::vector<double>& x, std::size_t B, std::size_t H,
                                   std::size_t S, std::size_t D, bool back = false) {
  std::vector<T> y(x.size());
  for (std::size_t b = 0; b < B; ++b)
    for (std::size_t h = 0; h < H; ++h)
      for (std::size_t i = 0; i < S; ++i)
        for (std::size_t t = 0; t < D; ++t) {
          const std::size_t bhsd = ((b * H + h) * S + i) * D + t;
          const std::size_t bshd = ((b * S + i) * H + h) * D + t;
          y[back ? bhsd : bshd] = static_cast<T>(x[back ? bshd : bhsd]);
        }
  return y;
}

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

// Matrix `index` of a stack of rows × cols matrices stored one after another.
inline Matrix slice(const std::vector<double>& x, std::size_t index, std::size_t rows,
                    std::size_t cols) {
  return Matrix(rows, cols,
                std::vector<double>(x.begin() + static_cast<long>(index * rows * cols),
                                    x.begin() + static_cast<long>((index + 1) * rows * cols)));
}

// Head (b, h) of a layer as the step path's own Problem, from the kernel's options (the forward's
// BatchedOptions or the backward's BackwardOptions): its kv head's k and v, the scale, alignment
// and empty-row policy, ALiBi as a bias, the softcap, and one additive mask from the expression and
// kv_lens, to which `cell(i, j, m_ij)` adds a mask tensor's value where kv_lens does not block.
// The layer has q (B, H, n_q, d_k), k (B, G, n_k, d_k), v (B, G, n_k, d_v), as doubles.
template <class Layer, class Options, class Cell>
attn::Problem head_problem(const Layer& l, std::size_t b, std::size_t h, const Options& o,
                           Cell&& cell) {
  const std::size_t g = attn::kv_head_of(h, {l.H, l.G});
  attn::Problem p;
  p.q = slice(l.q, b * l.H + h, l.n_q, l.d_k);
  p.k = slice(l.k, b * l.G + g, l.n_k, l.d_k);
  p.v = slice(l.v, b * l.G + g, l.n_k, l.d_v);
  p.scale = o.scale;
  p.align = o.align;
  p.empty_rows = o.empty_rows;
  const attn::Geometry geo{l.n_q, l.n_k, o.align};
  if (!o.alibi_slopes.empty()) p.bias = attn::alibi_bias(geo, o.alibi_slopes[h]);
  p.softcap = o.softcap;
  Matrix m = attn::to_additive(o.mask.evaluate(geo));
  for (std::size_t i = 0; i < l.n_q; ++i)
    for (std::size_t j = 0; j < l.n_k; ++j)
      if (!o.kv_lens.empty() && j >= o.kv_lens[b])
        m(i, j) = attn::neg_inf;
      else
        cell(i, j, m(i, j));
  p.mask = m;
  return p;
}

}  // namespace attn_test
