// The plan and the dispatch of the streaming kernel: checks, key spans, work items, the thread
// pool, and the empty-row policy. The vector code is kernel/tile_kernel.inc.
#include "attn/kernel/streaming.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <exception>
#include <limits>
#include <memory>
#include <mutex>
#include <numeric>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>

#include "attn/core/error.hpp"
#include "attn/core/heads.hpp"
#include "attn/kernel/threads.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>
#endif

// The vector kernel (kernel/tile_kernel.inc) is written once with GCC vector extensions and
// compiled three times: this file includes it under `#pragma GCC target("avx512f")`,
// `target("avx2,fma")` and the default (SSE2), each time in its own namespace, and dispatch picks
// one at run time. a * b + c becomes an FMA where there is one. A fourth copy, under
// `target("avx512bf16,…")`, runs bfloat16 products with vdpbf16ps (kernel/bf16_products.inc) when
// they are asked for and the processor has AVX512-BF16. Vectors never cross a call between the
// copies, so the ABI note about passing them is moot.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace attn {
namespace {

constexpr std::size_t tile_rows = 64;  // Br: queries per tile
constexpr std::size_t tile_keys = 64;  // Bc: keys per tile
constexpr std::size_t micro_rows = 4;  // rows of the register block

template <class T, std::size_t Bytes>
using Vec [[gnu::vector_size(Bytes)]] = T;

// ---- The plan shared by every thread -----------------------------------------------------------

// One work item: one query tile, or two that read the same k and v (the next tiles of a head,
// or one tile of two query heads of a group), each key tile streamed once for both.
inline constexpr std::size_t max_item_tiles = 2;
struct Item {
  std::size_t batch = 0;
  struct Part {
    std::size_t head = 0, tile = 0;
  } part[max_item_tiles];
  std::size_t tiles = 0;
  bool pack_next = false;  // halfway through its group: pack the next group's k and v first
};

// The k and v of one (batch, kv head), packed once for every query head that reads them.
template <class T>
struct Group {
  std::once_flag packed;
  std::vector<T> k_blocks;                      // per key tile: kᵀ (d_k, tile_keys), zero padded
  std::vector<T> v_packed;                      // (n_k, d_vp) when v is converted or padded
  std::vector<std::uint16_t> k_pairs, v_pairs;  // for vdpbf16ps (kernel/bf16_products.inc)
  const T* v = nullptr;                         // row j of v at v + j·ldv, d_vp columns
  std::size_t ldv = 0;
  std::atomic<std::size_t> left{0};  // items not finished; the last frees the buffers
};

template <class T>
struct Plan {
  std::size_t batch = 0, heads = 0, kv_heads = 0;
  std::size_t n_q = 0, n_k = 0, d_k = 0, d_v = 0;
  std::size_t d_vp = 0;      // d_v rounded up to a whole number of vector blocks
  std::size_t n_blocks = 0;  // key tiles
  Geometry geometry;
  const MaskExpr* mask = nullptr;
  bool exact = false;    // every row's span is exact: no cell-by-cell mask
  bool round_p = false;  // bfloat16 products on the plain path: p rounded to bfloat16 for p·v
  T scale = 1;
  TensorIn q, k, v;
  TensorOut out;
  std::vector<KeyRange> spans;  // MaskExpr::span of each query row
  const std::vector<std::size_t>* kv_lens = nullptr;
  const MaskTensor* mask_tensor = nullptr;
  std::vector<KeyRange> tensor_spans;  // per distinct row of the mask tensor
  std::vector<T> slopes;               // ALiBi, per head; empty: none
  bool capped = false;
  T cap = 1;
  float* lse = nullptr;
  double* lse_f64 = nullptr;
  std::unique_ptr<Group<T>[]> groups;
  std::vector<Item> items;
  std::vector<unsigned char> empty;  // per (batch, head, row), set by the workers
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> computed{0}, masked{0}, kept{0}, skipped{0};
  std::atomic<bool> overflow{false};
  std::mutex failure_mutex;
  std::exception_ptr failure;

