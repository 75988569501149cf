// How the axes of q, k, v and o are laid out in their files, and the (batch, head, position,
// feature) view (core/bhsd) of each:
//
//   --layout bhsd (PyTorch, the default)    (S, D)   (H, S, D)   (B, H, S, D)
//   --layout bshd (flash-attn, Hugging Face) (S, D)   (S, H, D)   (B, S, H, D)
//
// A 1-D (D,) array is one position. The output is written with q's rank in the same layout.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "attn/core/bhsd.hpp"

namespace attn {

enum class Layout { bhsd, bshd };

// "bhsd" or "bshd".
std::string_view layout_name(Layout layout) noexcept;
std::optional<Layout> layout_named(std::string_view text) noexcept;

// The view of a C-order array of this shape. A rank other than 1 to 4 is a data_error naming
// `operand` ("q") and `file`, with the shapes each layout takes.
Bhsd bhsd_of(std::span<const std::size_t> shape, Layout layout, std::string_view operand,
             std::string_view file);

// The shape of rank `rank` (1 to 4) in `layout` that holds dims (B, H, S, D); the strides of the
// result, bhsd_of(shape, layout), are C order's.
std::vector<std::size_t> shape_of(const Bhsd& dims, Layout layout, std::size_t rank);

}  // namespace attn
