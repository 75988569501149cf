#ifndef ATTN_KERNEL_NS  // ---- the first pass: everything but the vector code ----------------

#include "attn/kernel/streaming.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <exception>
#include <limits>
#include <mutex>
#include <numeric>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>

#include "attn/core/error.hpp"

// The kernel (the second half of this file) is written once with GCC vector extensions and
// compiled three times: this file includes itself under `#pragma GCC target("avx512f")`,
// `target("avx2,fma")` and the default (SSE2), each time in its own namespace, and dispatch picks
// one at run time. a * b + c becomes an FMA where there is one. Vectors never cross a call between
// the copies, so the ABI note about passing them is moot.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace attn {
namespace {

constexpr std::size_t tile_rows = 64;  // Br: queries per tile
constexpr std::size_t tile_keys = 64;  // Bc: keys per tile
constexpr std::size_t micro_rows = 4;  // rows of the register block

template <class T, std::size_t Bytes>
using Vec [[gnu::vector_size(Bytes)]] = T;

// ---- The plan shared by every thread -----------------------------------------------------------

template <class T>
struct Plan {
  AttentionDims dims;
  Geometry geometry;
  const MaskExpr* mask = nullptr;
  bool exact = false;
  T scale = 1;
  std::size_t d_vp = 0;              // d_v rounded up to a whole number of vector blocks
  const T* q = nullptr;              // (n_q, d_k)
  std::vector<T> k_blocks;           // per key tile: kᵀ (d_k, tile_keys), zero padded
  const T* v = nullptr;              // (n_k, d_vp)
  std::vector<T> v_padded;           // v with d_vp columns when d_v is not a whole block
  T* out = nullptr;                  // (n_q, d_v)
  std::vector<KeyRange> spans;       // per row
  std::vector<std::size_t> order;    // query tiles, most work first
  std::vector<unsigned char> empty;  // per row, set by the workers
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> computed{0}, masked{0}, skipped{0};
  std::mutex failure_mutex;
  std::exception_ptr failure;
};

// One thread's scratch: a query tile, the scores, the accumulators.
template <class T>
struct Scratch {
  std::vector<T> q, s, o, m, l;
  Scratch(std::size_t d_k, std::size_t d_vp)
      : q(tile_rows * d_k),
        s(tile_rows * tile_keys),
        o(tile_rows * d_vp),
        m(tile_rows),
        l(tile_rows) {}
};

// ---- The kernel, three times
// ---------------------------------------------------------------------

// Register blocks: 4 rows × ATTN_KERNEL_NV vectors of accumulators, 8 on SSE2 and AVX2 (16
// registers), 16 on AVX-512 (32 registers).
#define ATTN_KERNEL_NS sse2
#define ATTN_KERNEL_BYTES 16
#define ATTN_KERNEL_NV 2
#include "attn/kernel/streaming.cpp"
#undef ATTN_KERNEL_NS
#undef ATTN_KERNEL_BYTES
#undef ATTN_KERNEL_NV
constexpr std::size_t sse2_block = 2 * 16;

#if defined(__x86_64__) || defined(__i386__)
#define ATTN_X86 1
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#define ATTN_KERNEL_NS avx2
#define ATTN_KERNEL_BYTES 32
#define ATTN_KERNEL_NV 2
#include "attn/kernel/streaming.cpp"
#undef ATTN_KERNEL_NS
#undef ATTN_KERNEL_BYTES
#undef ATTN_KERNEL_NV
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx512f,avx2,fma")
#define ATTN_KERNEL_NS avx512
#define ATTN_KERNEL_BYTES 64
#define ATTN_KERNEL_NV 4
#include "attn/kernel/streaming.cpp"
#undef ATTN_KERNEL_NS
#undef ATTN_KERNEL_BYTES
#undef ATTN_KERNEL_NV
#pragma GCC pop_options
#else
#define ATTN_X86 0
#endif

// Bytes of T in one row of a register block, which d_v is padded to.
constexpr std::size_t block_bytes(VectorUnit unit) {
  return unit == VectorUnit::avx512 ? 4 * 64 : unit == VectorUnit::avx2 ? 2 * 32 : sse2_block;
}

// The first q·k that is not finite, scanning in run_attention's order; only called when the
// norms allow an overflow, so the common case costs nothing.
template <class T>
void check_products(const T* q, const T* k, const AttentionDims& d) {
  auto norm = [&](const T* m, std::size_t rows) {
    double most = 0;
    for (std::size_t i = 0; i < rows; ++i) {
      double sum = 0;
      for (std::size_t t = 0; t < d.d_k; ++t)
        sum += static_cast<double>(m[i * d.d_k + t]) * m[i * d.d_k + t];
      most = std::max(most, std::sqrt(sum));
    }
    return most;
  };
  // |q·k| ≤ ‖q‖‖k‖, and every partial sum is below that too
  if (norm(q, d.n_q) * norm(k, d.n_k) < 0.25 * static_cast<double>(std::numeric_limits<T>::max()))
    return;
  for (std::size_t i = 0; i < d.n_q; ++i)
    for (std::size_t j = 0; j < d.n_k; ++j) {
      T sum = 0;
      for (std::size_t t = 0; t < d.d_k; ++t) sum += q[i * d.d_k + t] * k[j * d.d_k + t];
      if (!std::isfinite(sum))
        throw data_error(
            fmt::format("q·k overflows at row {}, column {} (q_{}·k_{} = {})", i, j, i, j, sum),
            fmt::format("scale the inputs down: their products exceed the range of a {}",
                        std::is_same_v<T, float> ? "float" : "double"));
    }
}

template <class T>
StreamingReport attend(std::span<const T> q, std::span<const T> k, std::span<const T> v,
                       const AttentionDims& d, std::span<T> out, const StreamingOptions& opt) {
  if (q.size() != d.n_q * d.d_k || k.size() != d.n_k * d.d_k || v.size() != d.n_k * d.d_v ||
      out.size() != d.n_q * d.d_v)
    throw std::invalid_argument("attend_streaming: a span's size does not match the dims");
  check_not_empty("q", d.n_q * d.d_k);
  check_not_empty("k", d.n_k);
  check_not_empty("v", d.d_v);

  StreamingReport report;
  report.unit = resolve_vector_unit(opt.unit);
  Plan<T> plan;
  plan.dims = d;
  plan.geometry = Geometry{d.n_q, d.n_k, opt.align};
  opt.mask.check_fits(plan.geometry);
  check_products(q.data(), k.data(), d);
  plan.mask = &opt.mask;
  plan.exact = has_exact_spans(opt.mask);
  plan.scale = static_cast<T>(resolve_scale(opt.scale, d.d_k));
  plan.q = q.data();
  plan.out = out.data();

  // kᵀ in tiles of tile_keys keys, so the product reads b row by row
  const std::size_t n_blocks = (d.n_k + tile_keys - 1) / tile_keys;
  plan.k_blocks.assign(n_blocks * d.d_k * tile_keys, T{0});
  for (std::size_t j = 0; j < d.n_k; ++j) {
    T* block = plan.k_blocks.data() + (j / tile_keys) * d.d_k * tile_keys + j % tile_keys;
    for (std::size_t t = 0; t < d.d_k; ++t) block[t * tile_keys] = k[j * d.d_k + t];
  }
  const std::size_t block = block_bytes(report.unit) / sizeof(T);
  plan.d_vp = (d.d_v + block - 1) / block * block;
  if (plan.d_vp == d.d_v) {
    plan.v = v.data();
  } else {
    plan.v_padded.assign(d.n_k * plan.d_vp, T{0});
    for (std::size_t j = 0; j < d.n_k; ++j)
      std::copy_n(v.data() + j * d.d_v, d.d_v, plan.v_padded.data() + j * plan.d_vp);
    plan.v = plan.v_padded.data();
  }

  plan.spans.resize(d.n_q);
  for (std::size_t i = 0; i < d.n_q; ++i) plan.spans[i] = opt.mask.span(plan.geometry, i);
  plan.empty.assign(d.n_q, 0);

  // Query tiles, the most keys first, so the threads finish together.
  const std::size_t n_tiles = (d.n_q + tile_rows - 1) / tile_rows;
  std::vector<std::size_t> work(n_tiles, 0);
  for (std::size_t i = 0; i < d.n_q; ++i) work[i / tile_rows] += plan.spans[i].size();
  plan.order.resize(n_tiles);
  std::iota(plan.order.begin(), plan.order.end(), std::size_t{0});
  std::stable_sort(plan.order.begin(), plan.order.end(),
                   [&](std::size_t a, std::size_t b) { return work[a] > work[b]; });

  void (*worker)(Plan<T>&) = sse2::work;
#if ATTN_X86
  if (report.unit == VectorUnit::avx2) worker = avx2::work;
  if (report.unit == VectorUnit::avx512) worker = avx512::work;
#endif
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const unsigned threads =
      static_cast<unsigned>(std::min<std::size_t>(opt.threads == 0 ? cores : opt.threads, n_tiles));
  report.threads = threads;
  {
    std::vector<std::jthread> pool;
    for (unsigned t = 1; t < threads; ++t) pool.emplace_back([&] { worker(plan); });
    worker(plan);
  }
  if (plan.failure) std::rethrow_exception(plan.failure);
  report.tiles_computed = plan.computed;
  report.tiles_masked = plan.masked;
  report.tiles_skipped = plan.skipped;
  report.exact_spans = plan.exact;

  for (std::size_t i = 0; i < d.n_q; ++i)
    if (plan.empty[i]) report.empty_rows.push_back(i);
  if (report.empty_rows.empty()) return report;
  switch (opt.empty_rows) {
    case EmptyRows::zero:
      break;  // already 0
    case EmptyRows::nan:
      for (std::size_t i : report.empty_rows)
        std::fill_n(out.data() + i * d.d_v, d.d_v, std::numeric_limits<T>::quiet_NaN());
      break;
    case EmptyRows::uniform: {  // weights 1/n_k on every key: the mean of v
      std::vector<T> mean(d.d_v, T{0});
      const T w = T{1} / static_cast<T>(d.n_k);
      for (std::size_t j = 0; j < d.n_k; ++j)
        for (std::size_t t = 0; t < d.d_v; ++t) mean[t] += w * v[j * d.d_v + t];
      for (std::size_t i : report.empty_rows)
        std::copy(mean.begin(), mean.end(), out.data() + i * d.d_v);
      break;
    }
    case EmptyRows::error:
      check_empty_rows(report.empty_rows, opt.empty_rows);
      break;
  }
  return report;
}

}  // namespace

