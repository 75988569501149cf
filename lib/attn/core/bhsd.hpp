// Where the elements of one attention operand sit: a (batch, head, position, feature) view of a
// tensor, whatever its layout in memory. Strides count elements; the feature axis is contiguous.
// PyTorch's layout (B, H, S, D) has head_stride = S·D and row_stride = D; flash-attn's and Hugging
// Face's (B, S, H, D) has head_stride = D and row_stride = H·D (io/layout makes these).
#pragma once

#include <cstddef>

namespace attn {

struct Bhsd {
  std::size_t batch = 1, heads = 1, seq = 0, dim = 0;
  std::size_t batch_stride = 0, head_stride = 0, row_stride = 0;

  // The element index of (b, h, s, 0).
  std::size_t offset(std::size_t b, std::size_t h, std::size_t s) const noexcept {
    return b * batch_stride + h * head_stride + s * row_stride;
  }
  std::size_t count() const noexcept { return batch * heads * seq * dim; }
};

}  // namespace attn
