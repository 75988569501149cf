// The streaming backward against core/grad's step backward (which keeps the whole α and dβ) on
// random layers, head by head, and against central finite differences of the streaming forward.
#include "attn/kernel/streaming_backward.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "attn/core/attention.hpp"
#include "attn/core/bias.hpp"
#include "attn/core/error.hpp"
#include "attn/core/grad.hpp"
#include "attn/core/heads.hpp"
#include "streaming_checks.hpp"

using attn::Align;
using attn::DType;
using attn::EmptyRows;
using attn::MaskExpr;
using attn::Matrix;
using attn_test::bhsd_view;
using attn_test::bshd_view;
using attn_test::slice;
using attn_test::swap_heads_and_rows;

namespace {

// A layer in PyTorch's layout (B, H, S, D), as doubles, with an upstream gradient.
struct Layer {
  std::size_t B, H, G, n_q, n_k, d_k, d_v;
  std::vector<double> q, k, v, d_out;
};

std::vector<double> uniform(std::mt19937_64& rng, std::size_t n, double scale) {
  std::vector<double> x(n);
  for (double& e : x) e = scale * (2.0 * static_cast<double>(rng() >> 11) * 0x1.0p-53 - 1.0);
  return x;
}

Layer random_layer(std::mt19937_64& rng, std::size_t B, std::size_t H, std::size_t G,
                   std::size_t n_q, std::size_t n_k, std::size_t d_k, std::size_t d_v) {
  return {B,
          H,
          G,
          n_q,
          n_k,
          d_k,
          d_v,
          uniform(rng, B * H * n_q * d_k, 2.0),
          uniform(rng, B * G * n_k * d_k, 2.0),
          uniform(rng, B * G * n_k * d_v, 1.0),
          uniform(rng, B * H * n_q * d_v, 1.0)};
}

attn::BatchedOptions forward_options(const attn::BackwardOptions& b) {
  attn::BatchedOptions f;
  f.mask = b.mask;
  f.align = b.align;
  f.scale = b.scale;
  f.empty_rows = b.empty_rows;
  f.kv_lens = b.kv_lens;
  f.mask_tensor = b.mask_tensor;
  f.alibi_slopes = b.alibi_slopes;
  f.softcap = b.softcap;
  f.compute = b.compute;
  f.threads = b.threads;
  return f;
}

struct Forward {
  std::vector<double> o, lse;
};

// The streaming forward's o and float64 log-sum-exp.
Forward stream_forward(const Layer& l, const attn::BackwardOptions& opt) {
  Forward f{std::vector<double>(l.B * l.H * l.n_q * l.d_v), std::vector<double>(l.B * l.H * l.n_q)};
  attn::BatchedOptions fo = forward_options(opt);
  fo.lse_f64 = f.lse.data();
  attn::attend_batched({l.q.data(), DType::f64, bhsd_view(l.B, l.H, l.n_q, l.d_k)},
                       {l.k.data(), DType::f64, bhsd_view(l.B, l.G, l.n_k, l.d_k)},
                       {l.v.data(), DType::f64, bhsd_view(l.B, l.G, l.n_k, l.d_v)},
                       {f.o.data(), DType::f64, bhsd_view(l.B, l.H, l.n_q, l.d_v)}, fo);
  return f;
}

// A mask tensor of shape dims (each axis 1 or the layer's B, H, S_q, S_k), dense, row-major: bool
// (1 = may attend) or additive float64. cell() broadcasts it here, apart from MaskTensor's strides.
struct TestMask {
  std::array<std::size_t, 4> dims{1, 1, 1, 1};
  bool is_bool = true;
  std::vector<unsigned char> allowed;  // is_bool
  std::vector<double> added;           // !is_bool
  std::size_t index(std::size_t b, std::size_t h, std::size_t i, std::size_t j) const {
    const std::size_t at[4] = {b, h, i, j};
    std::size_t n = 0;
    for (std::size_t a = 0; a < 4; ++a) n = n * dims[a] + (dims[a] == 1 ? 0 : at[a]);
    return n;
  }
  // What the cell adds to β: 0 or −∞ for a bool mask, the value for a float one.
  double cell(std::size_t b, std::size_t h, std::size_t i, std::size_t j) const {
    const std::size_t n = index(b, h, i, j);
    return is_bool ? (allowed[n] ? 0.0 : attn::neg_inf) : added[n];
  }
  attn::MaskTensor view() const {
    return attn::MaskTensor::contiguous(
        is_bool ? static_cast<const void*>(allowed.data()) : added.data(),
        is_bool ? DType::boolean : DType::f64, dims);
  }
};

// Random cells of the given dims: a bool mask allowing about 70% of them, or a float mask of
// values in [−3, 1] with about 20% −∞; row `blocked_row` of the first (batch, head) wholly blocked.
TestMask random_mask(std::mt19937_64& rng, std::initializer_list<std::size_t> dims, bool is_bool,
                     std::size_t blocked_row) {
  TestMask m;
  std::copy(dims.begin(), dims.end(), m.dims.begin());
  m.is_bool = is_bool;
  const std::size_t n = m.dims[0] * m.dims[1] * m.dims[2] * m.dims[3];
  const std::vector<double> u = uniform(rng, n, 1.0);  // in [−1, 1)
  for (std::size_t c = 0; c < n; ++c) {
    const bool blocked = u[c] < -0.5 + (is_bool ? 0.1 : 0.5);
    if (is_bool)
      m.allowed.push_back(blocked ? 0 : 1);
    else
      m.added.push_back(blocked ? attn::neg_inf : 2.0 * u[c] - 1.0);
  }
  if (m.dims[2] > blocked_row)
    for (std::size_t j = 0; j < m.dims[3]; ++j) {
      if (is_bool)
        m.allowed[m.index(0, 0, blocked_row, j)] = 0;
      else
        m.added[m.index(0, 0, blocked_row, j)] = attn::neg_inf;
    }
  return m;
}

struct Grads {
  std::vector<double> dq, dk, dv;
  attn::BackwardReport report;
};

// The streaming backward of the layer from a given o and log-sum-exp (as --o and --lse give them).
Grads backward_given(const Layer& l, const std::vector<double>& o, const std::vector<double>& lse,
                     const attn::BackwardOptions& opt) {
  Grads g{std::vector<double>(l.q.size(), -7.0),
          std::vector<double>(l.k.size(), -7.0),
          std::vector<double>(l.v.size(), -7.0),
          {}};
  g.report =
      attn::attend_backward({l.q.data(), DType::f64, bhsd_view(l.B, l.H, l.n_q, l.d_k)},
                            {l.k.data(), DType::f64, bhsd_view(l.B, l.G, l.n_k, l.d_k)},
                            {l.v.data(), DType::f64, bhsd_view(l.B, l.G, l.n_k, l.d_v)},
                            {o.data(), DType::f64, bhsd_view(l.B, l.H, l.n_q, l.d_v)},
                            {l.d_out.data(), DType::f64, bhsd_view(l.B, l.H, l.n_q, l.d_v)}, lse,
                            {g.dq.data(), DType::f64, bhsd_view(l.B, l.H, l.n_q, l.d_k)},
                            {g.dk.data(), DType::f64, bhsd_view(l.B, l.G, l.n_k, l.d_k)},
                            {g.dv.data(), DType::f64, bhsd_view(l.B, l.G, l.n_k, l.d_v)}, opt);
  return g;
}

// The streaming backward after the streaming forward, which gives o and the log-sum-exp.
Grads stream_backward(const Layer& l, const attn::BackwardOptions& opt) {
  const Forward f = stream_forward(l, opt);
  return backward_given(l, f.o, f.lse, opt);
}

// The step path's backward, head by head: each head its own Problem (the ALiBi matrix as its
// bias, one additive mask from the expression and kv_lens), dk and dv summed over the query heads
// of a kv head.
Grads step_backward(const Layer& l, const attn::BackwardOptions& o,
                    const TestMask* tensor = nullptr) {
  Grads g{std::vector<double>(l.q.size()),
          std::vector<double>(l.k.size()),
          std::vector<double>(l.v.size()),
          {}};
  for (std::size_t b = 0; b < l.B; ++b)
    for (std::size_t h = 0; h < l.H; ++h) {
      const std::size_t kv = attn::kv_head_of(h, {l.H, l.G});
      const attn::Problem p =
          attn_test::head_problem(l, b, h, o, [&](std::size_t i, std::size_t j, double& m_ij) {
            if (tensor) m_ij += tensor->cell(b, h, i, j);
          });
      const attn::GradTrace t = attn::run_backward(attn::run_attention(p, attn::Stage::output),
                                                   slice(l.d_out, b * l.H + h, l.n_q, l.d_v));
      const auto add = [](std::vector<double>& to, std::size_t index, const Matrix& x) {
        for (std::size_t n = 0; n < x.size(); ++n) to[index * x.size() + n] += x.values()[n];
      };
      add(g.dq, b * l.H + h, t.dq);
      add(g.dk, b * l.G + kv, t.dk);
      add(g.dv, b * l.G + kv, t.dv);
    }
  return g;
}

// Relative to the largest entry of the reference, so a near-zero entry (the difference of larger
// terms) is not held to a bound it cannot meet.
void check_close(const std::vector<double>& got, const std::vector<double>& want, double tol,
                 const char* what) {
  REQUIRE(got.size() == want.size());
  double big = 0;
  for (const double x : want) big = std::max(big, std::abs(x));
  const std::string operand = what;  // CAPTURE shows a string, not a char pointer
  CAPTURE(operand);
  REQUIRE(big > 0);
  double worst = 0;
  std::size_t at = 0;
  for (std::size_t n = 0; n < got.size() && std::isfinite(worst); ++n) {
    const double d = std::abs(got[n] - want[n]);
    if (!(d <= worst)) worst = std::isnan(d) ? std::numeric_limits<double>::infinity() : d, at = n;
  }
  CAPTURE(at);
  CHECK(worst <= tol * big);
}

// With one key tile per work item and with two (these layers are too small for the kernel to
// pair them by itself).
void check_against_step(const Layer& l, attn::BackwardOptions o, const TestMask* tensor = nullptr) {
  if (tensor) o.mask_tensor = tensor->view();
  const Grads want = step_backward(l, o, tensor);
  for (const std::size_t per_item : {1, 2}) {
    CAPTURE(per_item);
    o.key_tiles_per_item = per_item;
    const Grads got = stream_backward(l, o);
    CHECK(got.report.key_tiles_per_item == per_item);
    check_close(got.dq, want.dq, 1e-12, "dq");
    check_close(got.dk, want.dk, 1e-12, "dk");
    check_close(got.dv, want.dv, 1e-12, "dv");
  }
}

}  // namespace

