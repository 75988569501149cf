#include "attn/io/tensor.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <type_traits>

#include "attn/core/error.hpp"
#include "attn/core/large_buffer.hpp"

namespace attn {

namespace {

template <class T>
constexpr bool matches(DType d) {
  if constexpr (std::is_same_v<T, float>) return d == DType::f32;
  if constexpr (std::is_same_v<T, double>) return d == DType::f64;
  if constexpr (std::is_same_v<T, std::uint16_t>) return d == DType::f16 || d == DType::bf16;
  if constexpr (std::is_same_v<T, unsigned char>) return d == DType::boolean || d == DType::u8;
  if constexpr (std::is_same_v<T, std::int8_t>) return d == DType::i8;
  if constexpr (std::is_same_v<T, std::int16_t>) return d == DType::i16;
  if constexpr (std::is_same_v<T, std::int32_t>) return d == DType::i32;
  if constexpr (std::is_same_v<T, std::int64_t>) return d == DType::i64;
  return false;
}

template <class T>
T load(const std::byte* p, std::size_t i) noexcept {
  T x;
  std::memcpy(&x, p + i * sizeof(T), sizeof(T));
  return x;
}

}  // namespace

std::size_t element_count(std::span<const std::size_t> shape, std::size_t element,
                          std::string_view name) {
  std::size_t count = 1, bytes = 0;
  for (const std::size_t d : shape)
    if (__builtin_mul_overflow(count, d, &count))
      throw data_error(fmt::format("{}: shape {} is too large", name, shape_repr(shape)));
  if (__builtin_mul_overflow(count, element, &bytes) || bytes > (SIZE_MAX >> 2))
    throw data_error(fmt::format("{}: shape {} is too large", name, shape_repr(shape)));
  return count;
}

Tensor::Tensor(DType dtype, std::vector<std::size_t> shape, std::size_t headroom,
               std::string_view name)
    : dtype_(dtype),
      shape_(std::move(shape)),
      count_(element_count(shape_, dtype_size(dtype), name)),
      headroom_(headroom),
      storage_(nullptr, [](std::byte*) {}) {
  // zeroed pages straight from the system for a large tensor, never written before use
  // (core/large_buffer.hpp)
  LargeBytes block = allocate_large(headroom + bytes());
  std::function<void(std::byte*)> release = block.get_deleter();  // may throw: before release()
  storage_ = decltype(storage_)(block.release(), std::move(release));
}

Tensor Tensor::adopt(DType dtype, std::vector<std::size_t> shape, std::byte* base,
                     std::size_t offset, std::function<void(std::byte*)> release) {
  Tensor t;
  t.dtype_ = dtype;
  t.count_ = element_count(shape, dtype_size(dtype), "tensor");
  t.shape_ = std::move(shape);
  // data() is storage + headroom, so the offset into the region plays the headroom's part, but
  // the bytes before the elements are not free: headroom() must not offer them
  t.storage_ = decltype(t.storage_)(base, std::move(release));
  t.headroom_ = offset;
  t.adopted_ = true;
  return t;
}

template <class T>
std::span<T> Tensor::values() {
  if (!matches<T>(dtype_)) throw std::invalid_argument("Tensor::values: wrong element type");
  return {reinterpret_cast<T*>(data()), count_};
}

template <class T>
std::span<const T> Tensor::values() const {
  if (!matches<T>(dtype_)) throw std::invalid_argument("Tensor::values: wrong element type");
  return {reinterpret_cast<const T*>(data()), count_};
}

#define ATTN_TENSOR_VALUES(T)                \
  template std::span<T> Tensor::values<T>(); \
  template std::span<const T> Tensor::values<T>() const;
ATTN_TENSOR_VALUES(float)
ATTN_TENSOR_VALUES(double)
ATTN_TENSOR_VALUES(std::uint16_t)
ATTN_TENSOR_VALUES(unsigned char)
ATTN_TENSOR_VALUES(std::int8_t)
ATTN_TENSOR_VALUES(std::int16_t)
ATTN_TENSOR_VALUES(std::int32_t)
ATTN_TENSOR_VALUES(std::int64_t)
#undef ATTN_TENSOR_VALUES

double Tensor::at(std::size_t i) const noexcept {
  const std::byte* p = data();
  switch (dtype_) {
    case DType::f16:
      return f16_to_f32(load<std::uint16_t>(p, i));
    case DType::bf16:
      return bf16_to_f32(load<std::uint16_t>(p, i));
    case DType::f32:
      return load<float>(p, i);
    case DType::f64:
      return load<double>(p, i);
    case DType::boolean:
    case DType::u8:
      return load<unsigned char>(p, i);
    case DType::i8:
      return load<std::int8_t>(p, i);
    case DType::i16:
      return load<std::int16_t>(p, i);
    case DType::i32:
      return load<std::int32_t>(p, i);
    case DType::i64:
      return static_cast<double>(load<std::int64_t>(p, i));
  }
  return 0;
}

void Tensor::reshape(std::vector<std::size_t> shape) {
  if (element_count(shape, dtype_size(dtype_), "tensor") != count_)
    throw std::invalid_argument("Tensor::reshape: the element count changes");
  shape_ = std::move(shape);
}

std::string shape_repr(std::span<const std::size_t> shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + (shape.size() == 1 ? ",)" : ")");
}

namespace {

// The first element whose exponent bits are all set (±∞ or NaN). Blocks of 1024 are scanned
// without branches, so the loop vectorises; only a block with such an element is searched.
template <class U>
std::optional<std::size_t> first_all_ones(const std::byte* p, std::size_t n, U exponent) {
  constexpr std::size_t block = 1024;
  for (std::size_t start = 0; start < n; start += block) {
    const std::size_t end = std::min(n, start + block);
    bool any = false;
    for (std::size_t i = start; i < end; ++i) any |= (load<U>(p, i) & exponent) == exponent;
    if (!any) continue;
    for (std::size_t i = start; i < end; ++i)
      if ((load<U>(p, i) & exponent) == exponent) return i;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::size_t> first_non_finite(const Tensor& t) noexcept {
  const std::byte* p = t.data();
  switch (t.dtype()) {
    case DType::f16:
      return first_all_ones<std::uint16_t>(p, t.count(), 0x7c00u);
    case DType::bf16:
      return first_all_ones<std::uint16_t>(p, t.count(), 0x7f80u);
    case DType::f32:
      return first_all_ones<std::uint32_t>(p, t.count(), 0x7f800000u);
    case DType::f64:
      return first_all_ones<std::uint64_t>(p, t.count(), 0x7ff0000000000000u);
    default:
      return std::nullopt;
  }
}

std::string index_repr(std::span<const std::size_t> shape, std::size_t flat) {
  std::vector<std::size_t> index(shape.size());
  for (std::size_t a = shape.size(); a-- > 0;) {
    index[a] = shape[a] ? flat % shape[a] : 0;
    flat = shape[a] ? flat / shape[a] : 0;
  }
  if (index.size() == 2) return fmt::format("row {}, column {}", index[0], index[1]);
  if (index.size() == 1) return fmt::format("index {}", index[0]);
  std::string s = "(";
  for (std::size_t a = 0; a < index.size(); ++a) s += (a ? ", " : "") + std::to_string(index[a]);
  return "index " + s + ")";
}

Tensor convert(Tensor t, DType dtype) {
  if (t.dtype() == dtype) return t;
  if (!is_float(t.dtype()) || !is_float(dtype))
    throw std::invalid_argument("convert: float dtypes only");
  Tensor out(dtype, t.shape());
  const std::size_t n = t.count();
  std::byte* o = out.data();
  for (std::size_t i = 0; i < n; ++i) {
    const double x = t.at(i);
    switch (dtype) {
      case DType::f16: {
        const std::uint16_t h = f32_to_f16(static_cast<float>(x));
        std::memcpy(o + 2 * i, &h, 2);
        break;
      }
      case DType::bf16: {
        const std::uint16_t h = f32_to_bf16(static_cast<float>(x));
        std::memcpy(o + 2 * i, &h, 2);
        break;
      }
      case DType::f32: {
        const auto f = static_cast<float>(x);
        std::memcpy(o + 4 * i, &f, 4);
        break;
      }
      default:
        std::memcpy(o + 8 * i, &x, 8);
        break;
    }
  }
  return out;
}

Matrix to_matrix(const Tensor& t, std::string_view name) {
  if (!is_float(t.dtype()))
    throw data_error(fmt::format("{}: dtype {} is not a float type", name, dtype_name(t.dtype())));
  const auto& s = t.shape();
  std::size_t rows = 1, cols = 1;
  if (s.size() == 1) {
    cols = s[0];
  } else if (s.size() >= 2 && std::all_of(s.begin(), s.end() - 2, [](auto d) { return d == 1; })) {
    rows = s[s.size() - 2];
    cols = s[s.size() - 1];
  } else {
    throw data_error(fmt::format("{}: shape {} is not a matrix", name, shape_repr(s)));
  }
  Matrix m(rows, cols);
  for (std::size_t i = 0; i < t.count(); ++i) m.values()[i] = t.at(i);
  return m;
}

Tensor from_matrix(const Matrix& m, DType dtype) {
  Tensor t(DType::f64, {m.rows(), m.cols()});
  std::memcpy(t.data(), m.values().data(), t.bytes());
  return convert(std::move(t), dtype);
}

}  // namespace attn