  std::size_t group_of(std::size_t b, std::size_t h) const {
    return b * kv_heads + kv_head_of(h, HeadLayout{heads, kv_heads});
  }
  // The keys row i of (b, h) may see at most.
  KeyRange row_span(std::size_t b, std::size_t h, std::size_t i) const {
    KeyRange s = spans[i];
    if (!kv_lens->empty()) s.end = std::min(s.end, (*kv_lens)[b]);
    if (mask_tensor) {
      const KeyRange t = tensor_spans[mask_tensor->row_index(b, h, i)];
      s = {std::max(s.begin, t.begin), std::min(s.end, t.end)};
    }
    return s.empty() ? KeyRange{} : s;
  }
};

// What one query tile of an item keeps while the key tiles stream past: q, o and m.
template <class T>
struct TileBuffers {
  std::vector<T> q, o, m;
  std::vector<std::uint16_t> q_pairs;  // for vdpbf16ps: q in bfloat16
  TileBuffers(std::size_t d_k, std::size_t d_vp)
      : q(tile_rows * d_k), o(tile_rows * d_vp), m(tile_rows) {}
};
// One thread's scratch: the scores, a row, and its item's query tiles.
template <class T>
struct Scratch {
  std::vector<T> s, row;
  std::vector<std::uint16_t> p_pairs;  // for vdpbf16ps: p in bfloat16
  std::vector<TileBuffers<T>> tiles;   // max_item_tiles of them
  Scratch(std::size_t d_k, std::size_t d_vp, std::size_t d_v)
      : s(tile_rows * tile_keys),
        row(std::max(d_k, d_v)),
        p_pairs(tile_rows * tile_keys),
        tiles(max_item_tiles, TileBuffers<T>(d_k, d_vp)) {}
};

// ---- Elements of any float dtype, as T ---------------------------------------------------------

template <class S>
S load_as(const void* base, std::size_t i) {
  S x;
  std::memcpy(&x, static_cast<const std::byte*>(base) + i * sizeof(S), sizeof(S));
  return x;
}

// Element i of a float tensor, widened to double.
double element(const void* base, DType dtype, std::size_t i) {
  switch (dtype) {
    case DType::f16:
      return f16_to_f32(load_as<std::uint16_t>(base, i));
    case DType::bf16:
      return bf16_to_f32(load_as<std::uint16_t>(base, i));
    case DType::f32:
      return load_as<float>(base, i);
    case DType::f64:
      return load_as<double>(base, i);
    case DType::boolean:
    case DType::u8:
      return load_as<unsigned char>(base, i);
    default:
      return 0;
  }
}

// Stores x as element i of a float tensor (float16 and bfloat16 through float32).
void store_element(void* base, DType dtype, std::size_t i, double x) {
  std::byte* p = static_cast<std::byte*>(base);
  switch (dtype) {
    case DType::f16: {
      const std::uint16_t h = f32_to_f16(static_cast<float>(x));
      std::memcpy(p + 2 * i, &h, 2);
      break;
    }
    case DType::bf16: {
      const std::uint16_t h = f32_to_bf16(static_cast<float>(x));
      std::memcpy(p + 2 * i, &h, 2);
      break;
    }
    case DType::f32: {
      const auto f = static_cast<float>(x);
      std::memcpy(p + 4 * i, &f, 4);
      break;
    }
    default:
      std::memcpy(p + 8 * i, &x, 8);
      break;
  }
}

// ---- The kernel, three times --------------------------------------------------------------------

#define ATTN_KERNEL_BODY "attn/kernel/tile_kernel.inc"
#include "attn/kernel/vector_units.inc"
#undef ATTN_KERNEL_BODY

// A fourth copy for bfloat16 products on AVX512-BF16 (kernel/bf16_products.inc): AVX-512's with
// vdpbf16ps in passes 1 and 5, run only when the processor has it. Its intrinsics need GCC's
// target pragma, which clang (the fuzz build) does not honour: there bfloat16 products take the
// plain path. ATTN_BF16_DOT: 1 where this copy exists.
#if ATTN_X86 && !defined(__clang__)
#define ATTN_BF16_DOT 1
#else
#define ATTN_BF16_DOT 0
#endif
#if ATTN_BF16_DOT
#pragma GCC push_options
#pragma GCC target("avx512bf16,avx512f,avx512bw,avx512vl,avx2,fma,f16c")
#define ATTN_KERNEL_NS avx512bf16
#define ATTN_KERNEL_BYTES 64
#define ATTN_KERNEL_NV 4
#define ATTN_KERNEL_BF16 1
#include "attn/kernel/tile_kernel.inc"
#undef ATTN_KERNEL_NS
#undef ATTN_KERNEL_BYTES
#undef ATTN_KERNEL_NV
#undef ATTN_KERNEL_BF16
#pragma GCC pop_options
#endif

// The first c·q·k that is not finite, scanning batches, heads, rows and keys in order; called
// only once a tile has seen one, so the common case costs nothing. Throws the overflow error.
template <class T>
[[noreturn]] void report_overflow(const Plan<T>& p) {
  const bool one = p.batch == 1 && p.heads == 1;
  for (std::size_t b = 0; b < p.batch; ++b)
    for (std::size_t h = 0; h < p.heads; ++h) {
      const std::size_t g = kv_head_of(h, HeadLayout{p.heads, p.kv_heads});
      for (std::size_t i = 0; i < p.n_q; ++i)
        for (std::size_t j = 0; j < p.n_k; ++j) {
          T sum = 0;
          for (std::size_t t = 0; t < p.d_k; ++t)
            sum += static_cast<T>(element(p.q.data, p.q.dtype, p.q.view.offset(b, h, i) + t)) *
                   static_cast<T>(element(p.k.data, p.k.dtype, p.k.view.offset(b, g, j) + t));
          if (std::isfinite(sum) && std::isfinite(sum * p.scale)) continue;
          throw data_error(
              fmt::format("{}q·k overflows at row {}, column {} (q_{}·k_{} = {})",
                          one ? "" : fmt::format("batch {}, head {}: ", b, h), i, j, i, j, sum),
              fmt::format("scale the inputs down: their products exceed the range of a {}",
                          std::is_same_v<T, float> ? "float" : "double"));
        }
    }
  throw data_error("a score overflows", "scale the inputs down");
}

void check_view(const Bhsd& v, const char* what) {
  if (v.seq > 0 && v.dim > 0 && v.batch > 0 && v.heads > 0) return;
  throw std::invalid_argument(fmt::format("attend_batched: {} has an empty axis", what));
}

template <class T>
BatchedReport attend(const TensorIn& q, const TensorIn& k, const TensorIn& v, const TensorOut& out,
                     const BatchedOptions& opt) {
  for (const DType d : {q.dtype, k.dtype, v.dtype, out.dtype})
    if (!is_float(d)) throw std::invalid_argument("attend_batched: operands must be floats");
  check_view(q.view, "q");
  check_view(k.view, "k");
  check_view(v.view, "v");
  const std::size_t B = q.view.batch, H = q.view.heads, G = k.view.heads;
  if (k.view.batch != B || v.view.batch != B || out.view.batch != B || v.view.heads != G || G > H ||
      H % G != 0 || k.view.dim != q.view.dim || v.view.seq != k.view.seq || out.view.heads != H ||
      out.view.seq != q.view.seq || out.view.dim != v.view.dim)
    throw std::invalid_argument("attend_batched: the operands' views do not fit together");
  if (!opt.kv_lens.empty() && opt.kv_lens.size() != B)
    throw std::invalid_argument("attend_batched: kv_lens needs one length per batch");
  if (!opt.alibi_slopes.empty() && opt.alibi_slopes.size() != H)
    throw std::invalid_argument("attend_batched: alibi_slopes needs one slope per head");
  if (opt.tiles_per_item > max_item_tiles)
    throw std::invalid_argument(
        fmt::format("attend_batched: tiles_per_item is {}; give 0 (the kernel's choice), 1 or 2",
                    opt.tiles_per_item));

  const bool bf16_products = opt.products != Products::native;
  if (bf16_products && (q.dtype != DType::bf16 || k.dtype != DType::bf16 ||
                        v.dtype != DType::bf16 || !std::is_same_v<T, float>))
    throw std::invalid_argument(
        "attend_batched: bfloat16 products need bfloat16 q, k and v and float32 compute");

  BatchedReport report;
  report.unit = resolve_vector_unit(opt.unit);
  const bool dot =
      opt.products == Products::bf16 && report.unit == VectorUnit::avx512 && has_avx512_bf16();
  report.products = dot             ? ProductsUnit::avx512_bf16
                    : bf16_products ? ProductsUnit::bf16_plain
                                    : ProductsUnit::native;
  Plan<T> plan;
  plan.round_p = bf16_products && !dot;
  plan.batch = B, plan.heads = H, plan.kv_heads = G;
  plan.n_q = q.view.seq, plan.n_k = k.view.seq, plan.d_k = q.view.dim, plan.d_v = v.view.dim;
  plan.geometry = Geometry{plan.n_q, plan.n_k, opt.align};
  opt.mask.check_fits(plan.geometry);
  plan.mask = &opt.mask;
  plan.exact = has_exact_spans(opt.mask) && !opt.mask_tensor;
  plan.scale = static_cast<T>(resolve_scale(opt.scale, plan.d_k));
  if (opt.softcap) {
    check_softcap(*opt.softcap);
    plan.capped = true;
    plan.cap = static_cast<T>(*opt.softcap);
  }
  for (const double m : opt.alibi_slopes) plan.slopes.push_back(static_cast<T>(m));
  plan.q = q, plan.k = k, plan.v = v, plan.out = out;
  plan.kv_lens = &opt.kv_lens;
  plan.lse = opt.lse;
  plan.lse_f64 = opt.lse_f64;
  if (opt.mask_tensor) {
    plan.mask_tensor = &*opt.mask_tensor;
    plan.tensor_spans = mask_tensor_spans(*opt.mask_tensor, plan.n_k);
  }
  plan.n_blocks = (plan.n_k + tile_keys - 1) / tile_keys;
  const std::size_t block = block_bytes(report.unit) / sizeof(T);
  plan.d_vp = (plan.d_v + block - 1) / block * block;

  plan.spans.resize(plan.n_q);
  for (std::size_t i = 0; i < plan.n_q; ++i) plan.spans[i] = opt.mask.span(plan.geometry, i);
  plan.empty.assign(B * H * plan.n_q, 0);

  // Query tiles, the most keys first, so the threads finish together; items grouped by the kv
  // head they read, so each group's k and v are packed once and freed soon; one or two tiles per
  // item, neighbours in that order (two read each key tile once: auto_tiles_per_item).
  const std::size_t n_tiles = (plan.n_q + tile_rows - 1) / tile_rows;
  std::vector<std::size_t> work(n_tiles, 0);
  for (std::size_t i = 0; i < plan.n_q; ++i) work[i / tile_rows] += plan.spans[i].size();
  std::vector<std::size_t> order(n_tiles);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return work[a] > work[b]; });
  plan.groups = std::make_unique<Group<T>[]>(B * G);
  const std::size_t per_group = H / G;
  const std::size_t tiles = B * H * n_tiles,
                    kv_bytes = plan.n_k * (plan.d_k + plan.d_vp) * sizeof(T);
  const std::size_t per_item =
      opt.tiles_per_item != 0
          ? opt.tiles_per_item
          : auto_tiles_per_item(kv_bytes, tiles, thread_count(opt.threads, tiles));
  report.tiles_per_item = per_item;
  plan.items.reserve(tiles);
  for (std::size_t b = 0; b < B; ++b)
    for (std::size_t g = 0; g < G; ++g) {
      const std::size_t first = plan.items.size();
      for (const std::size_t tile : order)
        for (std::size_t h = g * per_group; h < (g + 1) * per_group; ++h) {
          const bool join = plan.items.size() > first && plan.items.back().tiles < per_item;
          Item& item = join ? plan.items.back() : plan.items.emplace_back();
          item.batch = b;
          item.part[item.tiles++] = {h, tile};
        }
      // while one thread packs the next group, the others finish this one, so nobody waits
      if (b * G + g + 1 < B * G)
        plan.items[first + (plan.items.size() - first) / 2].pack_next = true;
      plan.groups[b * G + g].left = plan.items.size() - first;
    }

  void (*worker)(Plan<T>&) = sse2::work;