TEST_CASE("attend_backward equals the step backward on random layers, every mask and bias") {
  std::mt19937_64 rng(20261201);
  attn::BackwardOptions o;
  o.threads = 2;
  SUBCASE("no mask, one head, n_q ≠ n_k, d_k ≠ d_v, tiles not full") {
    check_against_step(random_layer(rng, 1, 1, 1, 70, 133, 5, 3), o);
  }
  SUBCASE("causal, bottom-right, grouped-query heads, two batches") {
    o.mask = MaskExpr::parse("causal");
    check_against_step(random_layer(rng, 2, 4, 2, 90, 150, 8, 6), o);
  }
  SUBCASE("causal, top-left, more queries than keys, multi-query") {
    o.mask = MaskExpr::parse("causal");
    o.align = Align::top_left;
    check_against_step(random_layer(rng, 1, 3, 1, 140, 75, 4, 7), o);
  }
  SUBCASE("causal bottom-right with more queries than keys: the first rows see nothing") {
    o.mask = MaskExpr::parse("causal");
    const Layer l = random_layer(rng, 1, 2, 2, 100, 40, 4, 4);
    check_against_step(l, o);
    o.empty_rows = EmptyRows::uniform;
    check_against_step(l, o);
  }
  SUBCASE("kv_lens (padding), with a zero length") {
    o.kv_lens = {150, 70, 0};
    check_against_step(random_layer(rng, 3, 2, 1, 66, 150, 6, 5), o);
    o.empty_rows = EmptyRows::uniform;
    check_against_step(random_layer(rng, 3, 2, 1, 66, 150, 6, 5), o);
  }
  SUBCASE("ALiBi per head, a softcap, a scale, causal and kv_lens together") {
    o.mask = MaskExpr::parse("causal");
    o.kv_lens = {120, 64};
    o.alibi_slopes = attn::alibi_slopes(4);
    o.softcap = 2.5;
    o.scale = 0.7;
    check_against_step(random_layer(rng, 2, 4, 2, 130, 130, 16, 8), o);
  }
  SUBCASE("a mask checked cell by cell: a sliding window or a dilated pattern") {
    o.mask = MaskExpr::parse("causal & !window:9 | local:3");
    check_against_step(random_layer(rng, 1, 2, 1, 80, 96, 4, 4), o);
    o.mask = MaskExpr::parse("dilated:2:2");
    check_against_step(random_layer(rng, 1, 1, 1, 70, 70, 3, 3), o);
  }
  SUBCASE("one thread and many give the same dq to rounding, and report the tiles") {
    o.mask = MaskExpr::parse("causal");
    const Layer l = random_layer(rng, 1, 2, 1, 256, 256, 8, 8);
    o.threads = 1;
    const Grads one = stream_backward(l, o);
    o.threads = 3;
    const Grads three = stream_backward(l, o);
    check_close(one.dq, three.dq, 1e-14, "dq");
    CHECK(one.dk == three.dk);  // a key tile is in one item: the same sums in the same order
    CHECK(one.dv == three.dv);
    // which thread runs which item is decided before they start, so dq's partial sums are
    // added in the same order every time
    CHECK(stream_backward(l, o).dq == three.dq);
    // 4 × 4 tile pairs per head, 10 of them on or below the diagonal, 2 heads
    CHECK(one.report.tiles_computed == 20);
    CHECK(one.report.tiles_skipped == 12);
    CHECK(three.report.threads == 3);
  }
}

