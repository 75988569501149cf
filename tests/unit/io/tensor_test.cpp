#include "attn/io/tensor.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <vector>

#include "attn/core/error.hpp"

using attn::DType;
using attn::Tensor;

TEST_CASE("a tensor holds its dtype, shape and elements in C order") {
  Tensor t(DType::f32, {2, 3});
  CHECK(t.count() == 6);
  CHECK(t.bytes() == 24);
  CHECK(t.rank() == 2);
  auto v = t.values<float>();
  for (std::size_t i = 0; i < 6; ++i) v[i] = static_cast<float>(i) / 4;
  CHECK(t.at(4) == 1.0);
  CHECK_THROWS_AS(t.values<double>(), std::invalid_argument);
  t.reshape({3, 2});
  CHECK(t.shape() == std::vector<std::size_t>{3, 2});
  CHECK_THROWS_AS(t.reshape({4, 2}), std::invalid_argument);
}

TEST_CASE("headroom sits just before the elements") {
  Tensor t(DType::f64, {4}, 64);
  CHECK(t.headroom().size() == 64);
  CHECK(t.headroom().data() + 64 == t.data());
}

TEST_CASE("at widens every dtype to double") {
  Tensor h(DType::f16, {2});
  h.values<std::uint16_t>()[0] = 0x3c00;  // 1
  h.values<std::uint16_t>()[1] = 0xc000;  // −2
  CHECK(h.at(1) == -2.0);
  Tensor b(DType::bf16, {1});
  b.values<std::uint16_t>()[0] = 0x4040;  // 3
  CHECK(b.at(0) == 3.0);
  Tensor i(DType::i32, {1});
  i.values<std::int32_t>()[0] = -7;
  CHECK(i.at(0) == -7.0);
}

TEST_CASE("element_count refuses shapes whose size overflows") {
  const std::size_t huge[] = {std::size_t{1} << 40, std::size_t{1} << 30};
  CHECK_THROWS_WITH_AS(attn::element_count(huge, 4, "q.npy"),
                       "q.npy: shape (1099511627776, 1073741824) is too large", attn::Error);
  const std::size_t zero[] = {0, 5};
  CHECK(attn::element_count(zero, 8, "q") == 0);
}

TEST_CASE("first_non_finite finds NaN and ±∞ in every float dtype") {
  Tensor h(DType::f16, {3});
  auto hv = h.values<std::uint16_t>();
  hv[0] = 0x3c00, hv[1] = 0x7c00, hv[2] = 0x3c00;  // 1, ∞, 1
  CHECK(attn::first_non_finite(h) == 1u);
  Tensor b(DType::bf16, {2});
  b.values<std::uint16_t>()[0] = 0x3f80;
  b.values<std::uint16_t>()[1] = 0x7fc0;  // NaN
  CHECK(attn::first_non_finite(b) == 1u);
  Tensor d(DType::f64, {2});
  d.values<double>()[0] = 1;
  d.values<double>()[1] = 2;
  CHECK(attn::first_non_finite(d) == std::nullopt);
  Tensor i(DType::i64, {1});
  CHECK(attn::first_non_finite(i) == std::nullopt);
}

TEST_CASE("index_repr names a cell the way a reader looks for it") {
  const std::size_t m[] = {3, 4};
  CHECK(attn::index_repr(m, 9) == "row 2, column 1");
  const std::size_t four[] = {2, 3, 4, 5};
  CHECK(attn::index_repr(four, 1 * 60 + 2 * 20 + 3 * 5 + 4) == "index (1, 2, 3, 4)");
}

TEST_CASE("convert rounds to the narrower dtype, and to_matrix and from_matrix go between") {
  const attn::Matrix m{{1, 1.0 / 3}, {65520, -0.0}};
  const Tensor h = attn::from_matrix(m, DType::f16);
  CHECK(h.values<std::uint16_t>()[0] == 0x3c00);
  CHECK(h.values<std::uint16_t>()[1] == 0x3555);  // 1/3 to the nearest float16
  CHECK(std::isinf(h.at(2)));                     // 65520 rounds to ∞ in float16
  const attn::Matrix back = attn::to_matrix(attn::from_matrix(m, DType::f64), "m");
  CHECK(back == m);
  Tensor batch(DType::f64, {1, 1, 2, 2});
  std::memcpy(batch.data(), m.values().data(), 32);
  CHECK(attn::to_matrix(batch, "m") == m);
  Tensor cube(DType::f64, {2, 2, 2});
  CHECK_THROWS_AS(attn::to_matrix(cube, "m"), attn::Error);
}
