// attend_batched: whole layers (B, H, S, D) in tiles; attend_streaming's own cases are in
// streaming_test.cpp.
#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "attn/core/bias.hpp"
#include "attn/core/error.hpp"
#include "attn/core/heads.hpp"
#include "attn/io/tensor.hpp"
#include "attn/kernel/streaming.hpp"
#include "streaming_checks.hpp"

using attn::Align;
using attn::DType;
using attn::EmptyRows;
using attn::MaskExpr;
using attn::Matrix;
using attn::VectorUnit;
using attn_test::bhsd_view;
using attn_test::bshd_view;
using attn_test::check_close;
using attn_test::random_matrix;
using attn_test::slice;
using attn_test::swap_heads_and_rows;

namespace {

// A layer of random q, k, v in PyTorch's layout (B, H, S, D), as doubles.
struct Layer {
  std::size_t B, H, G, n_q, n_k, d_k, d_v;
  std::vector<double> q, k, v;  // (B, H, n_q, d_k), (B, G, n_k, d_k), (B, G, n_k, d_v)
};

Layer random_layer(std::mt19937_64& rng, std::size_t B, std::size_t H, std::size_t G,
                   std::size_t n_q, std::size_t n_k, std::size_t d_k, std::size_t d_v) {
  Layer l{B, H, G, n_q, n_k, d_k, d_v, {}, {}, {}};
  const auto fill = [&](std::vector<double>& x, std::size_t n, double scale) {
    const Matrix m = random_matrix(rng, 1, n, scale);
    x.assign(m.values().begin(), m.values().end());
  };
  fill(l.q, B * H * n_q * d_k, 2.0);
  fill(l.k, B * G * n_k * d_k, 2.0);
  fill(l.v, B * G * n_k * d_v, 1.0);
  return l;
}

// What the options ask for, the step path's way: head (b, h) as its own Problem, with the ALiBi
// matrix as its bias, the softcap, and one additive mask combining the expression, kv_lens and the
// mask tensor (given here as a full (B, H, n_q, n_k) array of 0/1 or additive values).
struct Reference {
  Matrix out;
  std::vector<double> lse;
};
Reference step_head(const Layer& l, std::size_t b, std::size_t h, const attn::BatchedOptions& o,
                    const std::vector<double>& mask_values, bool additive) {
  const attn::Problem p =
      attn_test::head_problem(l, b, h, o, [&](std::size_t i, std::size_t j, double& m_ij) {
        if (mask_values.empty()) return;
        const double x = mask_values[((b * l.H + h) * l.n_q + i) * l.n_k + j];
        if (additive)
          m_ij += x;
        else if (x == 0)
          m_ij = attn::neg_inf;
      });
  const attn::Trace t = attn::run_attention(p, attn::Stage::output);
  Reference r{*t.output, {}};
  // log Σ_j exp(β_ij) = m_i + log Σ_j exp(β_ij − m_i), from the trace's row max and sum
  for (std::size_t i = 0; i < l.n_q; ++i) {
    double most = attn::neg_inf;
    for (double x : t.scores.row(i)) most = std::max(most, x);
    double sum = 0;
    for (double x : t.scores.row(i))
      if (x != attn::neg_inf) sum += std::exp(x - most);
    r.lse.push_back(most == attn::neg_inf ? attn::neg_inf : most + std::log(sum));
  }
  return r;
}

// Runs the batched kernel on the layer in `layout` and the `compute` precision and checks every
// head against the step path.
void check_layer(const Layer& l, attn::BatchedOptions o, bool bshd, double tolerance,
                 const std::vector<double>& mask_values = {}, bool additive = false,
                 const attn::MaskTensor* mt = nullptr) {
  const auto view = [&](std::size_t heads, std::size_t S, std::size_t D) {
    return bshd ? bshd_view(l.B, heads, S, D) : bhsd_view(l.B, heads, S, D);
  };
  const auto store = [&](const std::vector<double>& x, std::size_t heads, std::size_t S,
                         std::size_t D) {
    return bshd ? swap_heads_and_rows(x, l.B, heads, S, D) : x;
  };
  const std::vector<double> q = store(l.q, l.H, l.n_q, l.d_k), k = store(l.k, l.G, l.n_k, l.d_k),
                            v = store(l.v, l.G, l.n_k, l.d_v);
  std::vector<double> out(l.B * l.H * l.n_q * l.d_v, -7.0);
  std::vector<float> lse(l.B * l.H * l.n_q, 99.0f);
  o.lse = lse.data();
  if (mt) o.mask_tensor = *mt;
  const attn::BatchedReport report =
      attn::attend_batched({q.data(), attn::DType::f64, view(l.H, l.n_q, l.d_k)},
                           {k.data(), attn::DType::f64, view(l.G, l.n_k, l.d_k)},
                           {v.data(), attn::DType::f64, view(l.G, l.n_k, l.d_v)},
                           {out.data(), attn::DType::f64, view(l.H, l.n_q, l.d_v)}, o);
  CHECK(report.tiles_computed > 0);
  const std::vector<double> out_bhsd =
      bshd ? swap_heads_and_rows(out, l.B, l.H, l.n_q, l.d_v, true) : out;
  for (std::size_t b = 0; b < l.B; ++b)
    for (std::size_t h = 0; h < l.H; ++h) {
      CAPTURE(b);
      CAPTURE(h);
      const Reference want = step_head(l, b, h, o, mask_values, additive);
      check_close(slice(out_bhsd, b * l.H + h, l.n_q, l.d_v), want.out, tolerance);
      for (std::size_t i = 0; i < l.n_q; ++i) {
        const float got = lse[(b * l.H + h) * l.n_q + i];
        CAPTURE(i);
        if (want.lse[i] == attn::neg_inf)
          CHECK(got == -std::numeric_limits<float>::infinity());
        else
          CHECK(std::abs(got - want.lse[i]) <= 1e-6 * std::max(1.0, std::abs(want.lse[i])));
      }
    }
}

}  // namespace