TEST_CASE("attend_backward with a mask tensor equals the step backward with that additive mask") {
  std::mt19937_64 rng(20261202);
  attn::BackwardOptions o;
  o.threads = 2;
  SUBCASE("bool (S_q, S_k) with causal, grouped-query heads, a wholly blocked row") {
    o.mask = MaskExpr::parse("causal");
    const TestMask m = random_mask(rng, {1, 1, 90, 150}, true, 70);
    check_against_step(random_layer(rng, 2, 4, 2, 90, 150, 8, 6), o, &m);
    o.empty_rows = EmptyRows::uniform;
    check_against_step(random_layer(rng, 2, 4, 2, 90, 150, 8, 6), o, &m);
  }
  SUBCASE("float (B, 1, S_q, S_k) with kv_lens, ALiBi, a softcap and a scale") {
    o.kv_lens = {130, 64};
    o.alibi_slopes = attn::alibi_slopes(4);
    o.softcap = 2.5;
    o.scale = 0.7;
    const TestMask m = random_mask(rng, {2, 1, 100, 130}, false, 3);
    check_against_step(random_layer(rng, 2, 4, 2, 100, 130, 16, 8), o, &m);
  }
  SUBCASE("bool (1, H, S_q, S_k), more queries than keys, multi-query, top-left") {
    o.mask = MaskExpr::parse("causal");
    o.align = Align::top_left;
    const TestMask m = random_mask(rng, {1, 3, 140, 75}, true, 0);
    check_against_step(random_layer(rng, 1, 3, 1, 140, 75, 4, 7), o, &m);
  }
  SUBCASE("float (B, H, S_q, S_k) and an expression checked cell by cell") {
    o.mask = MaskExpr::parse("causal & !window:9 | local:3");
    const TestMask m = random_mask(rng, {2, 2, 80, 96}, false, 79);
    check_against_step(random_layer(rng, 2, 2, 1, 80, 96, 4, 4), o, &m);
  }
  SUBCASE("a key-padding row (B, 1, 1, S_k) and a broadcast key axis (S_q, 1)") {
    const TestMask pad = random_mask(rng, {2, 1, 1, 70}, true, 9);
    check_against_step(random_layer(rng, 2, 2, 2, 66, 70, 5, 3), o, &pad);
    const TestMask rows = random_mask(rng, {1, 1, 66, 1}, false, 4);
    check_against_step(random_layer(rng, 1, 2, 1, 66, 70, 5, 3), o, &rows);
  }
  SUBCASE("tiles a head's mask wholly blocks are skipped for that head only") {
    // head 0 allows keys 0–63 only, head 1 every key: head 0 recomputes 2 query tiles × 1 key
    // tile, head 1 all 2 × 2, so 6 of the 8 pairs
    TestMask m;
    m.dims[1] = 2, m.dims[2] = 128, m.dims[3] = 128;
    for (std::size_t h = 0; h < 2; ++h)
      for (std::size_t i = 0; i < 128; ++i)
        for (std::size_t j = 0; j < 128; ++j) m.allowed.push_back(h == 1 || j < 64 ? 1 : 0);
    const Layer l = random_layer(rng, 1, 2, 1, 128, 128, 4, 4);
    check_against_step(l, o, &m);
    o.mask_tensor = m.view();
    const Grads g = stream_backward(l, o);
    CHECK(g.report.tiles_computed == 6);
    CHECK(g.report.tiles_skipped == 2);
  }
}

