// attend_batched with Products::bf16 (kernel/bf16_products.inc): bfloat16 products with float32
// sums, on AVX512-BF16 and on the plain path, against a float64 reference written here from the
// formulas: s = c·q·kᵀ, and per key tile of 64 the running max m, p = exp(s − m) rounded to
// bfloat16 (ties to even) for p·v while l sums p unrounded, o = Σ bf16(p)·v / l.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <random>
#include <stdexcept>
#include <vector>

#include "attn/core/dtype.hpp"
#include "attn/core/error.hpp"
#include "attn/kernel/streaming.hpp"
#include "streaming_checks.hpp"

using attn::DType;
using attn::Products;
using attn::ProductsUnit;
using attn_test::bhsd_view;

namespace {

// Uniform in [−scale, scale) from the raw 64 bits, then rounded to bfloat16: the bits and their
// values.
struct Bf16 {
  std::vector<std::uint16_t> bits;
  std::vector<double> values;
};
Bf16 random_bf16(std::mt19937_64& rng, std::size_t n, double scale) {
  Bf16 x;
  for (std::size_t i = 0; i < n; ++i) {
    const double u = scale * (2.0 * static_cast<double>(rng() >> 11) * 0x1.0p-53 - 1.0);
    x.bits.push_back(attn::f32_to_bf16(static_cast<float>(u)));
    x.values.push_back(attn::bf16_to_f32(x.bits.back()));
  }
  return x;
}
// Multiples of 1/8 in [−2, 2]: every sum of products of them over d ≤ 128 is exact in float32,
// whatever the order, so both paths get the same s and the same p.
Bf16 dyadic_bf16(std::mt19937_64& rng, std::size_t n) {
  Bf16 x;
  for (std::size_t i = 0; i < n; ++i) {
    const double u = static_cast<double>(static_cast<int>(rng() % 33) - 16) / 8.0;
    x.bits.push_back(attn::f32_to_bf16(static_cast<float>(u)));
    x.values.push_back(u);
  }
  return x;
}

// x > 0 to 8 significant bits, ties to even: x = f·2^e with f in [0.5, 1), f·2^8 rounded to an
// integer in [128, 256]. `ulp` gets the spacing there, and `tie` whether x lies so near a midpoint
// (within 0.002 of f's unit, 8e-6 relative) that float32's p, a few float32 ulps from this one,
// might round the other way.
double round_bf16(double x, double& ulp, bool& tie) {
  int e = 0;
  const double f = std::frexp(x, &e) * 256.0;
  const double frac = f - std::floor(f);
  tie = std::abs(frac - 0.5) < 0.002;
  ulp = std::ldexp(1.0, e - 8);
  return std::ldexp(std::nearbyint(f), e - 8);
}

struct Case {
  std::size_t B = 1, H = 1, G = 1, n_q = 0, n_k = 0, d_k = 0, d_v = 0;
  bool causal = false;
  std::vector<std::size_t> kv_lens;
  std::vector<unsigned char> allowed;  // (B, H, n_q, n_k) or empty
  bool dyadic = false;
};

struct Inputs {
  Bf16 q, k, v;
};
Inputs make_inputs(std::mt19937_64& rng, const Case& c) {
  const auto make = [&](std::size_t n, double scale) {
    return c.dyadic ? dyadic_bf16(rng, n) : random_bf16(rng, n, scale);
  };
  Inputs in;
  in.q = make(c.B * c.H * c.n_q * c.d_k, 2.0);
  in.k = make(c.B * c.G * c.n_k * c.d_k, 2.0);
  in.v = random_bf16(rng, c.B * c.G * c.n_k * c.d_v, 1.0);
  return in;
}

bool sees(const Case& c, std::size_t b, std::size_t h, std::size_t i, std::size_t j) {
  if (c.causal && j > i + c.n_k - c.n_q) return false;  // bottom-right: key j ≤ i + n_k − n_q
  if (!c.kv_lens.empty() && j >= c.kv_lens[b]) return false;
  return c.allowed.empty() || c.allowed[((b * c.H + h) * c.n_q + i) * c.n_k + j] != 0;
}

// The reference in float64, o (B, H, n_q, d_v), and per element the slack that p near a bfloat16
// midpoint allows (one bfloat16 ulp of that p times |v|, over l). With rounded = false, p is not
// rounded: what float32 products would give, which the kernel must miss.
struct Reference {
  std::vector<double> o, slack;
};
Reference reference(const Case& c, const Inputs& in, bool rounded = true) {
  constexpr std::size_t tile = 64;
  const double scale = 1.0 / std::sqrt(static_cast<double>(c.d_k));
  Reference r{std::vector<double>(c.B * c.H * c.n_q * c.d_v, 0.0),
              std::vector<double>(c.B * c.H * c.n_q * c.d_v, 0.0)};
  for (std::size_t b = 0; b < c.B; ++b)
    for (std::size_t h = 0; h < c.H; ++h) {
      const std::size_t g = h / (c.H / c.G);
      for (std::size_t i = 0; i < c.n_q; ++i) {
        const double* qi = &in.q.values[((b * c.H + h) * c.n_q + i) * c.d_k];
        double m = -INFINITY, l = 0;
        std::vector<double> acc(c.d_v, 0.0), slack(c.d_v, 0.0);
        for (std::size_t j0 = 0; j0 < c.n_k; j0 += tile) {
          const std::size_t j1 = std::min(c.n_k, j0 + tile);
          std::vector<double> s(j1 - j0, -INFINITY);
          double m_new = m;
          for (std::size_t j = j0; j < j1; ++j) {
            if (!sees(c, b, h, i, j)) continue;
            const double* kj = &in.k.values[((b * c.G + g) * c.n_k + j) * c.d_k];
            double dot = 0;
            for (std::size_t t = 0; t < c.d_k; ++t) dot += qi[t] * kj[t];
            s[j - j0] = scale * dot;
            m_new = std::max(m_new, s[j - j0]);
          }
          if (m_new == -INFINITY) continue;
          const double correction = std::exp(m - m_new);  // 0 the first time
          l *= correction;
          for (std::size_t t = 0; t < c.d_v; ++t) acc[t] *= correction, slack[t] *= correction;
          for (std::size_t j = j0; j < j1; ++j) {
            if (s[j - j0] == -INFINITY) continue;
            const double p = std::exp(s[j - j0] - m_new);
            l += p;
            double ulp = 0;
            bool tie = false;
            const double p16 = rounded ? round_bf16(p, ulp, tie) : p;
            const double* vj = &in.v.values[((b * c.G + g) * c.n_k + j) * c.d_v];
            for (std::size_t t = 0; t < c.d_v; ++t) {
              acc[t] += p16 * vj[t];
              if (tie) slack[t] += ulp * std::abs(vj[t]);
            }
          }
          m = m_new;
        }
        const std::size_t at = ((b * c.H + h) * c.n_q + i) * c.d_v;
        for (std::size_t t = 0; t < c.d_v && l > 0; ++t) {
          r.o[at + t] = acc[t] / l;
          r.slack[at + t] = slack[t] / l;
        }
      }
    }
  return r;
}

std::vector<float> run(const Case& c, const Inputs& in, Products products,
                       ProductsUnit* ran = nullptr,
                       attn::VectorUnit unit = attn::VectorUnit::automatic,
                       std::size_t tiles_per_item = 0) {
  attn::BatchedOptions o;
  o.tiles_per_item = tiles_per_item;
  o.compute = DType::f32;
  o.products = products;
  o.unit = unit;
  o.threads = 2;
  if (c.causal) o.mask = attn::MaskExpr::causal();
  o.kv_lens = c.kv_lens;
  if (!c.allowed.empty())
    o.mask_tensor =
        attn::MaskTensor::contiguous(c.allowed.data(), DType::boolean, {c.B, c.H, c.n_q, c.n_k});
  std::vector<float> out(c.B * c.H * c.n_q * c.d_v, -7.0f);
  const attn::BatchedReport r =
      attn::attend_batched({in.q.bits.data(), DType::bf16, bhsd_view(c.B, c.H, c.n_q, c.d_k)},
                           {in.k.bits.data(), DType::bf16, bhsd_view(c.B, c.G, c.n_k, c.d_k)},
                           {in.v.bits.data(), DType::bf16, bhsd_view(c.B, c.G, c.n_k, c.d_v)},
                           {out.data(), DType::f32, bhsd_view(c.B, c.H, c.n_q, c.d_v)}, o);
  if (ran) *ran = r.products;
  return out;
}

// The largest |got − want| beyond the slack each element has, over max(1, |want|).
double excess(const std::vector<float>& got, const Reference& want) {
  double worst = 0;
  for (std::size_t x = 0; x < got.size(); ++x) {
    const double d = std::abs(static_cast<double>(got[x]) - want.o[x]) - want.slack[x];
    worst = std::max(worst, d / std::max(1.0, std::abs(want.o[x])));
  }
  return worst;
}

// The paths a machine has: the plain one always, vdpbf16ps where there is AVX512-BF16.
std::vector<Products> paths() {
  std::vector<Products> p{Products::bf16_plain};
  if (attn::has_avx512_bf16()) p.push_back(Products::bf16);
  return p;
}

// float32 sums over up to a few hundred keys: a few ulps of float32 at 1 for the sums of q·k,
// p·v and l (measured: up to 2.7e-7), with room; rounding p moves o by 3.5e-4 to 1.3e-3 on these
// cases, which the check of the unrounded reference below shows.
constexpr double sum_tolerance = 2e-6;

void check_case(const Case& c, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  const Inputs in = make_inputs(rng, c);
  const Reference want = reference(c, in);
  const Reference unrounded = reference(c, in, false);
  for (const Products p : paths()) {
    CAPTURE(static_cast<int>(p));
    ProductsUnit ran{};
    const std::vector<float> got = run(c, in, p, &ran);
    CHECK(ran == (p == Products::bf16 ? ProductsUnit::avx512_bf16 : ProductsUnit::bf16_plain));
    CHECK(excess(got, want) <= sum_tolerance);
    // the test can fail: float32 products (p not rounded) are far outside it
    CHECK(excess(got, unrounded) > 100 * sum_tolerance);
  }
}

}  // namespace