TEST_CASE("attend_batched gives each head the step path's answer, in both layouts") {
  std::mt19937_64 rng(12);
  struct Shape {
    std::size_t B, H, G, n_q, n_k, d_k, d_v;
  };
  const Shape shapes[] = {{1, 1, 1, 5, 7, 3, 2},
                          {2, 4, 4, 70, 70, 8, 8},
                          {2, 4, 2, 65, 130, 9, 5},
                          {3, 6, 1, 33, 20, 4, 17},
                          {1, 8, 2, 130, 64, 16, 16}};
  for (const Shape& sh : shapes)
    for (const char* mask : {"full", "causal", "causal & window:9", "document:0,0,1,1,1,2"}) {
      const Layer l = random_layer(rng, sh.B, sh.H, sh.G, sh.n_q, sh.n_k, sh.d_k, sh.d_v);
      attn::BatchedOptions o;
      const std::string text = std::string(mask).starts_with("document")
                                   ? "chunk:3 | local:1"  // not exact: cell by cell
                                   : mask;
      o.mask = MaskExpr::parse(text);
      for (bool bshd : {false, true}) {
        CAPTURE(sh.B);
        CAPTURE(sh.H);
        CAPTURE(sh.G);
        CAPTURE(sh.n_q);
        CAPTURE(text);
        CAPTURE(bshd);
        check_layer(l, o, bshd, 1e-12);
      }
    }
}

TEST_CASE("attend_batched maps query head h to kv head ⌊h·G/H⌋") {
  // 4 query heads over 2 kv heads; v of kv head g is the constant g + 1, so every output row of
  // query head h is ⌊h·2/4⌋ + 1 whatever the weights: heads 0, 1 give 1 and heads 2, 3 give 2
  const std::size_t H = 4, G = 2, n = 3, d = 2;
  std::vector<double> q(H * n * d, 0.5), k(G * n * d, 0.25), v(G * n * d);
  for (std::size_t g = 0; g < G; ++g)
    std::fill_n(v.begin() + static_cast<long>(g * n * d), n * d, static_cast<double>(g + 1));
  std::vector<double> out(H * n * d);
  attn::BatchedOptions o;
  attn::attend_batched({q.data(), attn::DType::f64, bhsd_view(1, H, n, d)},
                       {k.data(), attn::DType::f64, bhsd_view(1, G, n, d)},
                       {v.data(), attn::DType::f64, bhsd_view(1, G, n, d)},
                       {out.data(), attn::DType::f64, bhsd_view(1, H, n, d)}, o);
  for (std::size_t h = 0; h < H; ++h)
    for (std::size_t x = 0; x < n * d; ++x) {
      CAPTURE(h);
      CHECK(out[h * n * d + x] == doctest::Approx(static_cast<double>(h * G / H + 1)));
    }
}

