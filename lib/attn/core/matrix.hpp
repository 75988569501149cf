// A dense, row-major matrix of doubles: the one value type every step of attention works on.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <span>
#include <string>
#include <vector>

namespace attn {

// rows × cols doubles, stored row after row. A vector is a 1 × n matrix.
class Matrix {
 public:
  Matrix() = default;
  Matrix(std::size_t rows, std::size_t cols, double fill = 0.0);
  // Matrix{{1, 2}, {3, 4}}; every row must have the same length.
  Matrix(std::initializer_list<std::initializer_list<double>> rows);
  // Takes ownership of row-major data; data.size() must equal rows * cols.
  Matrix(std::size_t rows, std::size_t cols, std::vector<double> data);

  std::size_t rows() const noexcept { return rows_; }
  std::size_t cols() const noexcept { return cols_; }
  std::size_t size() const noexcept { return data_.size(); }
  bool empty() const noexcept { return data_.empty(); }

  double& operator()(std::size_t i, std::size_t j) noexcept { return data_[i * cols_ + j]; }
  double operator()(std::size_t i, std::size_t j) const noexcept { return data_[i * cols_ + j]; }

  std::span<double> row(std::size_t i) noexcept { return {data_.data() + i * cols_, cols_}; }
  std::span<const double> row(std::size_t i) const noexcept {
    return {data_.data() + i * cols_, cols_};
  }
  std::span<double> values() noexcept { return data_; }
  std::span<const double> values() const noexcept { return data_; }

  friend bool operator==(const Matrix&, const Matrix&) = default;

 private:
  std::size_t rows_ = 0;
  std::size_t cols_ = 0;
  std::vector<double> data_;
};

// "3×4", the way shapes are named in messages and traces.
std::string shape_string(const Matrix& m);

Matrix transpose(const Matrix& m);

}  // namespace attn
