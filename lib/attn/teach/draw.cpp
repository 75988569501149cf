#include "attn/teach/draw.hpp"

#include "attn/core/error.hpp"

namespace attn {

double draw_half(SeededRng& rng) {
  return static_cast<double>(rng.uniform_int(-4, 4)) / 2.0;
}

double draw_nonzero_half(SeededRng& rng) {
  const auto n = rng.uniform_int(1, 4);
  return static_cast<double>(rng.uniform_int(0, 1) ? n : -n) / 2.0;
}

Matrix draw_half_row(SeededRng& rng, std::size_t n) {
  Matrix m(1, n);
  for (double& x : m.values()) x = draw_half(rng);
  return m;
}

std::vector<std::int64_t> draw_tenths(SeededRng& rng, std::size_t n) {
  if (n == 2) {
    const auto a = rng.uniform_int(1, 9);
    return {a, 10 - a};
  }
  if (n != 3) throw Error(Exit::internal, "draw_tenths draws 2 or 3 weights");
  const auto a = rng.uniform_int(1, 8);
  const auto b = rng.uniform_int(1, 9 - a);
  return {a, b, 10 - a - b};
}

Matrix draw_whole(SeededRng& rng, std::size_t rows, std::size_t cols, std::int64_t lo,
                  std::int64_t hi) {
  Matrix m(rows, cols);
  for (double& x : m.values()) x = static_cast<double>(rng.uniform_int(lo, hi));
  return m;
}

std::string option_label(std::size_t n) {
  return std::string(1, static_cast<char>('A' + n));
}

}  // namespace attn