TEST_CASE("attend_batched applies kv_lens, ALiBi per head, the softcap and the scale in tiles") {
  std::mt19937_64 rng(99);
  const Layer l = random_layer(rng, 3, 4, 2, 100, 150, 8, 6);
  attn::BatchedOptions o;
  o.mask = MaskExpr::causal();
  o.kv_lens = {150, 70, 1};  // batch 2 sees key 0 only
  o.alibi_slopes = attn::alibi_slopes(4);
  SUBCASE("ALiBi and kv_lens") {
    check_layer(l, o, false, 1e-12);
  }
  SUBCASE("and a softcap and a scale") {
    o.softcap = 2.5;
    o.scale = 0.9;
    check_layer(l, o, true, 1e-12);
  }
  SUBCASE("top-left alignment, and rows that see nothing") {
    o.align = Align::top_left;
    o.kv_lens = {0, 150, 30};
    o.empty_rows = EmptyRows::uniform;
    check_layer(l, o, false, 1e-12);
    o.empty_rows = EmptyRows::nan;
    check_layer(l, o, false, 1e-12);
  }
}

TEST_CASE("attend_batched reads bool and additive mask tensors, broadcast over batch and heads") {
  std::mt19937_64 rng(4);
  const Layer l = random_layer(rng, 2, 3, 3, 70, 80, 5, 4);
  // a (B, 1, 1, n_k) key padding mask, a (n_q, n_k) pattern, and a full (B, H, n_q, n_k) one
  struct Broadcast {
    std::size_t batch, heads, rows;
  };
  for (const Broadcast bc : {Broadcast{2, 1, 1}, Broadcast{1, 1, 70}, Broadcast{2, 3, 70}})
    for (bool additive : {false, true}) {
      std::vector<double> small(bc.batch * bc.heads * bc.rows * 80);
      for (double& x : small) {
        const std::uint64_t r = rng() % 8;
        x = additive ? (r == 0 ? attn::neg_inf : static_cast<double>(r) / 4 - 1) : (r != 0);
      }
      // the same values broadcast to (B, H, n_q, n_k) for the step path
      std::vector<double> full(2 * 3 * 70 * 80);
      for (std::size_t b = 0; b < 2; ++b)
        for (std::size_t h = 0; h < 3; ++h)
          for (std::size_t i = 0; i < 70; ++i)
            for (std::size_t j = 0; j < 80; ++j)
              full[((b * 3 + h) * 70 + i) * 80 + j] =
                  small[(((bc.batch == 1 ? 0 : b) * bc.heads + (bc.heads == 1 ? 0 : h)) * bc.rows +
                         (bc.rows == 1 ? 0 : i)) *
                            80 +
                        j];
      std::vector<unsigned char> bytes(small.begin(), small.end());
      attn::MaskTensor mt;
      mt.dtype = additive ? attn::DType::f64 : attn::DType::boolean;
      mt.data = additive ? static_cast<const void*>(small.data()) : bytes.data();
      mt.batch = bc.batch, mt.heads = bc.heads, mt.rows = bc.rows, mt.cols = 80;
      mt.col_stride = 1;
      mt.row_stride = bc.rows == 1 ? 0 : 80;
      mt.head_stride = bc.heads == 1 ? 0 : bc.rows * 80;
      mt.batch_stride = bc.batch == 1 ? 0 : bc.heads * bc.rows * 80;
      attn::BatchedOptions o;
      o.mask = MaskExpr::causal();
      CAPTURE(bc.batch);
      CAPTURE(bc.rows);
      CAPTURE(additive);
      check_layer(l, o, false, 1e-12, full, additive, &mt);
    }
}