TEST_CASE("attend_batched bf16 products: whole tiles match the float64 reference") {
  Case c;
  c.n_q = 128, c.n_k = 256;
  for (const std::size_t d : {64u, 128u}) {
    CAPTURE(d);
    c.d_k = c.d_v = d;
    check_case(c, 1 + d);
  }
}

TEST_CASE("attend_batched bf16 products: tails of odd d, odd n_k and n_q under 64") {
  Case c;
  for (const auto& [n_q, n_k, d_k, d_v] : {std::array<std::size_t, 4>{37, 101, 7, 5},
                                           {5, 65, 33, 70},
                                           {63, 3, 1, 17},
                                           {70, 129, 65, 1}}) {
    CAPTURE(n_q);
    CAPTURE(n_k);
    CAPTURE(d_k);
    CAPTURE(d_v);
    c.n_q = n_q, c.n_k = n_k, c.d_k = d_k, c.d_v = d_v;
    check_case(c, n_q * 1000 + n_k);
  }
}

TEST_CASE("attend_batched bf16 products: causal, kv_lens, a mask tensor, grouped-query heads") {
  Case c;
  c.B = 2, c.H = 4, c.G = 2, c.n_q = 70, c.n_k = 150, c.d_k = 24, c.d_v = 40;
  SUBCASE("causal") {
    c.causal = true;
  }
  SUBCASE("kv_lens") {
    c.kv_lens = {150, 77};
  }
  SUBCASE("causal and a bool mask tensor") {
    c.causal = true;
    std::mt19937_64 rng(5);
    c.allowed.resize(c.B * c.H * c.n_q * c.n_k);
    for (unsigned char& a : c.allowed) a = rng() % 4 != 0;
  }
  check_case(c, 17);
}

