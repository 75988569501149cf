// Where queries sit relative to keys. Masks and positional biases are written in terms of a query's
// position p and a key's position j; with fewer queries than keys the queries are usually the last
// ones (bottom-right alignment, as in flash-attn, MLX, ONNX and PyTorch's causal_lower_right).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace attn {

enum class Align {
  bottom_right,  // query i sits at position p = i + (n_k − n_q)
  top_left,      // query i sits at position p = i (PyTorch SDPA's is_causal)
};

constexpr std::string_view align_name(Align a) {
  return a == Align::bottom_right ? "bottom-right" : "top-left";
}

struct Geometry {
  std::size_t n_q = 0;  // queries (rows)
  std::size_t n_k = 0;  // keys (columns)
  Align align = Align::bottom_right;

  // p − i: how far query positions are shifted from row indices. Negative when n_q > n_k under
  // bottom-right alignment, so the first rows sit at negative positions.
  std::int64_t offset() const noexcept {
    return align == Align::bottom_right
               ? static_cast<std::int64_t>(n_k) - static_cast<std::int64_t>(n_q)
               : 0;
  }
  // The position p of query row i.
  std::int64_t position(std::size_t i) const noexcept {
    return static_cast<std::int64_t>(i) + offset();
  }
};

}  // namespace attn
