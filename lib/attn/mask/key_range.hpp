// A half-open range of key columns [begin, end): what MaskExpr::span gives a tiled kernel, so it
// can skip the blocks of keys a row certainly does not see.
#pragma once

#include <cstddef>

namespace attn {

// Empty when begin == end (then both are 0).
struct KeyRange {
  std::size_t begin = 0;
  std::size_t end = 0;

  bool empty() const noexcept { return begin >= end; }
  std::size_t size() const noexcept { return empty() ? 0 : end - begin; }
  bool contains(std::size_t j) const noexcept { return begin <= j && j < end; }
  friend bool operator==(const KeyRange&, const KeyRange&) = default;
};

}  // namespace attn
