// `attn compare A B`: how far tensor A (a kernel's output, say) is from tensor B (the reference),
// element by element, for an engineer checking a kernel against attn.
//
// A and B must have the same shape (leading axes of size 1 aside: (1, 6, 4) matches (6, 4)); any
// float dtypes. Element i is within tolerance when |a_i − b_i| ≤ atol + rtol·|b_i| (the test of
// numpy.allclose and torch.testing.assert_close, with B as the expected tensor). NaN matches NaN
// and ∞ matches an ∞ of the same sign; any other non-finite pair is beyond tolerance.
//
// Default tolerances are torch.testing.assert_close's for the coarser of the two dtypes:
//   float16 rtol 1e-3, atol 1e-5   bfloat16 rtol 1.6e-2, atol 1e-5
//   float32 rtol 1.3e-6, atol 1e-5 float64  rtol 1e-7,   atol 1e-7
// When the coarser dtype is float16, bfloat16 or float32 the error is also counted in its ULPs at
// b_i (core/dtype's ulp_of): |a_i − b_i| / ulp(b_i).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "attn/core/dtype.hpp"
#include "attn/io/tensor_file.hpp"

namespace attn {

struct Tolerance {
  double rtol = 0, atol = 0;
};

// The shape without its leading axes of size 1 (one axis kept): shapes match when these do.
std::vector<std::size_t> squeeze_leading(const std::vector<std::size_t>& shape);

// torch.testing.assert_close's defaults for dtype (the table above).
Tolerance default_tolerance(DType dtype);

struct CompareOptions {
  std::optional<double> rtol, atol;  // the defaults above when absent
};

// The worst element by one measure: where it is and the two values there.
struct WorstElement {
  double error = 0;
  std::size_t index = 0;  // C order
  double a = 0, b = 0;
};

struct Comparison {
  std::string a_name, b_name;
  DType a_dtype = DType::f64, b_dtype = DType::f64;
  std::vector<std::size_t> a_shape, b_shape;
  std::vector<std::size_t> shape;  // the common shape, without leading 1s
  std::size_t count = 0;           // elements compared
  Tolerance tolerance;
  bool default_tolerance = true;
  std::size_t beyond = 0;  // elements beyond tolerance
  WorstElement max_abs, max_rel;
  std::optional<WorstElement> max_ulp;  // in ulp_dtype's units
  DType ulp_dtype = DType::f32;

  bool within() const noexcept { return beyond == 0; }
};

// Compares a with b. Throws a data_error (exit 65) naming both shapes when they differ, or a
// dtype that is not a float type; a usage error for a negative or non-finite tolerance.
Comparison compare_tensors(const NamedTensor& a, const NamedTensor& b, const CompareOptions& o);
Comparison compare_tensors(std::string_view a_name, const Tensor& a, std::string_view b_name,
                           const Tensor& b, const CompareOptions& o);

// The report: shapes and dtypes, the worst absolute, relative and ULP errors with their indices,
// and the count beyond tolerance.
std::string comparison_text(const Comparison& c);
// The same as one JSON object (a string, one line).
std::string comparison_json(const Comparison& c);

}  // namespace attn