#if ATTN_X86
  if (report.unit == VectorUnit::avx2) worker = avx2::work;
  if (report.unit == VectorUnit::avx512) worker = avx512::work;
#endif
#if ATTN_BF16_DOT
  if (dot) worker = avx512bf16::work;
#endif
  report.threads = thread_count(opt.threads, plan.items.size());
  run_threads(report.threads, [&](unsigned) { worker(plan); });
  if (plan.failure) std::rethrow_exception(plan.failure);
  if (plan.overflow) report_overflow(plan);
  report.tiles_computed = plan.computed;
  report.tiles_masked = plan.masked;
  report.tiles_kept_max = plan.kept;
  report.tiles_skipped = plan.skipped;
  report.exact_spans = plan.exact;

  for (std::size_t b = 0; b < B; ++b)
    for (std::size_t h = 0; h < H; ++h)
      for (std::size_t i = 0; i < plan.n_q; ++i)
        if (plan.empty[(b * H + h) * plan.n_q + i]) report.empty_rows.push_back({b, h, i});
  if (report.empty_rows.empty()) return report;
  switch (opt.empty_rows) {
    case EmptyRows::zero:
      break;  // already 0
    case EmptyRows::nan:
    case EmptyRows::uniform:
      for (const BlockedRow& r : report.empty_rows) {
        // NaN, or weights 1/n_k on every key: the mean of v
        const std::size_t g = kv_head_of(r.head, HeadLayout{H, G});
        for (std::size_t t = 0; t < plan.d_v; ++t) {
          double x = std::numeric_limits<double>::quiet_NaN();
          if (opt.empty_rows == EmptyRows::uniform) {
            x = 0;
            for (std::size_t j = 0; j < plan.n_k; ++j)
              x += element(v.data, v.dtype, v.view.offset(r.batch, g, j) + t);
            x /= static_cast<double>(plan.n_k);
          }
          store_element(out.data, out.dtype, out.view.offset(r.batch, r.head, r.row) + t, x);
        }
      }
      break;
    case EmptyRows::error: {
      // the rows of the first (batch, head) that has any, named as the step path names them
      const BlockedRow first = report.empty_rows.front();
      std::vector<std::size_t> rows;
      for (const BlockedRow& r : report.empty_rows)
        if (r.batch == first.batch && r.head == first.head) rows.push_back(r.row);
      try {
        check_empty_rows(rows, EmptyRows::error);
      } catch (const Error& e) {
        if (B == 1 && H == 1) throw;
        throw Error(e.code(),
                    fmt::format("batch {}, head {}: {}", first.batch, first.head, e.what()),
                    e.hint());
      }
      break;
    }
  }
  return report;
}

