// An N-D array as attn reads and writes it: a dtype, a shape and the elements in C order (the last
// axis fastest) in this machine's byte order, whatever file they came from.
//
// The storage can keep room before the elements (`headroom`), so a writer can put a file header
// right in front of them and hand the whole file to io/output_file in one piece, without copying
// an output that may be most of the process's memory.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "attn/core/dtype.hpp"
#include "attn/core/matrix.hpp"

namespace attn {

class Tensor {
 public:
  Tensor() = default;
  // Storage for the elements, zeroed, with `headroom` bytes free before them. Throws a
  // data_error naming `name` when the shape's element count or byte size overflows.
  Tensor(DType dtype, std::vector<std::size_t> shape, std::size_t headroom = 0,
         std::string_view name = "tensor");

  DType dtype() const noexcept { return dtype_; }
  const std::vector<std::size_t>& shape() const noexcept { return shape_; }
  std::size_t rank() const noexcept { return shape_.size(); }
  std::size_t count() const noexcept { return count_; }
  std::size_t bytes() const noexcept { return count_ * dtype_size(dtype_); }

  // Elements that already sit in memory another owner keeps alive (a file mapped with mmap):
  // `release` is called on `base` when the tensor goes. The headroom is 0.
  static Tensor adopt(DType dtype, std::vector<std::size_t> shape, std::byte* base,
                      std::size_t offset, std::function<void(std::byte*)> release);

  std::byte* data() noexcept { return storage_.get() + headroom_; }
  const std::byte* data() const noexcept { return storage_.get() + headroom_; }
  // The free bytes just before data().
  std::span<std::byte> headroom() noexcept {
    return adopted_ ? std::span<std::byte>() : std::span<std::byte>(storage_.get(), headroom_);
  }

  // The elements as T, which must be the dtype's type (float for f32, std::uint16_t for f16 and
  // bf16, unsigned char for bool, …); std::invalid_argument otherwise.
  template <class T>
  std::span<T> values();
  template <class T>
  std::span<const T> values() const;

  // Element `flat` (C order) widened to double: exact for every dtype but int64 beyond 2^53.
  double at(std::size_t flat) const noexcept;

  // Changes the shape without moving the elements; the count must stay the same.
  void reshape(std::vector<std::size_t> shape);

 private:
  DType dtype_ = DType::f64;
  std::vector<std::size_t> shape_;
  std::size_t count_ = 0;
  std::size_t headroom_ = 0;
  bool adopted_ = false;
  // new[]'d storage, or a region `adopt` was given, with how to let it go
  std::unique_ptr<std::byte[], std::function<void(std::byte*)>> storage_;
};

// The product of the dimensions; a data_error naming `name` when it, or its size in bytes of
// `element` each, does not fit.
std::size_t element_count(std::span<const std::size_t> shape, std::size_t element,
                          std::string_view name);

// "(2, 3)", "(4,)", "()": a shape the way Python prints it.
std::string shape_repr(std::span<const std::size_t> shape);

// The first NaN or ±∞ of a float tensor (C-order index), if any; nothing for other dtypes.
std::optional<std::size_t> first_non_finite(const Tensor& t) noexcept;

// "row 2, column 1" for a 2-D tensor, "(0, 3, 2, 1)" otherwise: index `flat` in the shape.
std::string index_repr(std::span<const std::size_t> shape, std::size_t flat);

// A float tensor converted to `dtype` (float16 and bfloat16 round to nearest even, through
// float32 from float64). Returns t unchanged when it already has that dtype.
Tensor convert(Tensor t, DType dtype);

// A float tensor of two dimensions (after dropping leading 1s) as a matrix of doubles.
Matrix to_matrix(const Tensor& t, std::string_view name);

// A matrix as a 2-D float tensor of `dtype`.
Tensor from_matrix(const Matrix& m, DType dtype);

}  // namespace attn