TEST_CASE("the backward's whole-tile path gives the same bits as its row loop") {
  // Where every row of a query tile sees every key of a key tile, α and dβ are computed as the
  // products finish (kernel/backward_kernel.inc); a mask tensor of zeros changes no score but
  // sends every tile through the row loop, so the two must agree to the bit, from the same o and
  // log-sum-exp. 192 × 192: 3 × 3 whole tiles without a mask; causal: whole tiles below the
  // diagonal, the diagonal's not.
  std::mt19937_64 rng(20261204);
  attn::BackwardOptions o;
  o.threads = 2;
  TestMask zeros;
  zeros.is_bool = false;
  zeros.dims = {1, 1, 192, 192};
  zeros.added.assign(192 * 192, 0.0);
  const Layer l = random_layer(rng, 1, 2, 1, 192, 192, 16, 8);
  for (const char* mask : {"full", "causal"}) {
    CAPTURE(mask);
    o.mask = MaskExpr::parse(mask);
    o.mask_tensor.reset();
    const Forward f = stream_forward(l, o);
    const Grads fused = backward_given(l, f.o, f.lse, o);
    o.mask_tensor = zeros.view();
    const Grads rows = backward_given(l, f.o, f.lse, o);
    CHECK(fused.dq == rows.dq);
    CHECK(fused.dk == rows.dk);
    CHECK(fused.dv == rows.dv);
  }
}