TensorIn rows_of(const void* data, DType dtype, std::size_t rows, std::size_t cols) {
  TensorIn t{data, dtype, {}};
  t.view.seq = rows, t.view.dim = cols;
  t.view.row_stride = cols, t.view.head_stride = t.view.batch_stride = rows * cols;
  return t;
}

template <class T>
StreamingReport attend_one(std::span<const T> q, std::span<const T> k, std::span<const T> v,
                           const AttentionDims& d, std::span<T> out, const StreamingOptions& opt) {
  if (q.size() != d.n_q * d.d_k || k.size() != d.n_k * d.d_k || v.size() != d.n_k * d.d_v ||
      out.size() != d.n_q * d.d_v)
    throw std::invalid_argument("attend_streaming: a span's size does not match the dims");
  check_not_empty("q", d.n_q * d.d_k);
  check_not_empty("k", d.n_k);
  check_not_empty("v", d.d_v);
  constexpr DType dtype = dtype_of<T>;
  BatchedOptions b;
  b.mask = opt.mask;
  b.align = opt.align;
  b.scale = opt.scale;
  b.empty_rows = opt.empty_rows;
  b.threads = opt.threads;
  b.unit = opt.unit;
  b.compute = dtype;
  const TensorIn o = rows_of(out.data(), dtype, d.n_q, d.d_v);
  const BatchedReport r =
      attend<T>(rows_of(q.data(), dtype, d.n_q, d.d_k), rows_of(k.data(), dtype, d.n_k, d.d_k),
                rows_of(v.data(), dtype, d.n_k, d.d_v), TensorOut{out.data(), dtype, o.view}, b);
  StreamingReport report;
  for (const BlockedRow& row : r.empty_rows) report.empty_rows.push_back(row.row);
  report.tiles_computed = r.tiles_computed;
  report.tiles_masked = r.tiles_masked;
  report.tiles_kept_max = r.tiles_kept_max;
  report.tiles_skipped = r.tiles_skipped;
  report.threads = r.threads;
  report.unit = r.unit;
  report.exact_spans = r.exact_spans;
  return report;
}

}  // namespace

