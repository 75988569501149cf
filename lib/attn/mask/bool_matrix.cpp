#include "attn/mask/bool_matrix.hpp"

#include <algorithm>
#include <stdexcept>

#include "attn/core/rules.hpp"

namespace attn {

BoolMatrix::BoolMatrix(std::size_t rows, std::size_t cols, bool fill)
    : rows_(rows), cols_(cols), cells_(rows * cols, fill ? 1 : 0) {}

BoolMatrix::BoolMatrix(std::initializer_list<std::initializer_list<int>> rows)
    : rows_(rows.size()), cols_(rows.size() == 0 ? 0 : rows.begin()->size()) {
  cells_.reserve(rows_ * cols_);
  for (const auto& row : rows) {
    if (row.size() != cols_) throw std::invalid_argument("BoolMatrix: ragged initializer list");
    for (int cell : row) {
      if (cell != 0 && cell != 1) throw std::invalid_argument("BoolMatrix: entries must be 0 or 1");
      cells_.push_back(static_cast<unsigned char>(cell));
    }
  }
}

std::size_t BoolMatrix::count_row(std::size_t i) const noexcept {
  return static_cast<std::size_t>(std::ranges::count(row(i), 1));
}

std::size_t BoolMatrix::count() const noexcept {
  return static_cast<std::size_t>(std::ranges::count(cells_, 1));
}

Matrix to_additive(const BoolMatrix& m) {
  Matrix additive(m.rows(), m.cols(), 0.0);
  for (std::size_t i = 0; i < m.rows(); ++i)
    for (std::size_t j = 0; j < m.cols(); ++j)
      if (!m(i, j)) additive(i, j) = neg_inf;
  return additive;
}

BoolMatrix from_additive(const Matrix& m) {
  BoolMatrix allowed(m.rows(), m.cols());
  for (std::size_t i = 0; i < m.rows(); ++i)
    for (std::size_t j = 0; j < m.cols(); ++j) allowed(i, j) = m(i, j) != neg_inf;
  return allowed;
}

}  // namespace attn
