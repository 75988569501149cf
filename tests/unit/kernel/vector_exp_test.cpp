// The kernels' exp against the C library's long double expl, on every vector unit, over the whole
// range the kernels give it: x = s − m ≤ 0, and up to exp_margin above 0 (a score above its row's
// running maximum in the forward).
#include "attn/kernel/vector_exp.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace {

// The arguments: a fine sweep of [−8, exp_margin] (where softmax weights are not negligible),
// uniform draws over the whole range down to the lowest argument with a normal result and over
// (0, exp_margin], and a ragged size so the tail lanes run too.
template <class T>
std::vector<T> arguments(T lowest) {
  std::vector<T> x;
  const int top = static_cast<int>(attn::exp_margin<T> * 4096);
  for (int i = -8 * 4096; i <= top; ++i) x.push_back(static_cast<T>(i / 4096.0));
  std::mt19937_64 rng(5);
  const auto uniform = [&] { return static_cast<double>(rng() >> 11) * 0x1.0p-53; };
  for (int i = 0; i < 400001; ++i) x.push_back(static_cast<T>(lowest * uniform()));
  for (int i = 0; i < 100001; ++i) x.push_back(static_cast<T>(attn::exp_margin<T> * uniform()));
  return x;
}

// The largest error in ulps of the exact result (expl's, 11 bits beyond a double).
template <class T>
double worst_ulps(attn::VectorUnit unit, const std::vector<T>& x) {
  std::vector<T> y(x.size());
  attn::vector_exp(unit, x, y);
  double worst = 0;
  for (std::size_t n = 0; n < x.size(); ++n) {
    const long double exact = expl(static_cast<long double>(x[n]));
    const auto nearest = static_cast<T>(exact);
    const long double ulp =
        static_cast<long double>(std::nextafter(nearest, std::numeric_limits<T>::infinity())) -
        static_cast<long double>(nearest);
    worst =
        std::max(worst, static_cast<double>(fabsl(static_cast<long double>(y[n]) - exact) / ulp));
  }
  return worst;
}

}  // namespace

TEST_CASE("the kernels' exp is within 0.8 ulp over the kernels' range, on every vector unit") {
  for (const attn::VectorUnit unit :
       {attn::VectorUnit::sse2, attn::VectorUnit::avx2, attn::VectorUnit::avx512}) {
    const std::string name(attn::vector_unit_name(unit));
    CAPTURE(name);

    CHECK(worst_ulps<double>(unit, arguments(-708.0)) <= 0.8);
    CHECK(worst_ulps<float>(unit, arguments(-87.0f)) <= 0.8);

    // the ends: e⁰ is exactly 1; −∞ and arguments past the lowest give exactly 0
    const double inf = std::numeric_limits<double>::infinity();
    const std::vector<double> ends{0.0, -0.0, -inf, -708.5, -745.2, -1e300};
    std::vector<double> out(ends.size(), -1.0);
    attn::vector_exp(unit, ends, out);
    CHECK(out == std::vector<double>{1.0, 1.0, 0.0, 0.0, 0.0, 0.0});
    const std::vector<float> ends_f{0.0f, -std::numeric_limits<float>::infinity(), -87.5f, -1e30f};
    std::vector<float> out_f(ends_f.size(), -1.0f);
    attn::vector_exp(unit, ends_f, out_f);
    CHECK(out_f == std::vector<float>{1.0f, 0.0f, 0.0f, 0.0f});
    // the top, e^margin, within the same bound
    CHECK(worst_ulps<double>(unit, {attn::exp_margin<double>}) <= 0.8);
    CHECK(worst_ulps<float>(unit, {attn::exp_margin<float>}) <= 0.8);
  }
}
