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

// The vector kernel (kernel/tile_kernel.inc) is written once with GCC vector extensions and
// compiled three times: this file includes it under `#pragma GCC target("avx512f")`,
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
#include "attn/kernel/tile_kernel.inc"
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
#include "attn/kernel/tile_kernel.inc"
#undef ATTN_KERNEL_NS
#undef ATTN_KERNEL_BYTES
#undef ATTN_KERNEL_NV
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx512f,avx2,fma")
#define ATTN_KERNEL_NS avx512
#define ATTN_KERNEL_BYTES 64
#define ATTN_KERNEL_NV 4
#include "attn/kernel/tile_kernel.inc"
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
