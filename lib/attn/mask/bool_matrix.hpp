// A mask as a matrix of cells, true = may attend, and its additive form (0 where allowed, −∞ where
// blocked) that is added to the scores.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <span>
#include <vector>

#include "attn/core/matrix.hpp"

namespace attn {

// rows × cols cells, true = may attend; one byte per cell, 0 or 1, stored row after row.
class BoolMatrix {
 public:
  BoolMatrix() = default;
  BoolMatrix(std::size_t rows, std::size_t cols, bool fill = false);
  // BoolMatrix{{1, 0}, {1, 1}}: literal 0/1 rows, the way masks are written out by hand.
  // Throws std::invalid_argument for ragged rows or an entry other than 0 or 1.
  BoolMatrix(std::initializer_list<std::initializer_list<int>> rows);

  std::size_t rows() const noexcept { return rows_; }
  std::size_t cols() const noexcept { return cols_; }

  // m(i, j) = true; store only 0 or 1 through the reference.
  unsigned char& operator()(std::size_t i, std::size_t j) noexcept { return cells_[i * cols_ + j]; }
  bool operator()(std::size_t i, std::size_t j) const noexcept {
    return cells_[i * cols_ + j] != 0;
  }
  std::span<unsigned char> row(std::size_t i) noexcept {
    return {cells_.data() + i * cols_, cols_};
  }
  std::span<const unsigned char> row(std::size_t i) const noexcept {
    return {cells_.data() + i * cols_, cols_};
  }

  // The number of keys row i may attend.
  std::size_t count_row(std::size_t i) const noexcept;
  // The number of allowed cells.
  std::size_t count() const noexcept;

  friend bool operator==(const BoolMatrix&, const BoolMatrix&) = default;

 private:
  std::size_t rows_ = 0;
  std::size_t cols_ = 0;
  std::vector<unsigned char> cells_;
};

// The additive form used on scores: 0 where allowed, −∞ where blocked.
Matrix to_additive(const BoolMatrix& m);
// Allowed wherever the entry is not −∞.
BoolMatrix from_additive(const Matrix& m);

}  // namespace attn