std::string_view products_unit_name(ProductsUnit unit) {
  switch (unit) {
    case ProductsUnit::native:
      break;
    case ProductsUnit::bf16_plain:
      return "plain";
    case ProductsUnit::avx512_bf16:
      return "avx512-bf16";
  }
  return "native";
}

bool has_avx512_bf16() {
#if ATTN_BF16_DOT
  // AVX512_BF16 is CPUID leaf 7, subleaf 1, EAX bit 5; asked directly, as F16C is
  // (kernel/vector_unit.cpp)
  static const bool has = [] {
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    return best_vector_unit() == VectorUnit::avx512 &&
           __get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx) != 0 && (eax & (1u << 5)) != 0;
  }();
  return has;
#else
  return false;
#endif
}

std::size_t auto_tiles_per_item(std::size_t kv_bytes, std::size_t tiles, unsigned threads) {
  constexpr std::size_t beyond_cache = std::size_t{8} << 20;
  return kv_bytes >= beyond_cache && pairs_keep_threads_busy(tiles, threads) ? 2 : 1;
}

std::vector<KeyRange> mask_tensor_spans(const MaskTensor& m, std::size_t n_k) {
  const bool additive = is_float(m.dtype);
  std::vector<KeyRange> spans(m.batch * m.heads * m.rows);
  for (std::size_t b = 0; b < m.batch; ++b)
    for (std::size_t h = 0; h < m.heads; ++h)
      for (std::size_t i = 0; i < m.rows; ++i) {
        const std::size_t base = m.row_offset(b, h, i);
        std::size_t first = n_k, last = 0;
        for (std::size_t j = 0; j < n_k; ++j) {
          const double x = element(m.data, m.dtype, base + j * m.col_stride);
          if (additive ? x == neg_inf : x == 0) continue;
          first = std::min(first, j);
          last = j + 1;
        }
        spans[m.row_index(b, h, i)] = first < last ? KeyRange{first, last} : KeyRange{};
      }
  return spans;
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

BatchedReport attend_batched(const TensorIn& q, const TensorIn& k, const TensorIn& v,
                             const TensorOut& out, const BatchedOptions& options) {
  if (options.compute == DType::f32) return attend<float>(q, k, v, out, options);
  if (options.compute == DType::f64) return attend<double>(q, k, v, out, options);
  throw std::invalid_argument("attend_batched: compute in float32 or float64");
}

StreamingReport attend_streaming(std::span<const double> q, std::span<const double> k,
                                 std::span<const double> v, const AttentionDims& dims,
                                 std::span<double> out, const StreamingOptions& options) {
  return attend_one<double>(q, k, v, dims, out, options);
}

StreamingReport attend_streaming(std::span<const float> q, std::span<const float> k,
                                 std::span<const float> v, const AttentionDims& dims,
                                 std::span<float> out, const StreamingOptions& options) {
  return attend_one<float>(q, k, v, dims, out, options);
}

Matrix attend_streaming(const Matrix& q, const Matrix& k, const Matrix& v,
                        const StreamingOptions& options, StreamingReport* report) {
  check_not_empty("q", q.size());
  check_not_empty("k", k.size());
  check_not_empty("v", v.size());
  const AttentionDims d = check_shapes(q.rows(), q.cols(), k.rows(), k.cols(), v.rows(), v.cols());
  Matrix out(d.n_q, d.d_v);
  StreamingReport r =
      attend_one<double>(q.values(), k.values(), v.values(), d, out.values(), options);
  if (report) *report = std::move(r);
  return out;
}

}  // namespace attn