std::string_view vector_unit_name(VectorUnit unit) {
  switch (unit) {
    case VectorUnit::automatic:
      return vector_unit_name(best_vector_unit());
    case VectorUnit::sse2:
      return ATTN_X86 ? "sse2" : "generic";
    case VectorUnit::avx2:
      return "avx2";
    case VectorUnit::avx512:
      return "avx512";
  }
  return "generic";
}

VectorUnit best_vector_unit() {
#if ATTN_X86
  static const VectorUnit best = [] {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return VectorUnit::avx512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return VectorUnit::avx2;
    return VectorUnit::sse2;
  }();
  return best;
#else
  return VectorUnit::sse2;
#endif
}

VectorUnit resolve_vector_unit(VectorUnit wanted) {
  const VectorUnit best = best_vector_unit();
  if (wanted == VectorUnit::automatic) return best;
  if (wanted == VectorUnit::avx512 && best != VectorUnit::avx512) return best;
  if (wanted == VectorUnit::avx2 && best == VectorUnit::sse2) return best;
  return wanted;
}

bool has_exact_spans(const MaskExpr& mask) {
  const std::string text = mask.to_string();
  if (text.find_first_of("|!") != std::string::npos) return false;
  constexpr std::string_view interval_atoms[] = {"full",   "causal", "window", "local",
                                                 "prefix", "valid",  "chunk"};
  return std::ranges::all_of(mask.atoms(), [&](const std::string& atom) {
    const std::string_view name = std::string_view(atom).substr(0, atom.find(':'));
    return std::ranges::find(interval_atoms, name) != std::end(interval_atoms);
  });
}