TEST_CASE("attend_batched bf16 products: two query tiles per item give the same bits as one") {
  // each query tile keeps its q in bfloat16 pairs of its own (kernel/bf16_products.inc)
  Case c;
  c.B = 1, c.H = 4, c.G = 2, c.n_q = 200, c.n_k = 150, c.d_k = 24, c.d_v = 40;
  c.causal = true;
  std::mt19937_64 rng(23);
  const Inputs in = make_inputs(rng, c);
  for (const Products p : paths()) {
    CAPTURE(static_cast<int>(p));
    CHECK(run(c, in, p, nullptr, attn::VectorUnit::automatic, 2) ==
          run(c, in, p, nullptr, attn::VectorUnit::automatic, 1));
  }
}

TEST_CASE("attend_batched bf16 products: AVX512-BF16 and the plain path agree to float32 sums") {
  if (!attn::has_avx512_bf16()) return;  // nothing to compare on this machine
  // q and k multiples of 1/8, so s is exact and both paths round the same p; only the order of
  // the float32 sums of p·v and of l differs
  Case c;
  c.B = 1, c.H = 2, c.G = 1, c.n_q = 100, c.n_k = 333, c.d_k = 64, c.d_v = 96, c.dyadic = true;
  c.causal = true;
  std::mt19937_64 rng(3);
  const Inputs in = make_inputs(rng, c);
  const std::vector<float> dot = run(c, in, Products::bf16);
  const std::vector<float> plain = run(c, in, Products::bf16_plain);
  double worst = 0;
  for (std::size_t x = 0; x < dot.size(); ++x)
    worst = std::max(worst, std::abs(static_cast<double>(dot[x]) - plain[x]));
  CHECK(worst <= 2e-6);  // a few float32 ulps at 1; o averages v in [−1, 1]
  // a unit without AVX-512 runs the plain path even when bf16 is asked for
  ProductsUnit ran{};
  const std::vector<float> sse2 = run(c, in, Products::bf16, &ran, attn::VectorUnit::sse2);
  CHECK(ran == ProductsUnit::bf16_plain);
  for (std::size_t x = 0; x < dot.size(); ++x) REQUIRE(std::abs(sse2[x] - plain[x]) <= 2e-6f);
}