TEST_CASE("attend_batched converts float16 and bfloat16 as it loads, and writes any dtype") {
  std::mt19937_64 rng(16);
  const Layer l = random_layer(rng, 2, 2, 1, 80, 80, 16, 8);
  for (const attn::DType dtype : {attn::DType::f16, attn::DType::bf16, attn::DType::f32}) {
    CAPTURE(attn::dtype_name(dtype));
    const auto narrow = [&](const std::vector<double>& x) {
      attn::Tensor t(attn::DType::f64, {x.size()});
      std::copy(x.begin(), x.end(), t.values<double>().begin());
      return attn::convert(std::move(t), dtype);
    };
    const attn::Tensor q = narrow(l.q), k = narrow(l.k), v = narrow(l.v);
    // the reference sees exactly the rounded inputs
    Layer rounded = l;
    for (std::size_t n = 0; n < l.q.size(); ++n) rounded.q[n] = q.at(n);
    for (std::size_t n = 0; n < l.k.size(); ++n) rounded.k[n] = k.at(n);
    for (std::size_t n = 0; n < l.v.size(); ++n) rounded.v[n] = v.at(n);
    attn::Tensor out(dtype, {2 * 2 * 80 * 8});
    attn::BatchedOptions o;
    o.mask = MaskExpr::causal();
    o.compute = attn::DType::f32;
    attn::attend_batched(
        {q.data(), dtype, bhsd_view(2, 2, 80, 16)}, {k.data(), dtype, bhsd_view(2, 1, 80, 16)},
        {v.data(), dtype, bhsd_view(2, 1, 80, 8)}, {out.data(), dtype, bhsd_view(2, 2, 80, 8)}, o);
    // float32 arithmetic, then the output rounded to the dtype: half an ulp of it at most, plus
    // float32's rounding (|o| ≤ 1 here)
    const double bound = dtype == attn::DType::f32 ? 2e-6 : 0.5 * attn::ulp_of(dtype, 1.0) + 2e-6;
    for (std::size_t b = 0; b < 2; ++b)
      for (std::size_t h = 0; h < 2; ++h) {
        const Reference want = step_head(rounded, b, h, o, {}, false);
        for (std::size_t i = 0; i < 80; ++i)
          for (std::size_t t = 0; t < 8; ++t) {
            const double got = out.at(((b * 2 + h) * 80 + i) * 8 + t);
            CAPTURE(i);
            CHECK(std::abs(got - want.out(i, t)) <= bound);
          }
      }
  }
}

TEST_CASE("attend_batched gives the same bits on one thread or several, and skips blocked tiles") {
  std::mt19937_64 rng(8);
  const Layer l = random_layer(rng, 2, 4, 2, 200, 200, 16, 16);
  std::vector<double> one(l.B * l.H * 200 * 16), three(one.size());
  attn::BatchedOptions o;
  o.mask = MaskExpr::causal();
  o.kv_lens = {200, 64};
  const auto run = [&](std::vector<double>& out, unsigned threads) {
    o.threads = threads;
    return attn::attend_batched({l.q.data(), attn::DType::f64, bhsd_view(2, 4, 200, 16)},
                                {l.k.data(), attn::DType::f64, bhsd_view(2, 2, 200, 16)},
                                {l.v.data(), attn::DType::f64, bhsd_view(2, 2, 200, 16)},
                                {out.data(), attn::DType::f64, bhsd_view(2, 4, 200, 16)}, o);
  };
  const attn::BatchedReport r1 = run(one, 1);
  const attn::BatchedReport r3 = run(three, 3);
  CHECK(r3.threads == 3);
  CHECK(one == three);
  // 4 × 4 key tiles per head: causal keeps 10; kv_len 64 keeps only the first column of tiles (4)
  CHECK(r1.tiles_computed == 4 * 10 + 4 * 4);
  CHECK(r1.tiles_skipped == 8 * 16 - r1.tiles_computed);
}