TEST_CASE("items of two key tiles give dk and dv to the bit, and dq to rounding") {
  // 5 key tiles: two pairs and a last tile alone; causal with grouped-query heads, so the first
  // query tile of a pair's keys sees only the pair's first tile
  std::mt19937_64 rng(20261205);
  const Layer l = random_layer(rng, 2, 4, 2, 300, 300, 16, 8);
  attn::BackwardOptions o;
  o.mask = MaskExpr::parse("causal");
  const auto run = [&](unsigned threads, std::size_t per_item) {
    o.threads = threads;
    o.key_tiles_per_item = per_item;
    return stream_backward(l, o);
  };
  for (const unsigned threads : {1u, 2u}) {
    CAPTURE(threads);
    const Grads one = run(threads, 1), two = run(threads, 2);
    CHECK(one.report.key_tiles_per_item == 1);
    CHECK(two.report.key_tiles_per_item == 2);
    // each key tile's dk and dv are summed over the same query tiles in the same order
    CHECK(one.dk == two.dk);
    CHECK(one.dv == two.dv);
    check_close(two.dq, one.dq, 1e-14, "dq");
    // 5 × 5 tile pairs per head, 15 on or below the diagonal, 2 batches of 4 heads
    CHECK(two.report.tiles_computed == 120);
    CHECK(two.report.tiles_skipped == 80);
    CHECK(two.report.tiles_computed == one.report.tiles_computed);
  }
  // one thread: the items run in key order either way (the most work first is the first keys
  // under a causal mask), so each row of dq is added in the same order
  CHECK(run(1, 2).dq == run(1, 1).dq);
  CHECK_THROWS_WITH_AS(run(2, 3), doctest::Contains("key_tiles_per_item is 3"),
                       std::invalid_argument);
}

