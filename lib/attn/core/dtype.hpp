// Element types of the tensors attn reads and writes, and the conversions between the 16-bit
// floats and float32.
//
//   float16   IEEE 754 binary16: 1 sign, 5 exponent (bias 15), 10 fraction bits; largest 65504
//   bfloat16  the top half of a float32: 1 sign, 8 exponent (bias 127), 7 fraction bits
//
// Narrowing rounds to nearest, ties to even (as NumPy's astype, PyTorch's .half() and
// .bfloat16() do); a value beyond the largest finite one becomes ±∞; NaN stays NaN.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <type_traits>

namespace attn {

enum class DType { f16, bf16, f32, f64, boolean, u8, i8, i16, i32, i64 };

// "float16", "bfloat16", "float32", "float64", "bool", "uint8", "int8", … "int64".
std::string_view dtype_name(DType dtype) noexcept;
// "f16", "bf16", "f32", "f64", "bool", "u8", … (the CLI's spelling).
std::string_view dtype_short_name(DType dtype) noexcept;
// The dtype a CLI spelling names: f16, float16, half, bf16, bfloat16, f32, float32, f64, float64.
std::optional<DType> float_dtype_named(std::string_view text) noexcept;
// Bytes per element.
std::size_t dtype_size(DType dtype) noexcept;
// float16, bfloat16, float32 or float64.
bool is_float(DType dtype) noexcept;
// Bits of precision (the fraction plus the implicit bit): 11, 8, 24, 53; 0 for the others.
int mantissa_bits(DType dtype) noexcept;

// The dtype of a float or a double (the kernels' compute precisions).
template <class T>
requires std::is_same_v<T, float> || std::is_same_v<T, double>
inline constexpr DType dtype_of = std::is_same_v<T, float> ? DType::f32 : DType::f64;

float f16_to_f32(std::uint16_t bits) noexcept;
std::uint16_t f32_to_f16(float x) noexcept;
float bf16_to_f32(std::uint16_t bits) noexcept;
std::uint16_t f32_to_bf16(float x) noexcept;

// The spacing of dtype's values at |x|: 2^(e − p + 1) for x in [2^e, 2^(e+1)), and the subnormal
// spacing below the smallest normal. For a float dtype and finite x.
double ulp_of(DType dtype, double x) noexcept;

}  // namespace attn