TEST_CASE("attend_batched gives the same bits with one or two query tiles per work item") {
  // Two query tiles in an item see each key tile one after the other, each in the order it would
  // alone, so o and the log-sum-exp are the same to the bit. Items pair neighbours in a group's
  // order (tiles, then the group's heads), so the layers below give each kind of pair:
  //   (2, 4, 2), n_q = 330: 6 tiles (the last of 10 rows), 2 heads per group: the same tile of
  //     two heads;
  //   (1, 2, 2), n_q = 270: 5 tiles, one head per group: two tiles of a head (different key
  //     spans under causal), and a last item of one tile;
  //   (1, 3, 1), n_q = 200: 4 tiles × 3 heads per group: pairs across heads and tiles.
  std::mt19937_64 rng(9);
  attn::BatchedOptions o;
  o.threads = 3;
  std::string kind;
  SUBCASE("no mask") {}
  SUBCASE("causal and kv_lens, in float32") {
    o.mask = MaskExpr::causal();
    kind = "kv_lens";
    o.compute = DType::f32;
  }
  SUBCASE("a window checked cell by cell, ALiBi and a softcap") {
    o.mask = MaskExpr::parse("causal & !window:70 | local:3");
    kind = "alibi";
    o.softcap = 3.0;
  }
  SUBCASE("an additive mask tensor with −∞ cells") {
    kind = "mask tensor";
  }
  for (const auto& [B, H, G, n_q] :
       {std::array<std::size_t, 4>{2, 4, 2, 330}, {1, 2, 2, 270}, {1, 3, 1, 200}}) {
    CAPTURE(H);
    CAPTURE(G);
    const Layer l = random_layer(rng, B, H, G, n_q, 300, 16, 24);
    std::vector<double> mask_values(l.B * l.H * l.n_q * l.n_k);
    for (double& x : mask_values) x = rng() % 5 == 0 ? attn::neg_inf : 0.25 * double(rng() % 4);
    attn::BatchedOptions lo = o;
    if (kind == "kv_lens")
      lo.kv_lens = B == 2 ? std::vector<std::size_t>{300, 130} : std::vector<std::size_t>{170};
    if (kind == "alibi") lo.alibi_slopes = attn::alibi_slopes(H);
    if (kind == "mask tensor")
      lo.mask_tensor =
          attn::MaskTensor::contiguous(mask_values.data(), DType::f64, {l.B, l.H, l.n_q, l.n_k});
    const auto run = [&](std::size_t tiles_per_item) {
      lo.tiles_per_item = tiles_per_item;
      std::vector<double> out(l.B * l.H * l.n_q * l.d_v, -7.0);
      std::vector<double> lse(l.B * l.H * l.n_q, 99.0);
      lo.lse_f64 = lse.data();
      const attn::BatchedReport r =
          attn::attend_batched({l.q.data(), DType::f64, bhsd_view(l.B, l.H, l.n_q, l.d_k)},
                               {l.k.data(), DType::f64, bhsd_view(l.B, l.G, l.n_k, l.d_k)},
                               {l.v.data(), DType::f64, bhsd_view(l.B, l.G, l.n_k, l.d_v)},
                               {out.data(), DType::f64, bhsd_view(l.B, l.H, l.n_q, l.d_v)}, lo);
      CHECK(r.tiles_per_item == tiles_per_item);
      return std::tuple{out, lse, r};
    };
    const auto [out1, lse1, r1] = run(1);
    const auto [out2, lse2, r2] = run(2);
    CHECK(out1 == out2);
    CHECK(lse1 == lse2);
    CHECK(r1.tiles_computed == r2.tiles_computed);
    CHECK(r1.tiles_masked == r2.tiles_masked);
    CHECK(r1.tiles_skipped == r2.tiles_skipped);
    CHECK(r1.empty_rows == r2.empty_rows);
    CHECK_THROWS_WITH_AS(run(3), doctest::Contains("tiles_per_item is 3"), std::invalid_argument);
  }
}

TEST_CASE("the kernel pairs query tiles where k and v outgrow the caches and threads stay busy") {
  constexpr std::size_t mib = std::size_t{1} << 20;
  // k and v of one kv head: 8 MiB and more, with at least 4 items of two tiles per thread
  CHECK(attn::auto_tiles_per_item(8 * mib, 16, 2) == 2);
  CHECK(attn::auto_tiles_per_item(32 * mib, 256, 2) == 2);
  CHECK(attn::auto_tiles_per_item(8 * mib - 1, 256, 2) == 1);  // fits a large L3: as before
  CHECK(attn::auto_tiles_per_item(4 * mib, 256, 1) == 1);
  CHECK(attn::auto_tiles_per_item(16 * mib, 15, 2) == 1);  // 7 pairs: fewer than 4 per thread
  CHECK(attn::auto_tiles_per_item(16 * mib, 8, 1) == 2);
  CHECK(attn::auto_tiles_per_item(16 * mib, 8, 0) == 2);  // threads 0 counts as 1
}

