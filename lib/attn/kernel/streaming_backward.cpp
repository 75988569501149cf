// The plan and the dispatch of the streaming backward: checks, key spans, which (query tile, key
// tile) pairs anything sees, D_i, the work items, the threads and the sum of dq. The vector code
// is kernel/backward_kernel.inc.
#include "attn/kernel/streaming_backward.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <exception>
#include <limits>
#include <mutex>
#include <numeric>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <utility>

#include "attn/core/error.hpp"
#include "attn/core/heads.hpp"
#include "attn/core/large_buffer.hpp"
#include "attn/kernel/threads.hpp"

// As in kernel/streaming.cpp: the vector code is compiled once per vector width, and vectors
// never cross a call between the copies.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace attn {
namespace {

constexpr std::size_t tile_rows = 64;  // queries per tile
constexpr std::size_t tile_keys = 64;  // keys per tile
constexpr std::size_t micro_rows = 4;  // rows of the register block

template <class T, std::size_t Bytes>
using Vec [[gnu::vector_size(Bytes)]] = T;

// One work item: one key tile of one kv head of one batch, or two neighbours (tile, tile + 1)
// that read each query tile's q and dO once for both.
struct BackItem {
  std::size_t batch = 0, kv_head = 0, tile = 0, tiles = 1;
  std::size_t work = 0;  // (query tile, key tile) pairs computed, over the group's heads
};

template <class T>
struct BackPlan {
  std::size_t batch = 0, heads = 0, kv_heads = 0;
  std::size_t n_q = 0, n_k = 0, d_k = 0, d_v = 0;
  std::size_t d_kp = 0, d_vp = 0;  // d_k, d_v rounded up to whole vector blocks
  std::size_t n_qt = 0, n_kt = 0;  // query tiles, key tiles
  std::size_t n_qp = 0;            // n_qt · tile_rows: the rows of a head in dq's sums
  Geometry geometry;
  const MaskExpr* mask = nullptr;
  bool exact = false;
  T scale = 1;
  TensorIn q, k, v, d_out;
  TensorOut dq, dk, dv;
  std::vector<KeyRange> spans;  // MaskExpr::span of each query row
  const std::vector<std::size_t>* kv_lens = nullptr;
  const MaskTensor* mask_tensor = nullptr;
  std::vector<KeyRange> tensor_spans;  // per distinct row of the mask tensor
  // per (batch, head, query tile, key tile): some row sees a key; one head for all but a mask
  // tensor with a head axis
  std::vector<unsigned char> seen;
  std::size_t seen_heads = 1;
  std::vector<T> slopes;
  bool capped = false;
  T cap = 1;
  std::vector<T> lse;         // (B, H, S_q)
  std::vector<T> row_dot;     // D_i = Σ_c dO_ic o_ic, (B, H, S_q)
  std::vector<T> uniform_dv;  // (B, H, d_v): Σ over empty rows of dO_i / S_k; empty: none
  std::vector<BackItem> items;
  std::size_t item_tiles = 1;                    // the most key tiles in an item
  std::vector<std::vector<std::size_t>> shares;  // per thread: the items it runs, in order
  std::vector<LargeArray<T>> dq_sums;            // one per thread, (B, H, n_qp, d_kp), zeroed
  std::atomic<std::size_t> computed{0};
  std::atomic<bool> overflow{false}, stop{false};
  std::mutex failure_mutex;
  std::exception_ptr failure;

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
  std::size_t seen_at(std::size_t b, std::size_t h, std::size_t qt, std::size_t kt) const {
    return ((b * seen_heads + (seen_heads == 1 ? 0 : h)) * n_qt + qt) * n_kt + kt;
  }
  bool sees(std::size_t b, std::size_t h, std::size_t qt, std::size_t kt) const {
    return seen[seen_at(b, h, qt, kt)] != 0;
  }
};

// One key tile's k, kᵀ, vᵀ and its sums of dk and dv.
template <class T>
struct KeyTileScratch {
  std::vector<T> k, kt, vt, dk, dv;
  KeyTileScratch(std::size_t d_kp, std::size_t d_vp)
      : k(tile_keys * d_kp),
        kt(d_kp * tile_keys),
        vt(d_vp * tile_keys),
        dk(tile_keys * d_kp),
        dv(tile_keys * d_vp) {}
};

template <class T>
struct BackScratch {
  std::vector<KeyTileScratch<T>> key;  // one per key tile of an item
  std::vector<T> q, d_out, s, da, row;
  std::vector<T> mask_row;            // a mask tensor's row over one key tile: what it adds to β
  std::vector<T> lse_rows, dot_rows;  // a whole tile's rows: the log-sum-exp and D_i
  BackScratch(std::size_t tiles, std::size_t d_kp, std::size_t d_vp)
      : key(tiles, KeyTileScratch<T>(d_kp, d_vp)),
        q(tile_rows * d_kp),
        d_out(tile_rows * d_vp),
        s(tile_rows * tile_keys),
        da(tile_rows * tile_keys),
        row(std::max(d_kp, d_vp)),
        mask_row(tile_keys),
        lse_rows(tile_rows),
        dot_rows(tile_rows) {}
};

#define ATTN_KERNEL_BODY "attn/kernel/backward_kernel.inc"
#include "attn/kernel/vector_units.inc"
#undef ATTN_KERNEL_BODY

// Element i of a float tensor, as T.
template <class T>
T element_as(const TensorIn& t, std::size_t i) {
  T x{};
  sse2::load_row(t.data, t.dtype, i, 1, &x);
  return x;
}

void check_view(const Bhsd& v, const char* what) {
  if (v.seq > 0 && v.dim > 0 && v.batch > 0 && v.heads > 0) return;
  throw std::invalid_argument(fmt::format("attend_backward: {} has an empty axis", what));
}

bool same_shape(const Bhsd& a, const Bhsd& b) {
  return a.batch == b.batch && a.heads == b.heads && a.seq == b.seq && a.dim == b.dim;
}

template <class T>
BackwardReport backward(const TensorIn& q, const TensorIn& k, const TensorIn& v, const TensorIn& o,
                        const TensorIn& d_out, std::span<const double> lse, const TensorOut& dq,
                        const TensorOut& dk, const TensorOut& dv, const BackwardOptions& opt) {
  for (const DType d :
       {q.dtype, k.dtype, v.dtype, o.dtype, d_out.dtype, dq.dtype, dk.dtype, dv.dtype})
    if (!is_float(d)) throw std::invalid_argument("attend_backward: operands must be floats");
  check_view(q.view, "q");
  check_view(k.view, "k");
  check_view(v.view, "v");
  const std::size_t B = q.view.batch, H = q.view.heads, G = k.view.heads;
  if (k.view.batch != B || v.view.batch != B || v.view.heads != G || G > H || H % G != 0 ||
      k.view.dim != q.view.dim || v.view.seq != k.view.seq || o.view.batch != B ||
      o.view.heads != H || o.view.seq != q.view.seq || o.view.dim != v.view.dim ||
      !same_shape(d_out.view, o.view) || !same_shape(dq.view, q.view) ||
      !same_shape(dk.view, k.view) || !same_shape(dv.view, v.view))
    throw std::invalid_argument("attend_backward: the operands' views do not fit together");
  if (lse.size() != B * H * q.view.seq)
    throw std::invalid_argument("attend_backward: lse needs one value per (batch, head, row)");
  if (!opt.kv_lens.empty() && opt.kv_lens.size() != B)
    throw std::invalid_argument("attend_backward: kv_lens needs one length per batch");
  if (!opt.alibi_slopes.empty() && opt.alibi_slopes.size() != H)
    throw std::invalid_argument("attend_backward: alibi_slopes needs one slope per head");
  if (opt.key_tiles_per_item > max_key_tiles_per_item)
    throw std::invalid_argument(fmt::format(
        "attend_backward: key_tiles_per_item is {}; give 0 (the kernel's choice), 1 or 2",
        opt.key_tiles_per_item));

  BackwardReport report;
  report.unit = resolve_vector_unit(opt.unit);
  BackPlan<T> plan;
  plan.batch = B, plan.heads = H, plan.kv_heads = G;
  plan.n_q = q.view.seq, plan.n_k = k.view.seq, plan.d_k = q.view.dim, plan.d_v = v.view.dim;
  const std::size_t block = block_bytes(report.unit) / sizeof(T);
  plan.d_kp = (plan.d_k + block - 1) / block * block;
  plan.d_vp = (plan.d_v + block - 1) / block * block;
  plan.n_qt = (plan.n_q + tile_rows - 1) / tile_rows;
  plan.n_kt = (plan.n_k + tile_keys - 1) / tile_keys;
  plan.n_qp = plan.n_qt * tile_rows;
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
  plan.q = q, plan.k = k, plan.v = v, plan.d_out = d_out;
  plan.dq = dq, plan.dk = dk, plan.dv = dv;
  plan.kv_lens = &opt.kv_lens;
  if (opt.mask_tensor) {
    plan.mask_tensor = &*opt.mask_tensor;
    plan.tensor_spans = mask_tensor_spans(*opt.mask_tensor, plan.n_k);
    plan.seen_heads = opt.mask_tensor->heads;
  }
  plan.spans.resize(plan.n_q);
  for (std::size_t i = 0; i < plan.n_q; ++i) plan.spans[i] = opt.mask.span(plan.geometry, i);

  // Which (query tile, key tile) pairs some row sees, per batch (and head).
  plan.seen.assign(B * plan.seen_heads * plan.n_qt * plan.n_kt, 0);
  for (std::size_t b = 0; b < B; ++b)
    for (std::size_t h = 0; h < plan.seen_heads; ++h)
      for (std::size_t i = 0; i < plan.n_q; ++i) {
        const KeyRange sp = plan.row_span(b, h, i);
        if (sp.empty()) continue;
        for (std::size_t kt = sp.begin / tile_keys; kt * tile_keys < sp.end; ++kt)
          plan.seen[plan.seen_at(b, h, i / tile_rows, kt)] = 1;
      }

  // The log-sum-exp, D_i = Σ_c dO_ic o_ic, and what rows with every key blocked need.
  plan.lse.assign(lse.begin(), lse.end());
  plan.row_dot.assign(B * H * plan.n_q, T{0});
  std::vector<std::size_t> empty_rows;  // of the first (batch, head) that has any
  std::size_t first_empty = B * H;
  std::vector<T> d_out_row(plan.d_v), o_row(plan.d_v);
  for (std::size_t b = 0; b < B; ++b)
    for (std::size_t h = 0; h < H; ++h)
      for (std::size_t i = 0; i < plan.n_q; ++i) {
        const std::size_t row = (b * H + h) * plan.n_q + i;
        if (plan.lse[row] == neg_inf_v<T>) {
          ++report.rows_empty;
          if (first_empty == B * H) first_empty = b * H + h;
          if (first_empty == b * H + h) empty_rows.push_back(i);
          if (opt.empty_rows != EmptyRows::uniform) continue;
          if (plan.uniform_dv.empty()) plan.uniform_dv.assign(B * H * plan.d_v, T{0});
          for (std::size_t t = 0; t < plan.d_v; ++t)
            plan.uniform_dv[(b * H + h) * plan.d_v + t] +=
                element_as<T>(d_out, d_out.view.offset(b, h, i) + t) / static_cast<T>(plan.n_k);
          continue;
        }
        sse2::load_row(d_out.data, d_out.dtype, d_out.view.offset(b, h, i), plan.d_v,
                       d_out_row.data());
        sse2::load_row(o.data, o.dtype, o.view.offset(b, h, i), plan.d_v, o_row.data());
        plan.row_dot[row] =
            std::inner_product(d_out_row.begin(), d_out_row.end(), o_row.begin(), T{0});
      }
  if (report.rows_empty > 0 && opt.empty_rows != EmptyRows::zero &&
      opt.empty_rows != EmptyRows::uniform) {
    const std::string where =
        B * H == 1 ? ""
                   : fmt::format("batch {}, head {}: ", first_empty / H + 1, first_empty % H + 1);
    if (opt.empty_rows == EmptyRows::error) {
      try {
        check_empty_rows(empty_rows, EmptyRows::error);
      } catch (const Error& e) {
        throw Error(e.code(), where + e.what(), e.hint());
      }
    }
    throw data_error(
        fmt::format("{}row{} {} {} every key blocked and NaN weights, whose gradient is "
                    "not a number",
                    where, empty_rows.size() > 1 ? "s" : "", row_list(empty_rows),
                    empty_rows.size() > 1 ? "have" : "has"),
        "use --empty-rows zero, uniform or error");
  }

  // Items of one or two neighbouring key tiles, the most work first.
  const std::size_t per_item =
      opt.key_tiles_per_item != 0
          ? opt.key_tiles_per_item
          : auto_key_tiles_per_item(B * G * plan.n_kt,
                                    thread_count(opt.threads, B * G * plan.n_kt));
  plan.item_tiles = report.key_tiles_per_item = per_item;
  const std::size_t per_group = H / G;
  for (std::size_t b = 0; b < B; ++b)
    for (std::size_t g = 0; g < G; ++g)
      for (std::size_t kt = 0; kt < plan.n_kt; kt += per_item) {
        const std::size_t tiles = std::min(per_item, plan.n_kt - kt);
        std::size_t work = 0;
        for (std::size_t h = g * per_group; h < (g + 1) * per_group; ++h)
          for (std::size_t qt = 0; qt < plan.n_qt; ++qt)
            for (std::size_t u = 0; u < tiles; ++u) work += plan.sees(b, h, qt, kt + u);
        plan.items.push_back({b, g, kt, tiles, work});
      }
  std::stable_sort(plan.items.begin(), plan.items.end(),
                   [](const BackItem& a, const BackItem& b) { return a.work > b.work; });

  void (*worker)(BackPlan<T>&, unsigned) = sse2::backward_work;
#if ATTN_X86
  if (report.unit == VectorUnit::avx2) worker = avx2::backward_work;
  if (report.unit == VectorUnit::avx512) worker = avx512::backward_work;
#endif
  const unsigned threads = thread_count(opt.threads, plan.items.size());
  report.threads = threads;
  // Each item to the thread with the least work so far (a key tile costs its query tiles and one
  // more for loading its k and v): decided here, not by which thread is free first, so that dq's
  // sums are added in the same order on every run.
  plan.shares.resize(threads);
  std::vector<std::size_t> load(threads, 0);
  for (std::size_t n = 0; n < plan.items.size(); ++n) {
    const auto least =
        static_cast<std::size_t>(std::min_element(load.begin(), load.end()) - load.begin());
    plan.shares[least].push_back(n);
    load[least] += plan.items[n].work + plan.items[n].tiles;
  }
  plan.dq_sums.resize(threads);
  run_threads(threads, [&](unsigned t) { worker(plan, t); });
  if (plan.failure) std::rethrow_exception(plan.failure);
  if (plan.overflow)
    throw data_error("q·k overflows in the backward pass",
                     fmt::format("scale the inputs down: their products exceed the range of a {}",
                                 std::is_same_v<T, float> ? "float" : "double"));

  // dq = c · the threads' sums, added in thread order; the rows shared out among the threads,
  // each with a row of its own allocated here (nothing in the threads may throw)
  const std::size_t rows = B * H * plan.n_q;
  std::vector<std::vector<T>> row_of(threads, std::vector<T>(plan.d_kp));
  run_threads(threads, [&](unsigned t) {
    std::vector<T>& row = row_of[t];
    for (std::size_t n = rows * t / threads; n < rows * (t + 1) / threads; ++n) {
      const std::size_t bh = n / plan.n_q, i = n % plan.n_q;
      const std::size_t at = (bh * plan.n_qp + i) * plan.d_kp;
      std::copy_n(plan.dq_sums[0].data() + at, plan.d_kp, row.data());
      for (std::size_t p = 1; p < threads; ++p) {
        const T* part = plan.dq_sums[p].data() + at;
        for (std::size_t c = 0; c < plan.d_kp; ++c) row[c] += part[c];
      }
      for (T& x : row) x *= plan.scale;
      sse2::store_row(dq.data, dq.dtype, dq.view.offset(bh / H, bh % H, i), plan.d_k, row.data());
    }
  });
  report.tiles_computed = plan.computed;
  report.tiles_skipped = B * H * plan.n_qt * plan.n_kt - plan.computed;
  return report;
}

}  // namespace

std::size_t auto_key_tiles_per_item(std::size_t key_tiles, unsigned threads) {
  return pairs_keep_threads_busy(key_tiles, threads) ? 2 : 1;
}

BackwardReport attend_backward(const TensorIn& q, const TensorIn& k, const TensorIn& v,
                               const TensorIn& o, const TensorIn& d_out,
                               std::span<const double> lse, const TensorOut& dq,
                               const TensorOut& dk, const TensorOut& dv,
                               const BackwardOptions& options) {
  if (options.compute == DType::f32)
    return backward<float>(q, k, v, o, d_out, lse, dq, dk, dv, options);
  if (options.compute == DType::f64)
    return backward<double>(q, k, v, o, d_out, lse, dq, dk, dv, options);
  throw std::invalid_argument("attend_backward: compute in float32 or float64");
}

}  // namespace attn
