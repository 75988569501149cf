#include "attn/jobs/compare.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "attn/core/error.hpp"

using attn::DType;
using attn::NamedTensor;
using attn::Tensor;

namespace {

NamedTensor make(const char* name, DType dtype, std::vector<std::size_t> shape,
                 const std::vector<double>& values) {
  Tensor t(DType::f64, std::move(shape));
  for (std::size_t i = 0; i < values.size(); ++i) t.values<double>()[i] = values[i];
  return {name, attn::convert(std::move(t), dtype)};
}

}  // namespace

TEST_CASE("compare finds the worst absolute and relative errors and counts those beyond") {
  // a − b = (0, 0.001, −0.5, 0); relative to |b| = (2, 1, 100, 4): (0, 0.001, 0.005, 0)
  const NamedTensor a = make("a", DType::f64, {2, 2}, {2, 1.001, 99.5, 4});
  const NamedTensor b = make("b", DType::f64, {2, 2}, {2, 1, 100, 4});
  attn::CompareOptions o;
  o.rtol = 1e-3;
  o.atol = 0;
  const attn::Comparison c = attn::compare_tensors(a, b, o);
  CHECK(c.count == 4);
  CHECK(c.max_abs.error == doctest::Approx(0.5).epsilon(1e-12));
  CHECK(c.max_abs.index == 2);
  CHECK(c.max_rel.error == doctest::Approx(0.005).epsilon(1e-9));
  CHECK(c.max_rel.index == 2);
  // 1.001 − 1 ≤ 1e-3·1 holds (the double nearest 1.001 is just below it); |−0.5| ≤ 1e-3·100 does
  // not
  CHECK(c.beyond == 1);
  CHECK_FALSE(c.within());
  CHECK_FALSE(c.max_ulp);  // float64 against float64: no ULP count
  const std::string text = attn::comparison_text(c);
  CHECK(text.find("largest absolute error 0.5 at (1, 0): 99.5 against 100") != std::string::npos);
  CHECK(attn::comparison_json(c).find("\"index\":[1,0]") != std::string::npos);
}

TEST_CASE("compare counts ULPs of the coarser dtype and uses torch.testing's tolerances") {
  // b = 1 in float32; a = 1 + 3·2^−23 is three float32 ULPs above it
  const NamedTensor a = make("a", DType::f32, {3}, {1 + 3 * 0x1p-23, 2, 0.5});
  const NamedTensor b = make("b", DType::f64, {3}, {1, 2, 0.5});
  const attn::Comparison c = attn::compare_tensors(a, b, {});
  REQUIRE(c.max_ulp);
  CHECK(c.max_ulp->error == 3.0);
  CHECK(c.ulp_dtype == DType::f32);
  CHECK(c.tolerance.rtol == 1.3e-6);
  CHECK(c.tolerance.atol == 1e-5);
  CHECK(c.within());  // 3.6e-7 ≤ 1e-5 + 1.3e-6
  CHECK(attn::default_tolerance(DType::bf16).rtol == 1.6e-2);
  CHECK(attn::default_tolerance(DType::f16).rtol == 1e-3);
  CHECK(attn::default_tolerance(DType::f64).atol == 1e-7);
}

TEST_CASE("compare matches NaN with NaN and ∞ with ∞ of the same sign only") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  const NamedTensor a = make("a", DType::f64, {4}, {nan, inf, -inf, 1});
  CHECK(attn::compare_tensors(a, make("b", DType::f64, {4}, {nan, inf, -inf, 1}), {}).within());
  const attn::Comparison c =
      attn::compare_tensors(a, make("b", DType::f64, {4}, {0, -inf, -inf, nan}), {});
  CHECK(c.beyond == 3);
  CHECK(std::isinf(c.max_abs.error));
}

TEST_CASE("compare refuses different shapes, but not leading axes of size 1") {
  const NamedTensor a = make("a.npy", DType::f64, {1, 2, 2}, {1, 2, 3, 4});
  CHECK(attn::compare_tensors(a, make("b.npy", DType::f64, {2, 2}, {1, 2, 3, 4}), {}).within());
  CHECK_THROWS_WITH_AS(attn::compare_tensors(a, make("b.npy", DType::f64, {4}, {1, 2, 3, 4}), {}),
                       "a.npy has shape (1, 2, 2) but b.npy has shape (4,)", attn::Error);
  attn::CompareOptions bad;
  bad.rtol = -1;
  CHECK_THROWS_WITH_AS(attn::compare_tensors(a, a, bad),
                       "--rtol must be a finite number ≥ 0, not -1", attn::Error);
}
