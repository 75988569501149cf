#include "attn/io/layout.hpp"

#include <fmt/format.h>

#include "attn/core/error.hpp"
#include "attn/io/tensor.hpp"

namespace attn {

std::string_view layout_name(Layout layout) noexcept {
  return layout == Layout::bhsd ? "bhsd" : "bshd";
}

std::optional<Layout> layout_named(std::string_view text) noexcept {
  if (text == "bhsd") return Layout::bhsd;
  if (text == "bshd") return Layout::bshd;
  return std::nullopt;
}

Bhsd bhsd_of(std::span<const std::size_t> shape, Layout layout, std::string_view operand,
             std::string_view file) {
  Bhsd v;
  const bool bshd = layout == Layout::bshd;
  switch (shape.size()) {
    case 1:
      v.seq = 1, v.dim = shape[0];
      break;
    case 2:
      v.seq = shape[0], v.dim = shape[1];
      break;
    case 3:
      v.heads = bshd ? shape[1] : shape[0];
      v.seq = bshd ? shape[0] : shape[1];
      v.dim = shape[2];
      break;
    case 4:
      v.batch = shape[0];
      v.heads = bshd ? shape[2] : shape[1];
      v.seq = bshd ? shape[1] : shape[2];
      v.dim = shape[3];
      break;
    default:
      throw data_error(fmt::format("{}: {} has shape {} ({} dimensions), but attn takes {}", file,
                                   operand, shape_repr(shape), shape.size(),
                                   bshd ? "(S, D), (S, H, D) or (B, S, H, D) with --layout bshd"
                                        : "(S, D), (H, S, D) or (B, H, S, D) with --layout bhsd"));
  }
  // C order: the last axis fastest
  if (bshd) {
    v.head_stride = v.dim;
    v.row_stride = v.heads * v.dim;
  } else {
    v.row_stride = v.dim;
    v.head_stride = v.seq * v.dim;
  }
  v.batch_stride = v.heads * v.seq * v.dim;
  return v;
}

std::vector<std::size_t> shape_of(const Bhsd& d, Layout layout, std::size_t rank) {
  const bool bshd = layout == Layout::bshd;
  switch (rank) {
    case 1:
      return {d.dim};
    case 2:
      return {d.seq, d.dim};
    case 3:
      return bshd ? std::vector<std::size_t>{d.seq, d.heads, d.dim}
                  : std::vector<std::size_t>{d.heads, d.seq, d.dim};
    default:
      return bshd ? std::vector<std::size_t>{d.batch, d.seq, d.heads, d.dim}
                  : std::vector<std::size_t>{d.batch, d.heads, d.seq, d.dim};
  }
}

}  // namespace attn
