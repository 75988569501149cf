#include "attn/jobs/compare.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "attn/core/error.hpp"

namespace attn {

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

// Wider dtypes rank higher: float16 and bfloat16 are both coarser than float32; bfloat16 has
// fewer significant bits, so it is the coarser of the two.
DType coarser(DType a, DType b) {
  return mantissa_bits(a) <= mantissa_bits(b) ? a : b;
}

std::vector<std::size_t> unravel(const std::vector<std::size_t>& shape, std::size_t flat) {
  std::vector<std::size_t> index(shape.size());
  for (std::size_t a = shape.size(); a-- > 0;) {
    index[a] = flat % shape[a];
    flat /= shape[a];
  }
  return index;
}

std::string index_text(const Comparison& c, std::size_t flat) {
  return fmt::format("({})", fmt::join(unravel(c.a_shape, flat), ", "));
}

void check_tolerance(const std::optional<double>& t, const char* flag) {
  if (t && (!std::isfinite(*t) || *t < 0))
    throw usage_error(fmt::format("{} must be a finite number ≥ 0, not {}", flag, *t));
}

}  // namespace

std::vector<std::size_t> squeeze_leading(const std::vector<std::size_t>& shape) {
  auto first = std::ranges::find_if(shape, [](std::size_t d) { return d != 1; });
  if (first == shape.end() && !shape.empty()) --first;  // keep one axis of an all-1 shape
  return {first, shape.end()};
}

Tolerance default_tolerance(DType dtype) {
  switch (dtype) {
    case DType::f16:
      return {1e-3, 1e-5};
    case DType::bf16:
      return {1.6e-2, 1e-5};
    case DType::f32:
      return {1.3e-6, 1e-5};
    default:
      return {1e-7, 1e-7};
  }
}

Comparison compare_tensors(const NamedTensor& a, const NamedTensor& b, const CompareOptions& o) {
  return compare_tensors(a.name, a.tensor, b.name, b.tensor, o);
}

Comparison compare_tensors(std::string_view a_name, const Tensor& at, std::string_view b_name,
                           const Tensor& bt, const CompareOptions& o) {
  check_tolerance(o.rtol, "--rtol");
  check_tolerance(o.atol, "--atol");
  for (const auto& [name, t] : {std::pair{a_name, &at}, std::pair{b_name, &bt}})
    if (!is_float(t->dtype()))
      throw data_error(
          fmt::format("{}: dtype {} is not a float type; compare reads float16, "
                      "bfloat16, float32 and float64",
                      name, dtype_name(t->dtype())));
  Comparison c;
  c.a_name = a_name, c.b_name = b_name;
  c.a_dtype = at.dtype(), c.b_dtype = bt.dtype();
  c.a_shape = at.shape(), c.b_shape = bt.shape();
  c.shape = squeeze_leading(c.a_shape);
  if (c.shape != squeeze_leading(c.b_shape))
    throw data_error(fmt::format("{} has shape {} but {} has shape {}", a_name,
                                 shape_repr(c.a_shape), b_name, shape_repr(c.b_shape)),
                     "compare tensors of the same shape (leading axes of size 1 aside)");
  const DType coarse = coarser(c.a_dtype, c.b_dtype);
  const Tolerance d = default_tolerance(coarse);
  c.tolerance = {o.rtol.value_or(d.rtol), o.atol.value_or(d.atol)};
  c.default_tolerance = !o.rtol && !o.atol;
  c.count = at.count();
  const bool ulps = coarse != DType::f64;
  if (ulps) c.max_ulp = WorstElement{};
  c.ulp_dtype = coarse;
  c.max_abs.error = c.max_rel.error = -1;
  for (std::size_t i = 0; i < c.count; ++i) {
    const double x = at.at(i), y = bt.at(i);
    double abs = 0, rel = 0;
    const bool same = (std::isnan(x) && std::isnan(y)) || x == y;
    if (!same) {
      const bool finite = std::isfinite(x) && std::isfinite(y);
      abs = finite ? std::abs(x - y) : inf;
      rel = y != 0 ? abs / std::abs(y) : inf;
      if (!finite || abs > c.tolerance.atol + c.tolerance.rtol * std::abs(y)) ++c.beyond;
    }
    if (abs > c.max_abs.error) c.max_abs = {abs, i, x, y};
    if (rel > c.max_rel.error) c.max_rel = {rel, i, x, y};
    if (ulps) {
      const double u = same ? 0 : std::isfinite(abs) ? abs / ulp_of(coarse, y) : inf;
      if (u > c.max_ulp->error || i == 0) *c.max_ulp = {u, i, x, y};
    }
  }
  if (c.count == 0) c.max_abs.error = c.max_rel.error = 0;
  return c;
}

std::string comparison_text(const Comparison& c) {
  std::string t = fmt::format("compare: {} ({}, {}) against {} ({}, {}), {} elements\n", c.a_name,
                              dtype_name(c.a_dtype), shape_repr(c.a_shape), c.b_name,
                              dtype_name(c.b_dtype), shape_repr(c.b_shape), c.count);
  if (c.count == 0) return t + "nothing to compare\n";
  const auto worst = [&](const char* what, const WorstElement& w) {
    return fmt::format("largest {} {:.3g} at {}: {:.9g} against {:.9g}\n", what, w.error,
                       index_text(c, w.index), w.a, w.b);
  };
  t += worst("absolute error", c.max_abs);
  t += worst("relative error", c.max_rel);
  if (c.max_ulp)
    t += worst(fmt::format("error in {} ULPs", dtype_name(c.ulp_dtype)).c_str(), *c.max_ulp);
  t += fmt::format(
      "tolerance |a − b| ≤ {:g} + {:g}·|b|{}: ", c.tolerance.atol, c.tolerance.rtol,
      c.default_tolerance ? fmt::format(" (torch.testing's for {})", dtype_name(c.ulp_dtype)) : "");
  t += c.within() ? fmt::format("all {} within\n", c.count)
                  : fmt::format("{} of {} beyond\n", c.beyond, c.count);
  return t;
}

std::string comparison_json(const Comparison& c) {
  using Json = nlohmann::ordered_json;
  const auto number = [](double x) -> Json {
    if (std::isnan(x)) return "NaN";
    if (std::isinf(x)) return x > 0 ? "Infinity" : "-Infinity";
    return x;
  };
  const auto worst = [&](const WorstElement& w) {
    return Json{{"error", number(w.error)},
                {"index", unravel(c.a_shape, w.index)},
                {"a", number(w.a)},
                {"b", number(w.b)}};
  };
  Json doc{{"a", {{"file", c.a_name}, {"dtype", dtype_name(c.a_dtype)}, {"shape", c.a_shape}}},
           {"b", {{"file", c.b_name}, {"dtype", dtype_name(c.b_dtype)}, {"shape", c.b_shape}}},
           {"elements", c.count},
           {"rtol", c.tolerance.rtol},
           {"atol", c.tolerance.atol},
           {"beyond_tolerance", c.beyond},
           {"within_tolerance", c.within()}};
  if (c.count > 0) {
    doc["max_abs_error"] = worst(c.max_abs);
    doc["max_rel_error"] = worst(c.max_rel);
    doc["max_ulp_error"] = c.max_ulp ? worst(*c.max_ulp) : Json();
    doc["ulp_dtype"] = c.max_ulp ? Json(dtype_name(c.ulp_dtype)) : Json();
  }
  return doc.dump() + "\n";
}

}  // namespace attn