TEST_CASE("the backward pairs key tiles where every thread still gets 4 items") {
  CHECK(attn::auto_key_tiles_per_item(16, 2) == 2);  // 8 pairs: 4 per thread
  CHECK(attn::auto_key_tiles_per_item(15, 2) == 1);  // 7 pairs
  CHECK(attn::auto_key_tiles_per_item(64, 2) == 2);  // n = 4096: 32 pairs
  CHECK(attn::auto_key_tiles_per_item(8, 1) == 2);
  CHECK(attn::auto_key_tiles_per_item(8, 0) == 2);  // threads 0 counts as 1
  CHECK(attn::auto_key_tiles_per_item(7, 1) == 1);
  CHECK(attn::auto_key_tiles_per_item(1, 1) == 1);
}

TEST_CASE("attend_backward agrees with central finite differences of the streaming forward") {
  // L = Σ dO ∘ o(q, k, v); ∂L/∂x ≈ (L(x + h) − L(x − h)) / 2h for a few entries of q, k and v
  std::mt19937_64 rng(7);
  attn::BackwardOptions o;
  o.mask = MaskExpr::parse("causal");
  o.alibi_slopes = attn::alibi_slopes(2);
  o.softcap = 3.0;
  Layer l = random_layer(rng, 1, 2, 1, 9, 11, 3, 2);
  TestMask tensor;
  SUBCASE("causal, ALiBi and a softcap") {}
  SUBCASE("and a float mask tensor (1, H, S_q, S_k), row 4 of head 1 wholly blocked") {
    tensor = random_mask(rng, {1, 2, 9, 11}, false, 4);
    o.mask_tensor = tensor.view();
  }
  const Grads g = stream_backward(l, o);
  const auto loss = [&](const Layer& x) {
    const Forward f = stream_forward(x, o);
    double total = 0;
    for (std::size_t n = 0; n < f.o.size(); ++n) total += x.d_out[n] * f.o[n];
    return total;
  };
  const double h = 1e-5;
  const auto check = [&](std::vector<double> Layer::*operand, const std::vector<double>& grad) {
    for (const std::size_t n : {std::size_t{0}, std::size_t{7}, grad.size() - 1}) {
      Layer up = l, down = l;
      (up.*operand)[n] += h;
      (down.*operand)[n] -= h;
      const double fd = (loss(up) - loss(down)) / (2 * h);
      CAPTURE(n);
      CHECK(std::abs(grad[n] - fd) <= 1e-6 * std::max(1.0, std::abs(fd)));
    }
  };
  check(&Layer::q, g.dq);
  check(&Layer::k, g.dk);
  check(&Layer::v, g.dv);
}

TEST_CASE("attend_backward in float32, and what it refuses") {
  std::mt19937_64 rng(3);
  attn::BackwardOptions o;
  o.mask = MaskExpr::parse("causal");
  const Layer l = random_layer(rng, 1, 2, 2, 80, 80, 8, 8);
  SUBCASE("float32 arithmetic is within float32 rounding of the float64 result") {
    const Grads want = step_backward(l, o);
    o.compute = DType::f32;
    const Grads got = stream_backward(l, o);
    check_close(got.dq, want.dq, 1e-5, "dq");
    check_close(got.dk, want.dk, 1e-5, "dk");
    check_close(got.dv, want.dv, 1e-5, "dv");
  }
  SUBCASE("rows with every key blocked under --empty-rows nan or error") {
    o.kv_lens = {0};
    const Layer one = random_layer(rng, 1, 1, 1, 4, 4, 2, 2);
    const std::vector<double> lse(4, attn::neg_inf), o_(8, 0.0);
    const auto run = [&] { return backward_given(one, o_, lse, o); };
    o.empty_rows = EmptyRows::nan;
    CHECK_THROWS_WITH_AS(run(), doctest::Contains("whose gradient is not a number"), attn::Error);
    o.empty_rows = EmptyRows::error;
    CHECK_THROWS_AS(run(), attn::Error);
    o.empty_rows = EmptyRows::zero;
    const Grads g = run();
    CHECK(g.dq == std::vector<double>(8, 0.0));
    CHECK(g.dk == std::vector<double>(8, 0.0));
    CHECK(g.dv == std::vector<double>(8, 0.0));
  }
}