StreamingReport attend_streaming(std::span<const double> q, std::span<const double> k,
                                 std::span<const double> v, const AttentionDims& dims,
                                 std::span<double> out, const StreamingOptions& options) {
  return attend<double>(q, k, v, dims, out, options);
}

StreamingReport attend_streaming(std::span<const float> q, std::span<const float> k,
                                 std::span<const float> v, const AttentionDims& dims,
                                 std::span<float> out, const StreamingOptions& options) {
  return attend<float>(q, k, v, dims, out, options);
}

Matrix attend_streaming(const Matrix& q, const Matrix& k, const Matrix& v,
                        const StreamingOptions& options, StreamingReport* report) {
  check_not_empty("q", q.size());
  check_not_empty("k", k.size());
  check_not_empty("v", v.size());
  const AttentionDims d = check_shapes(q.rows(), q.cols(), k.rows(), k.cols(), v.rows(), v.cols());
  Matrix out(d.n_q, d.d_v);
  StreamingReport r = attend<double>(q.values(), k.values(), v.values(), d, out.values(), options);
  if (report) *report = std::move(r);
  return out;
}

}  // namespace attn

#else  // ---- a kernel pass: included from the first, inside namespace attn::(anonymous) -------

namespace ATTN_KERNEL_NS {

#define ATTN_INLINE [[gnu::always_inline]] inline

// ---- Vector helpers, generic over the vector type V of T -------------------------------------

template <class V>
using Lane = std::remove_cvref_t<decltype(V{}[0])>;

template <class V>
constexpr std::size_t lanes = sizeof(V) / sizeof(Lane<V>);

template <class V>
ATTN_INLINE V load(const Lane<V>* p) {
  V v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <class V>
ATTN_INLINE void store(Lane<V>* p, const V& v) {
  std::memcpy(p, &v, sizeof v);
}
// The same bits as another vector type of the same size: GCC's cast between vector types
// reinterprets, as std::bit_cast would (which UBSan at -O0 misreports on vector types).
template <class To, class From>
ATTN_INLINE To reinterpret_bits(const From& v) {
  static_assert(sizeof(To) == sizeof(From));
  return (To)v;
}
template <class V>
ATTN_INLINE V splat(Lane<V> x) {
  return x - V{};  // x − (+0) is x for every x, −0 included, so this is a plain broadcast
}
template <class V>
ATTN_INLINE V vmax(const V& a, const V& b) {
  return a > b ? a : b;
}
template <class V>
ATTN_INLINE Lane<V> hmax(const V& v) {
  Lane<V> m = v[0];
  for (std::size_t i = 1; i < lanes<V>; ++i) m = std::max(m, v[i]);
  return m;
}
template <class V>
ATTN_INLINE Lane<V> hsum(const V& v) {
  Lane<V> s = v[0];
  for (std::size_t i = 1; i < lanes<V>; ++i) s += v[i];
  return s;
}

// exp(x) for x ≤ 0 (the only arguments softmax gives it: s − m ≤ 0), to about 1 ulp; −∞ and
// anything below the smallest normal result give exactly 0. x = n·ln 2 + r with |r| ≤ ln2/2,
// exp(r) by its Taylor series (13 terms for double, 8 for float: the first dropped term is below
// half an ulp), then 2^n put straight into the exponent bits.
template <class V>
ATTN_INLINE V vexp(const V& x) {
  using T = Lane<V>;
  if constexpr (std::is_same_v<T, double>) {
    using I = Vec<std::int64_t, sizeof(V)>;
    const V lowest = splat<V>(-708.0);  // exp(−708) ≈ 3.3e−308, just above the smallest normal
    const V xc = vmax(x, lowest);
    const V shifter = splat<V>(0x1.8p52);  // adding it rounds to an integer in the low bits
    const V t = xc * 1.4426950408889634 + shifter;
    const V n = t - shifter;
    V r = n * -0.693145751953125 + xc;  // ln 2 in two parts (Cody and Waite)
    r = n * -1.42860682030941723212e-6 + r;
    V p = splat<V>(1.0 / 6227020800.0);  // 1/13!
    constexpr double inv_fact[] = {1.0 / 479001600.0,
                                   1.0 / 39916800.0,
                                   1.0 / 3628800.0,
                                   1.0 / 362880.0,
                                   1.0 / 40320.0,
                                   1.0 / 5040.0,
                                   1.0 / 720.0,
                                   1.0 / 120.0,
                                   1.0 / 24.0,
                                   1.0 / 6.0,
                                   0.5,
                                   1.0,
                                   1.0};
    for (double c : inv_fact) p = p * r + c;
    const I bits = (reinterpret_bits<I>(t) - reinterpret_bits<I>(shifter) + 1023) << 52;
    const V y = p * reinterpret_bits<V>(bits);
    return x < lowest ? V{} : y;
  } else {
    using I = Vec<std::int32_t, sizeof(V)>;
    const V lowest = splat<V>(-87.0f);
    const V xc = vmax(x, lowest);
    const V shifter = splat<V>(0x1.8p23f);
    const V t = xc * 1.44269504f + shifter;
    const V n = t - shifter;
    V r = n * -0.693359375f + xc;
    r = n * 2.12194440e-4f + r;
    V p = splat<V>(1.0f / 40320.0f);  // 1/8!
    constexpr float inv_fact[] = {1.0f / 5040.0f, 1.0f / 720.0f, 1.0f / 120.0f, 1.0f / 24.0f,
                                  1.0f / 6.0f,    0.5f,          1.0f,          1.0f};
    for (float c : inv_fact) p = p * r + c;
    const I bits = (reinterpret_bits<I>(t) - reinterpret_bits<I>(shifter) + 127) << 23;
    const V y = p * reinterpret_bits<V>(bits);
    return x < lowest ? V{} : y;
  }
}

// ---- The register-blocked product --------------------------------------------------------------

// c = alpha · a · b, or c += a · b: a is micro_rows × depth (row stride lda), b is depth × Nv·W
// (row stride ldb), c is micro_rows × Nv·W (row stride ldc). The micro_rows × Nv accumulators
// stay in registers; each step broadcasts one element of a per row against Nv vectors of b.
template <class V, std::size_t Nv, bool accumulate>
ATTN_INLINE void micro_product(std::size_t depth, const Lane<V>* a, std::size_t lda,
                               const Lane<V>* b, std::size_t ldb, Lane<V>* c, std::size_t ldc,
                               Lane<V> alpha) {
  constexpr std::size_t W = lanes<V>;
  V acc[micro_rows][Nv] = {};
  for (std::size_t t = 0; t < depth; ++t) {
    V bv[Nv];
#pragma GCC unroll 8
    for (std::size_t n = 0; n < Nv; ++n) bv[n] = load<V>(b + t * ldb + n * W);
#pragma GCC unroll 8
    for (std::size_t r = 0; r < micro_rows; ++r) {
      const V ar = splat<V>(a[r * lda + t]);
#pragma GCC unroll 8
      for (std::size_t n = 0; n < Nv; ++n) acc[r][n] = ar * bv[n] + acc[r][n];
    }
  }
#pragma GCC unroll 8
  for (std::size_t r = 0; r < micro_rows; ++r)
#pragma GCC unroll 8
    for (std::size_t n = 0; n < Nv; ++n) {
      Lane<V>* out = c + r * ldc + n * W;
      if constexpr (accumulate)
        store<V>(out, load<V>(out) + acc[r][n]);
      else
        store<V>(out, acc[r][n] * alpha);
    }
}

// The same over rows × cols (multiples of micro_rows and Nv·W).
template <class V, std::size_t Nv, bool accumulate>
ATTN_INLINE void tile_product(std::size_t rows, std::size_t cols, std::size_t depth,
                              const Lane<V>* a, std::size_t lda, const Lane<V>* b, std::size_t ldb,
                              Lane<V>* c, std::size_t ldc, Lane<V> alpha) {
  constexpr std::size_t block = lanes<V> * Nv;
  for (std::size_t n = 0; n < cols; n += block)
    for (std::size_t r = 0; r < rows; r += micro_rows)
      micro_product<V, Nv, accumulate>(depth, a + r * lda, lda, b + n, ldb, c + r * ldc + n, ldc,
                                       alpha);
}

// One query tile: rows [i0, i0 + rows).
template <class V, std::size_t Nv>
ATTN_INLINE void attend_tile(Plan<Lane<V> >& plan, Scratch<Lane<V> >& w, std::size_t tile) {
  using T = Lane<V>;
  constexpr std::size_t W = lanes<V>;
  constexpr T blocked = neg_inf_v<T>;
  const AttentionDims& d = plan.dims;
  const std::size_t i0 = tile * tile_rows;
  const std::size_t rows = std::min(tile_rows, d.n_q - i0);

  // The query tile, zero padded to tile_rows; padding rows have an empty span.
  std::fill(w.q.begin(), w.q.end(), T{0});
  std::copy_n(plan.q + i0 * d.d_k, rows * d.d_k, w.q.begin());
  std::fill(w.o.begin(), w.o.end(), T{0});
  std::fill(w.m.begin(), w.m.end(), blocked);
  std::fill(w.l.begin(), w.l.end(), T{0});

  KeyRange reach{};  // the hull of the rows' spans
  for (std::size_t r = 0; r < rows; ++r) {
    const KeyRange sp = plan.spans[i0 + r];
    if (sp.empty()) continue;
    reach =
        reach.empty() ? sp : KeyRange{std::min(reach.begin, sp.begin), std::max(reach.end, sp.end)};
  }
  const std::size_t n_blocks = (d.n_k + tile_keys - 1) / tile_keys;
  const std::size_t first = reach.empty() ? n_blocks : reach.begin / tile_keys;
  const std::size_t last = reach.empty() ? n_blocks : (reach.end + tile_keys - 1) / tile_keys;
  std::size_t computed = 0, masked = 0;

  for (std::size_t b = first; b < last; ++b) {
    const std::size_t j0 = b * tile_keys;
    const std::size_t keys = std::min(tile_keys, d.n_k - j0);
    // Does any row see this tile, and does every row see all of it?
    bool any = false, whole = keys == tile_keys && rows == tile_rows;
    for (std::size_t r = 0; r < rows; ++r) {
      const KeyRange sp = plan.spans[i0 + r];
      const bool meets = sp.begin < j0 + keys && j0 < sp.end;
      any = any || meets;
      whole = whole && plan.exact && sp.begin <= j0 && j0 + keys <= sp.end;
    }
    if (!any) continue;
    ++computed;

    // pass 1: s = c · q_tile · kᵀ_tile     (tile_rows, d_k) x (d_k, tile_keys)
    T* s = w.s.data();
    tile_product<V, Nv, false>(tile_rows, tile_keys, d.d_k, w.q.data(), d.d_k,
                               plan.k_blocks.data() + b * d.d_k * tile_keys, tile_keys, s,
                               tile_keys, plan.scale);

    // pass 2: −∞ on blocked cells, by interval where the span is exact, else cell by cell
    if (!whole) {
      ++masked;
      for (std::size_t r = 0; r < tile_rows; ++r) {
        T* row = s + r * tile_keys;
        const KeyRange sp = r < rows ? plan.spans[i0 + r] : KeyRange{};
        const std::size_t lo = std::clamp(sp.begin, j0, j0 + tile_keys) - j0;
        const std::size_t hi = std::max(std::clamp(sp.end, j0, j0 + tile_keys) - j0, lo);
        std::fill(row, row + lo, blocked);
        std::fill(row + hi, row + tile_keys, blocked);
        if (plan.exact) continue;
        const std::int64_t p = plan.geometry.position(i0 + r);
        for (std::size_t j = lo; j < hi; ++j)
          if (!plan.mask->allows(i0 + r, p, static_cast<std::int64_t>(j0 + j))) row[j] = blocked;
      }
    }

    // pass 3: running max, p = exp(s − m'), running sum, and the rescaling of o
    for (std::size_t r = 0; r < tile_rows; ++r) {
      T* row = s + r * tile_keys;
      V mv = splat<V>(blocked);
      for (std::size_t j = 0; j < tile_keys; j += W) mv = vmax(mv, load<V>(row + j));
      const T m_new = std::max(w.m[r], hmax(mv));
      if (m_new == blocked) {  // nothing visible yet: p is 0 and o stays 0
        std::fill(row, row + tile_keys, T{0});
        continue;
      }
      const V mb = splat<V>(m_new);
      V sum{};
      for (std::size_t j = 0; j < tile_keys; j += W) {
        const V p = vexp(load<V>(row + j) - mb);
        store<V>(row + j, p);
        sum += p;
      }
      if (w.m[r] != m_new) {
        const T correction = std::exp(w.m[r] - m_new);  // 0 the first time: m was −∞
        w.l[r] *= correction;
        T* o = w.o.data() + r * plan.d_vp;
        for (std::size_t t = 0; t < plan.d_vp; ++t) o[t] *= correction;
        w.m[r] = m_new;
      }
      w.l[r] += hsum(sum);
    }

    // pass 4: o += p · v_tile     (tile_rows, keys) x (keys, d_vp)
    tile_product<V, Nv, true>(tile_rows, plan.d_vp, keys, s, tile_keys, plan.v + j0 * plan.d_vp,
                              plan.d_vp, w.o.data(), plan.d_vp, T{1});
  }

  // o_i / l_i; a row that saw no key is left for the caller's empty-row policy
  for (std::size_t r = 0; r < rows; ++r) {
    T* out = plan.out + (i0 + r) * d.d_v;
    if (w.m[r] == blocked) {
      plan.empty[i0 + r] = 1;
      std::fill(out, out + d.d_v, T{0});
      continue;
    }
    const T* o = w.o.data() + r * plan.d_vp;
    for (std::size_t t = 0; t < d.d_v; ++t) out[t] = o[t] / w.l[r];
  }
  plan.computed += computed;
  plan.masked += masked;
  plan.skipped += n_blocks - computed;
}

template <class V, std::size_t Nv>
void work_on(Plan<Lane<V> >& plan) {
  try {
    Scratch<Lane<V> > scratch(plan.dims.d_k, plan.d_vp);
    for (std::size_t n = plan.next++; n < plan.order.size(); n = plan.next++)
      attend_tile<V, Nv>(plan, scratch, plan.order[n]);
  } catch (...) {  // rethrown by attend once every thread has joined
    plan.next = plan.order.size();
    const std::lock_guard lock(plan.failure_mutex);
    if (!plan.failure) plan.failure = std::current_exception();
  }
}

void work(Plan<double>& plan) {
  work_on<Vec<double, ATTN_KERNEL_BYTES>, ATTN_KERNEL_NV>(plan);
}
void work(Plan<float>& plan) {
  work_on<Vec<float, ATTN_KERNEL_BYTES>, ATTN_KERNEL_NV>(plan);
}

#undef ATTN_INLINE

}  // namespace ATTN_KERNEL_NS

#endif  // ATTN_KERNEL_NS
