#include "attn/core/dtype.hpp"

#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>

using attn::DType;

namespace {

// bfloat16 rounding worked out another way: keep 8 significant bits with frexp/ldexp and
// round-half-even with nearbyint, in double (exact for these magnitudes).
float bf16_reference(float x) {
  if (x == 0 || !std::isfinite(x)) return x;
  int e = 0;
  const double m = std::frexp(static_cast<double>(x), &e);  // x = m · 2^e, 0.5 ≤ |m| < 1
  const double kept = std::nearbyint(std::ldexp(m, 8));     // 8 bits: 1 implicit + 7 fraction
  return static_cast<float>(std::ldexp(kept, e - 8));
}

}  // namespace

TEST_CASE("float16 conversions of hand-worked values") {
  // 1 = 0 01111 0000000000; 65504 = 0 11110 1111111111 (the largest); 2^−24 = the smallest
  // subnormal; −2 = 1 10000 0000000000
  CHECK(attn::f32_to_f16(1.0f) == 0x3c00);
  CHECK(attn::f32_to_f16(65504.0f) == 0x7bff);
  CHECK(attn::f32_to_f16(-2.0f) == 0xc000);
  CHECK(attn::f32_to_f16(0x1p-24f) == 0x0001);
  CHECK(attn::f32_to_f16(0x1p-14f) == 0x0400);  // the smallest normal
  // ties to even: 2^−25 is halfway between 0 and 2^−24 (→ 0), 3·2^−25 between 1 and 2 units (→ 2)
  CHECK(attn::f32_to_f16(0x1p-25f) == 0x0000);
  CHECK(attn::f32_to_f16(3 * 0x1p-25f) == 0x0002);
  // 1 + 2^−11 is halfway between 1 and 1 + 2^−10: even is 1; 1 + 3·2^−11 rounds up to 1 + 2^−9
  CHECK(attn::f32_to_f16(1.0f + 0x1p-11f) == 0x3c00);
  CHECK(attn::f32_to_f16(1.0f + 3 * 0x1p-11f) == 0x3c02);
  // 65519 rounds down to 65504, 65520 (the halfway point) up to ∞
  CHECK(attn::f32_to_f16(65519.0f) == 0x7bff);
  CHECK(attn::f32_to_f16(65520.0f) == 0x7c00);
  CHECK(attn::f32_to_f16(-std::numeric_limits<float>::infinity()) == 0xfc00);
  CHECK((attn::f32_to_f16(std::numeric_limits<float>::quiet_NaN()) & 0x7fff) > 0x7c00);
  CHECK(attn::f16_to_f32(0x3555) == 0x1.554p-2f);  // 0 01101 0101010101 = 1.333…/4
  CHECK(attn::f16_to_f32(0x0001) == 0x1p-24f);
  CHECK(attn::f16_to_f32(0x8000) == 0.0f);
  CHECK(std::signbit(attn::f16_to_f32(0x8000)));
  CHECK(std::isnan(attn::f16_to_f32(0x7e00)));
}

TEST_CASE("every float16 survives the trip through float32") {
  for (std::uint32_t h = 0; h <= 0xffff; ++h) {
    const auto bits = static_cast<std::uint16_t>(h);
    const float f = attn::f16_to_f32(bits);
    CAPTURE(h);
    if (std::isnan(f))
      CHECK((attn::f32_to_f16(f) & 0x7c00) == 0x7c00);
    else
      CHECK(attn::f32_to_f16(f) == bits);
  }
}

#if defined(__FLT16_MAX__)
TEST_CASE("float16 narrowing agrees with the compiler's _Float16 on random floats") {
  std::mt19937 rng(16);
  for (int n = 0; n < 200000; ++n) {
    // random bit patterns over the whole range, and values near float16's range
    const float x = n % 2 ? std::bit_cast<float>(static_cast<std::uint32_t>(rng()))
                          : std::ldexp(static_cast<float>(rng()) / 4294967296.0f,
                                       static_cast<int>(rng() % 48) - 30);
    if (std::isnan(x)) continue;
    CAPTURE(x);
    CHECK(attn::f32_to_f16(x) == std::bit_cast<std::uint16_t>(static_cast<_Float16>(x)));
  }
}
#endif

TEST_CASE("bfloat16 conversions: the top half of a float32, rounded to nearest even") {
  CHECK(attn::f32_to_bf16(1.0f) == 0x3f80);
  CHECK(attn::bf16_to_f32(0x3f80) == 1.0f);
  CHECK(attn::f32_to_bf16(1.0f + 0x1p-8f) == 0x3f80);                     // halfway: to even
  CHECK(attn::f32_to_bf16(1.0f + 3 * 0x1p-8f) == 0x3f82);                 // halfway: up to even
  CHECK(attn::f32_to_bf16(std::numeric_limits<float>::max()) == 0x7f80);  // rounds to ∞
  CHECK(std::isnan(attn::bf16_to_f32(attn::f32_to_bf16(std::nanf("")))));
  std::mt19937 rng(8);
  for (int n = 0; n < 200000; ++n) {
    const float x = std::ldexp(static_cast<float>(rng()) / 4294967296.0f - 0.5f,
                               static_cast<int>(rng() % 200) - 100);
    CAPTURE(x);
    CHECK(attn::bf16_to_f32(attn::f32_to_bf16(x)) == bf16_reference(x));
  }
}

TEST_CASE("dtype names, sizes and the CLI's spellings") {
  CHECK(attn::dtype_name(DType::bf16) == "bfloat16");
  CHECK(attn::dtype_short_name(DType::f16) == "f16");
  CHECK(attn::dtype_size(DType::f16) == 2);
  CHECK(attn::dtype_size(DType::i64) == 8);
  CHECK(attn::dtype_size(DType::boolean) == 1);
  CHECK(attn::is_float(DType::bf16));
  CHECK_FALSE(attn::is_float(DType::i32));
  CHECK(attn::float_dtype_named("bfloat16") == DType::bf16);
  CHECK(attn::float_dtype_named("half") == DType::f16);
  CHECK(attn::float_dtype_named("f8") == std::nullopt);
}

TEST_CASE("ulp_of is the spacing of each dtype's values") {
  CHECK(attn::ulp_of(DType::f32, 1.0) == 0x1p-23);
  CHECK(attn::ulp_of(DType::f32, 1.9) == 0x1p-23);
  CHECK(attn::ulp_of(DType::f32, 2.0) == 0x1p-22);
  CHECK(attn::ulp_of(DType::f16, 1.0) == 0x1p-10);
  CHECK(attn::ulp_of(DType::bf16, 1.0) == 0x1p-7);
  CHECK(attn::ulp_of(DType::f64, 1.0) == 0x1p-52);
  CHECK(attn::ulp_of(DType::f16, 0.0) == 0x1p-24);   // the subnormal spacing
  CHECK(attn::ulp_of(DType::f16, 1e-6) == 0x1p-24);  // below 2^−14
}