TEST_CASE("attend_batched skips a key tile inside the rows' hull that no row sees") {
  // One query tile of 64 rows over 3 key tiles of 64. A bool mask tensor lets rows 0 … 31 see
  // keys 0 … 63 and rows 32 … 63 keys 128 … 191: the middle tile (keys 64 … 127) lies between the
  // spans, each of which ends or begins exactly at its edge, and no row sees any of it.
  // Computed: tiles 0 and 2; skipped: tile 1.
  const std::size_t n_q = 64, n_k = 192, d = 4;
  std::mt19937_64 rng(41);
  const Layer l = random_layer(rng, 1, 1, 1, n_q, n_k, d, d);
  std::vector<unsigned char> allowed(n_q * n_k, 0);
  for (std::size_t i = 0; i < n_q; ++i)
    for (std::size_t j = i < 32 ? 0 : 128; j < (i < 32 ? 64u : 192u); ++j) allowed[i * n_k + j] = 1;
  attn::MaskTensor mt;
  mt.data = allowed.data();
  mt.rows = n_q, mt.cols = n_k, mt.row_stride = n_k, mt.col_stride = 1;
  attn::BatchedOptions o;
  o.mask_tensor = mt;
  std::vector<double> out(n_q * d);
  const attn::BatchedReport report =
      attn::attend_batched({l.q.data(), attn::DType::f64, bhsd_view(1, 1, n_q, d)},
                           {l.k.data(), attn::DType::f64, bhsd_view(1, 1, n_k, d)},
                           {l.v.data(), attn::DType::f64, bhsd_view(1, 1, n_k, d)},
                           {out.data(), attn::DType::f64, bhsd_view(1, 1, n_q, d)}, o);
  CHECK(report.tiles_computed == 2);
  CHECK(report.tiles_skipped == 1);
  // and the numbers: each row is softmax attention over its 64 keys, written out in double
  const Matrix q = slice(l.q, 0, n_q, d), k = slice(l.k, 0, n_k, d), v = slice(l.v, 0, n_k, d);
  for (std::size_t i = 0; i < n_q; ++i) {
    const std::size_t j0 = i < 32 ? 0 : 128;
    std::vector<double> e(64);
    double m = -INFINITY, sum = 0;
    for (std::size_t j = 0; j < 64; ++j) {
      for (std::size_t t = 0; t < d; ++t) e[j] += 0.5 * q(i, t) * k(j0 + j, t);  // c = 1/√4
      m = std::max(m, e[j]);
    }
    for (double& x : e) sum += x = std::exp(x - m);
    for (std::size_t t = 0; t < d; ++t) {
      double want = 0;
      for (std::size_t j = 0; j < 64; ++j) want += e[j] / sum * v(j0 + j, t);
      CAPTURE(i);
      CHECK(out[i * d + t] == doctest::Approx(want).epsilon(1e-12));
    }
  }
}

TEST_CASE("attend_batched names the batch and head of an overflow or a refused empty row") {
  // (B, H, S, D) = (2, 2, 2, 2) over one kv head
  std::vector<double> q(16, 1.0), k(8, 1.0), v(4, 1.0), out(8);
  q[15] = 1e300;  // batch 1, head 1, row 1, last feature
  k[7] = 1e300;   // batch 1, key 1, last feature: only q_1·k_1 of that head overflows
  attn::BatchedOptions o;
  CHECK_THROWS_WITH_AS(
      attn::attend_batched({q.data(), attn::DType::f64, bhsd_view(2, 2, 2, 2)},
                           {k.data(), attn::DType::f64, bhsd_view(2, 1, 2, 2)},
                           {v.data(), attn::DType::f64, bhsd_view(2, 1, 2, 1)},
                           {out.data(), attn::DType::f64, bhsd_view(2, 2, 2, 1)}, o),
      "batch 1, head 1: q·k overflows at row 1, column 1 (q_1·k_1 = inf)", attn::Error);
  std::fill(q.begin(), q.end(), 1.0);
  std::fill(k.begin(), k.end(), 1.0);
  o.kv_lens = {2, 0};
  o.empty_rows = EmptyRows::error;
  CHECK_THROWS_WITH_AS(
      attn::attend_batched({q.data(), attn::DType::f64, bhsd_view(2, 2, 2, 2)},
                           {k.data(), attn::DType::f64, bhsd_view(2, 1, 2, 2)},
                           {v.data(), attn::DType::f64, bhsd_view(2, 1, 2, 1)},
                           {out.data(), attn::DType::f64, bhsd_view(2, 2, 2, 1)}, o),
      "batch 1, head 0: rows 0, 1 of the scores have every key blocked, so softmax is undefined",
      attn::Error);
}