TEST_CASE("attend_backward reads whole query tiles where they lie, in both layouts and dtypes") {
  // d = 64 is a whole number of register blocks on every vector unit, so full query tiles of q
  // and dO in the compute dtype are read in place; the last, partial tile is still copied
  std::mt19937_64 rng(20261203);
  attn::BackwardOptions o;
  o.threads = 2;
  o.mask = MaskExpr::parse("causal");
  const Layer l = random_layer(rng, 1, 2, 1, 200, 192, 64, 64);
  const Grads want = step_backward(l, o);
  SUBCASE("(B, H, S, D), float64") {
    const Grads got = stream_backward(l, o);
    check_close(got.dq, want.dq, 1e-12, "dq");
    check_close(got.dk, want.dk, 1e-12, "dk");
    check_close(got.dv, want.dv, 1e-12, "dv");
  }
  const Forward f = stream_forward(l, o);
  const auto run = [&]<class T>(T, DType dtype) {
    const std::vector<T> q = swap_heads_and_rows<T>(l.q, 1, 2, 200, 64),
                         k = swap_heads_and_rows<T>(l.k, 1, 1, 192, 64),
                         v = swap_heads_and_rows<T>(l.v, 1, 1, 192, 64),
                         out = swap_heads_and_rows<T>(f.o, 1, 2, 200, 64),
                         d_out = swap_heads_and_rows<T>(l.d_out, 1, 2, 200, 64);
    std::vector<T> dq(q.size()), dk(k.size()), dv(v.size());
    o.compute = dtype;
    attn::attend_backward(
        {q.data(), dtype, bshd_view(1, 2, 200, 64)}, {k.data(), dtype, bshd_view(1, 1, 192, 64)},
        {v.data(), dtype, bshd_view(1, 1, 192, 64)}, {out.data(), dtype, bshd_view(1, 2, 200, 64)},
        {d_out.data(), dtype, bshd_view(1, 2, 200, 64)}, f.lse,
        {dq.data(), dtype, bshd_view(1, 2, 200, 64)}, {dk.data(), dtype, bshd_view(1, 1, 192, 64)},
        {dv.data(), dtype, bshd_view(1, 1, 192, 64)}, o);
    const auto back = [](const std::vector<T>& x, std::size_t H, std::size_t S) {
      return swap_heads_and_rows<double>(std::vector<double>(x.begin(), x.end()), 1, H, S, 64,
                                         true);
    };
    return Grads{back(dq, 2, 200), back(dk, 1, 192), back(dv, 1, 192), {}};
  };
  SUBCASE("(B, S, H, D), float64: rows a stride of H · D apart") {
    const Grads got = run(double{}, DType::f64);
    check_close(got.dq, want.dq, 1e-12, "dq");
    check_close(got.dk, want.dk, 1e-12, "dk");
    check_close(got.dv, want.dv, 1e-12, "dv");
  }
  SUBCASE("(B, S, H, D), float32 operands computed in float32") {
    const Grads got = run(float{}, DType::f32);
    check_close(got.dq, want.dq, 1e-5, "dq");
    check_close(got.dk, want.dk, 1e-5, "dk");
    check_close(got.dv, want.dv, 1e-5, "dv");
  }
}

TEST_CASE("attend_backward refuses a q·k that overflows, in a row that sees the keys or not") {
  // q_0 · k_9 = 1e200 · 1e200 overflows a double; the log-sum-exp is made up, as --lse could be
  std::mt19937_64 rng(11);
  Layer l = random_layer(rng, 1, 1, 1, 70, 70, 4, 4);
  attn::BackwardOptions o;
  std::vector<double> lse(70, 0.0);
  const std::vector<double> out(70 * 4, 0.0);
  l.q[0] = 1e200;
  l.k[9 * 4] = 1e200;
  const auto run = [&] { backward_given(l, out, lse, o); };
  SUBCASE("row 0 sees key 0") {}
  SUBCASE("row 0 sees no key (its log-sum-exp −∞): its scores are still checked") {
    o.empty_rows = EmptyRows::zero;
    lse[0] = attn::neg_inf;
  }
  CHECK_THROWS_WITH_AS(run(), doctest::Contains("q·k overflows in the backward pass"), attn::Error);
}
