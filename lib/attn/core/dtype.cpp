#include "attn/core/dtype.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace attn {

std::string_view dtype_name(DType dtype) noexcept {
  switch (dtype) {
    case DType::f16:
      return "float16";
    case DType::bf16:
      return "bfloat16";
    case DType::f32:
      return "float32";
    case DType::f64:
      return "float64";
    case DType::boolean:
      return "bool";
    case DType::u8:
      return "uint8";
    case DType::i8:
      return "int8";
    case DType::i16:
      return "int16";
    case DType::i32:
      return "int32";
    case DType::i64:
      return "int64";
  }
  return "?";
}

std::string_view dtype_short_name(DType dtype) noexcept {
  switch (dtype) {
    case DType::f16:
      return "f16";
    case DType::bf16:
      return "bf16";
    case DType::f32:
      return "f32";
    case DType::f64:
      return "f64";
    case DType::boolean:
      return "bool";
    case DType::u8:
      return "u8";
    case DType::i8:
      return "i8";
    case DType::i16:
      return "i16";
    case DType::i32:
      return "i32";
    case DType::i64:
      return "i64";
  }
  return "?";
}

std::optional<DType> float_dtype_named(std::string_view t) noexcept {
  if (t == "f16" || t == "float16" || t == "half") return DType::f16;
  if (t == "bf16" || t == "bfloat16") return DType::bf16;
  if (t == "f32" || t == "float32" || t == "float") return DType::f32;
  if (t == "f64" || t == "float64" || t == "double") return DType::f64;
  return std::nullopt;
}

std::size_t dtype_size(DType dtype) noexcept {
  switch (dtype) {
    case DType::f16:
    case DType::bf16:
    case DType::i16:
      return 2;
    case DType::f32:
    case DType::i32:
      return 4;
    case DType::f64:
    case DType::i64:
      return 8;
    case DType::boolean:
    case DType::u8:
    case DType::i8:
      return 1;
  }
  return 1;
}

bool is_float(DType dtype) noexcept {
  return dtype == DType::f16 || dtype == DType::bf16 || dtype == DType::f32 || dtype == DType::f64;
}

int mantissa_bits(DType dtype) noexcept {
  switch (dtype) {
    case DType::f16:
      return 11;
    case DType::bf16:
      return 8;
    case DType::f32:
      return 24;
    case DType::f64:
      return 53;
    default:
      return 0;
  }
}

float f16_to_f32(std::uint16_t h) noexcept {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  const std::uint32_t exponent = (h >> 10) & 0x1fu;
  const std::uint32_t fraction = h & 0x3ffu;
  if (exponent == 0x1f)  // ±∞ and NaN (the payload moves up with the fraction)
    return std::bit_cast<float>(sign | 0x7f800000u | (fraction << 13));
  if (exponent == 0) {  // zero and subnormals: fraction · 2^−24, exact in float32
    const float magnitude = static_cast<float>(fraction) * 0x1p-24f;
    return sign ? -magnitude : magnitude;
  }
  // rebias the exponent from 15 to 127
  return std::bit_cast<float>(sign | ((exponent + 112u) << 23) | (fraction << 13));
}

std::uint16_t f32_to_f16(float x) noexcept {
  std::uint32_t bits = std::bit_cast<std::uint32_t>(x);
  const auto sign = static_cast<std::uint16_t>((bits >> 16) & 0x8000u);
  bits &= 0x7fffffffu;
  if (bits >= 0x7f800000u)  // ±∞ stays ∞; NaN becomes a quiet NaN
    return static_cast<std::uint16_t>(sign | (bits > 0x7f800000u ? 0x7e00u : 0x7c00u));
  if (bits >= 0x477ff000u)  // ≥ 65520, halfway between 65504 and 2^16: rounds to ∞
    return static_cast<std::uint16_t>(sign | 0x7c00u);
  if (bits < 0x38800000u) {  // below 2^−14, the smallest normal: a multiple of 2^−24
    // |x| · 2^24 is exact in float32, and nearbyint rounds it to nearest, ties to even; 1024
    // (= 2^−14) comes out as the smallest normal's encoding, as it should
    const float units = std::nearbyint(std::bit_cast<float>(bits) * 0x1p24f);
    return static_cast<std::uint16_t>(sign | static_cast<std::uint16_t>(units));
  }
  // Normal: rebias the exponent from 127 to 15 and drop 13 fraction bits, rounding to nearest
  // with ties to even; a carry out of the fraction moves into the exponent, as it should.
  const std::uint32_t rounded = bits + 0xfffu + ((bits >> 13) & 1u);
  return static_cast<std::uint16_t>(sign | ((rounded - (112u << 23)) >> 13));
}

float bf16_to_f32(std::uint16_t b) noexcept {
  return std::bit_cast<float>(static_cast<std::uint32_t>(b) << 16);
}

std::uint16_t f32_to_bf16(float x) noexcept {
  const std::uint32_t bits = std::bit_cast<std::uint32_t>(x);
  if ((bits & 0x7fffffffu) > 0x7f800000u)  // NaN: keep it a (quiet) NaN
    return static_cast<std::uint16_t>((bits >> 16) | 0x40u);
  // drop 16 fraction bits, rounding to nearest with ties to even; past the largest finite value
  // the carry reaches the exponent and gives ∞
  return static_cast<std::uint16_t>((bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16);
}

double ulp_of(DType dtype, double x) noexcept {
  int p = mantissa_bits(dtype);
  int min_exponent = -1022;  // the exponent of the smallest normal
  switch (dtype) {
    case DType::f16:
      min_exponent = -14;
      break;
    case DType::bf16:
    case DType::f32:
      min_exponent = -126;
      break;
    default:
      break;
  }
  if (p == 0) p = 53;
  const double a = std::abs(x);
  const int e = a == 0 ? min_exponent : std::max(std::ilogb(a), min_exponent);
  return std::ldexp(1.0, e - p + 1);
}

}  // namespace attn