TEST_CASE("attend_batched bf16 products: a whole tile's row maximum, and an overflow in it") {
  // 64 queries and keys, d = 2, no mask: one whole tile, whose scores the product watches as it
  // stores them. q_i = (1, 0) and k_j = (j/64, 0) but k_5 = (130, 0), so s_ij = k_j·c with
  // c = 1/√2 and row i's maximum is 130c ≈ 91.9 at key 5, the rest under 0.71: a maximum missed
  // by any column block leaves exp(s − m) to overflow float32 (e^88.7). α is one-hot at key 5 to
  // float32 precision (e^(0.71 − 91.9) ≈ 2e−40), so o_i = v_5 (bfloat16 values, exact in float).
  Case c;
  c.n_q = c.n_k = 64, c.d_k = 2, c.d_v = 3;
  std::mt19937_64 rng(23);
  Inputs in;
  for (std::size_t i = 0; i < 64; ++i) {
    for (const double x : {1.0, 0.0}) in.q.bits.push_back(attn::f32_to_bf16(static_cast<float>(x)));
    const double key = i == 5 ? 130.0 : static_cast<double>(i) / 64.0;
    for (const double x : {key, 0.0}) in.k.bits.push_back(attn::f32_to_bf16(static_cast<float>(x)));
  }
  in.v = random_bf16(rng, 64 * 3, 1.0);
  for (const Products p : paths()) {
    CAPTURE(static_cast<int>(p));
    const std::vector<float> got = run(c, in, p);
    for (std::size_t i = 0; i < 64; ++i)
      for (std::size_t t = 0; t < 3; ++t)
        REQUIRE(got[i * 3 + t] == static_cast<float>(in.v.values[5 * 3 + t]));
  }
  // k_5 = (3e38, 0) and q_7 = (3e38, 0): q_7·k_5 = 9e76 overflows float32 inside the whole tile
  in.k.bits[5 * 2] = attn::f32_to_bf16(3e38f);
  in.q.bits[7 * 2] = attn::f32_to_bf16(3e38f);
  for (const Products p : paths()) {
    CAPTURE(static_cast<int>(p));
    CHECK_THROWS_WITH_AS(run(c, in, p), doctest::Contains("overflows at row 7, column 5"),
                         attn::Error);
  }
}

TEST_CASE("attend_batched bf16 products: only for bfloat16 q, k, v in float32") {
  std::vector<std::uint16_t> h(4, 0x3f80);  // 1.0
  std::vector<float> f(4, 1.0f), out(4);
  const attn::Bhsd v2 = bhsd_view(1, 1, 2, 2);
  attn::BatchedOptions o;
  o.products = Products::bf16;
  o.compute = DType::f32;
  CHECK_THROWS_AS(attn::attend_batched({h.data(), DType::bf16, v2}, {h.data(), DType::bf16, v2},
                                       {f.data(), DType::f32, v2}, {out.data(), DType::f32, v2}, o),
                  std::invalid_argument);
  o.compute = DType::f64;
  CHECK_THROWS_AS(
      attn::attend_batched({h.data(), DType::bf16, v2}, {h.data(), DType::bf16, v2},
                           {h.data(), DType::bf16, v2}, {out.data(), DType::f32, v2}, o),
      std::invalid_argument);
  o.compute = DType::f32;
  const attn::BatchedReport r =
      attn::attend_batched({h.data(), DType::bf16, v2}, {h.data(), DType::bf16, v2},
                           {h.data(), DType::bf16, v2}, {out.data(), DType::f32, v2}, o);
  CHECK(r.products != ProductsUnit::native);
  // every q·k is 2·1/√2 and v is all ones, so o is 1 whatever the weights
  for (const float x : out) CHECK(x == 1.0f);
  CHECK(attn::products_unit_name(ProductsUnit::avx512_bf16) == "avx512-bf16");
  CHECK(attn::products_unit_name(ProductsUnit::bf16_plain) == "plain");
}
