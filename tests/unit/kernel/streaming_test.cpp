#include "attn/kernel/streaming.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "attn/core/bias.hpp"
#include "attn/core/error.hpp"
#include "attn/core/heads.hpp"
#include "attn/io/tensor.hpp"
#include "streaming_checks.hpp"

using attn::Align;
using attn::DType;
using attn::EmptyRows;
using attn::MaskExpr;
using attn::Matrix;
using attn::VectorUnit;
using attn_test::check_close;
using attn_test::random_matrix;

namespace {

// The step path: the whole n_q × n_k mask, scores, softmax and output.
Matrix step_output(const Matrix& q, const Matrix& k, const Matrix& v, const MaskExpr& mask,
                   Align align, EmptyRows policy, std::optional<double> scale = std::nullopt) {
  attn::Problem p;
  p.q = q;
  p.k = k;
  p.v = v;
  p.scale = scale;
  p.mask = attn::to_additive(mask.evaluate({q.rows(), k.rows(), align}));
  p.empty_rows = policy;
  return *attn::run_attention(p, attn::Stage::output).output;
}

// Segment ids for positions 0 … n − 1: runs of random length, and one id that comes back later,
// so a document's span is not exact.
std::string document_ids(std::mt19937_64& rng, std::size_t n) {
  std::string text = "document:";
  std::size_t id = 0, left = 1 + rng() % 40;
  for (std::size_t x = 0; x < n; ++x) {
    if (left-- == 0) {
      ++id;
      left = rng() % 40;
    }
    const std::size_t shown = x % 97 == 50 ? 0 : id;  // id 0 reappears
    text += (x ? "," : "") + std::to_string(shown);
  }
  return text;
}

std::vector<VectorUnit> units() {
  std::vector<VectorUnit> all{VectorUnit::sse2};
  if (attn::best_vector_unit() != VectorUnit::sse2) all.push_back(VectorUnit::avx2);
  if (attn::best_vector_unit() == VectorUnit::avx512) all.push_back(VectorUnit::avx512);
  return all;
}

struct BatchedRun {
  Matrix o;
  std::vector<double> lse;
  attn::BatchedReport report;
};

// One head through attend_batched in T (the inputs narrowed to it, the arithmetic in it), scale 1,
// with its float64 log-sum-exp.
template <class T>
BatchedRun batched_once(const Matrix& q, const Matrix& k, const Matrix& v, VectorUnit unit) {
  constexpr DType dtype = attn::dtype_of<T>;
  const std::size_t n_q = q.rows(), n_k = k.rows(), d_k = q.cols(), d_v = v.cols();
  const auto as = [](const Matrix& m) {
    return std::vector<T>(m.values().begin(), m.values().end());
  };
  const std::vector<T> qb = as(q), kb = as(k), vb = as(v);
  std::vector<double> out(n_q * d_v);
  BatchedRun run{Matrix(n_q, d_v), std::vector<double>(n_q), {}};
  attn::BatchedOptions opt;
  opt.scale = 1.0;
  opt.unit = unit;
  opt.compute = dtype;
  opt.lse_f64 = run.lse.data();
  run.report =
      attn::attend_batched({qb.data(), dtype, attn_test::bhsd_view(1, 1, n_q, d_k)},
                           {kb.data(), dtype, attn_test::bhsd_view(1, 1, n_k, d_k)},
                           {vb.data(), dtype, attn_test::bhsd_view(1, 1, n_k, d_v)},
                           {out.data(), DType::f64, attn_test::bhsd_view(1, 1, n_q, d_v)}, opt);
  run.o = Matrix(n_q, d_v, std::move(out));
  return run;
}

}  // namespace

TEST_CASE("attend_streaming matches run_attention for every mask kind, shape and alignment") {
  std::mt19937_64 rng(20240611);
  struct Shape {
    std::size_t n_q, n_k, d_k, d_v;
  };
  // Tiles are 64 × 64: below, at and across tile edges, n_q ≠ n_k both ways, odd widths.
  const Shape shapes[] = {{1, 1, 1, 1},     {5, 7, 3, 2},     {64, 64, 8, 8},    {130, 130, 16, 5},
                          {70, 200, 9, 17}, {200, 70, 12, 3}, {129, 257, 64, 64}};
  for (const Shape& sh : shapes) {
    const Matrix q = random_matrix(rng, sh.n_q, sh.d_k, 2.0);
    const Matrix k = random_matrix(rng, sh.n_k, sh.d_k, 2.0);
    const Matrix v = random_matrix(rng, sh.n_k, sh.d_v);
    const std::size_t positions = std::max(sh.n_q, sh.n_k);
    const std::string doc = document_ids(rng, positions);
    const std::vector<std::string> masks = {"full",
                                            "causal",
                                            "window:5",
                                            "local:3",
                                            "prefix:7",
                                            "valid:50",
                                            doc,
                                            "chunk:16",
                                            "dilated:40:3",
                                            "causal & window:70",
                                            "prefix:3 | local:2",
                                            "!causal",
                                            "causal & " + doc,
                                            "chunk:32 & !window:4",
                                            "valid:1 | dilated:9:2"};
    for (Align align : {Align::bottom_right, Align::top_left}) {
      for (const std::string& text : masks) {
        // document ids must cover every query position: skip the alignment that needs more
        const MaskExpr mask = MaskExpr::parse(text);
        const attn::Geometry g{sh.n_q, sh.n_k, align};
        const Matrix want = step_output(q, k, v, mask, align, EmptyRows::zero);
        for (VectorUnit unit : units()) {
          CAPTURE(sh.n_q);
          CAPTURE(sh.n_k);
          CAPTURE(sh.d_k);
          CAPTURE(attn::align_name(align));
          CAPTURE(text.substr(0, 40));
          CAPTURE(attn::vector_unit_name(unit));
          attn::StreamingOptions opt;
          opt.mask = mask;
          opt.align = align;
          opt.unit = unit;
          attn::StreamingReport report;
          const Matrix got = attn::attend_streaming(q, k, v, opt, &report);
          CHECK(report.unit == unit);
          CHECK(report.exact_spans == attn::has_exact_spans(mask));
          check_close(got, want, 1e-12);
          (void)g;
        }
      }
    }
  }
}

TEST_CASE("attend_streaming gives each EmptyRows policy's answer for fully blocked rows") {
  std::mt19937_64 rng(7);
  // 90 queries over 40 keys, bottom-right: rows 0 … 49 sit at negative positions and see nothing
  // under causal; valid:0 blocks a whole row in the list form too.
  const Matrix q = random_matrix(rng, 90, 6);
  const Matrix k = random_matrix(rng, 40, 6);
  const Matrix v = random_matrix(rng, 40, 4);
  for (const char* text : {"causal", "causal & document:" /* filled below */}) {
    std::string mask_text = text;
    if (mask_text.ends_with(":")) {
      for (int x = 0; x < 40; ++x) mask_text += (x ? "," : "") + std::to_string(x / 10);
    }
    const MaskExpr mask = MaskExpr::parse(mask_text);
    for (EmptyRows policy : {EmptyRows::zero, EmptyRows::nan, EmptyRows::uniform}) {
      CAPTURE(mask_text);
      CAPTURE(static_cast<int>(policy));
      attn::StreamingOptions opt;
      opt.mask = mask;
      opt.empty_rows = policy;
      attn::StreamingReport report;
      const Matrix got = attn::attend_streaming(q, k, v, opt, &report);
      check_close(got, step_output(q, k, v, mask, Align::bottom_right, policy), 1e-12);
      CHECK(report.empty_rows.size() == 50);
      CHECK(report.empty_rows.front() == 0);
      CHECK(report.empty_rows.back() == 49);
    }
  }

  SUBCASE("error names the rows, as run_attention does") {
    const Matrix q3 = random_matrix(rng, 5, 2);
    const Matrix k3 = random_matrix(rng, 3, 2);
    const Matrix v3 = random_matrix(rng, 3, 2);
    attn::StreamingOptions opt;
    opt.mask = MaskExpr::parse("valid:2,0,3,0,1");
    opt.empty_rows = EmptyRows::error;
    std::string step_message;
    try {
      step_output(q3, k3, v3, opt.mask, Align::bottom_right, EmptyRows::error);
    } catch (const attn::Error& e) {
      step_message = e.what();
    }
    CHECK(step_message ==
          "rows 1, 3 of the scores have every key blocked, so softmax is undefined");
    CHECK_THROWS_WITH_AS(attn::attend_streaming(q3, k3, v3, opt), step_message.c_str(),
                         attn::Error);
  }
}

TEST_CASE("attend_streaming skips tiles the mask wholly blocks") {
  std::mt19937_64 rng(11);
  const Matrix q = random_matrix(rng, 256, 4);
  const Matrix k = random_matrix(rng, 256, 4);
  const Matrix v = random_matrix(rng, 256, 4);
  attn::StreamingOptions opt;
  opt.mask = MaskExpr::causal();
  attn::StreamingReport report;
  attn::attend_streaming(q, k, v, opt, &report);
  // 4 × 4 tiles: 10 on or below the diagonal, of which the 4 on it are partly blocked
  CHECK(report.tiles_computed == 10);
  CHECK(report.tiles_masked == 4);
  CHECK(report.tiles_skipped == 6);
  CHECK(report.exact_spans);

  opt.mask = MaskExpr::parse("window:64");  // a band: 2 tiles per row of tiles, 1 on the first
  attn::attend_streaming(q, k, v, opt, &report);
  CHECK(report.tiles_computed == 7);
  CHECK(report.tiles_skipped == 9);
}

// Softmax attention of every query over keys 0 … L − 1 only, written out in double: the model of
// valid:L (and of any mask that keeps a prefix of the keys for every row).
Matrix first_keys_attention(const Matrix& q, const Matrix& k, const Matrix& v, std::size_t keys) {
  const double c = 1.0 / std::sqrt(static_cast<double>(q.cols()));
  Matrix o(q.rows(), v.cols());
  for (std::size_t i = 0; i < q.rows(); ++i) {
    std::vector<double> s(keys);
    double m = -INFINITY, sum = 0;
    for (std::size_t j = 0; j < keys; ++j) {
      for (std::size_t t = 0; t < q.cols(); ++t) s[j] += c * q(i, t) * k(j, t);
      m = std::max(m, s[j]);
    }
    for (double& x : s) sum += x = std::exp(x - m);
    for (std::size_t j = 0; j < keys; ++j)
      for (std::size_t t = 0; t < v.cols(); ++t) o(i, t) += s[j] / sum * v(j, t);
  }
  return o;
}

TEST_CASE("attend_streaming masks the tile a span ends in, one key short of its edge or past it") {
  // Tiles are 64 × 64 and every query tile here is full: the one place a tile may be taken whole
  // (no mask applied) is when every row sees all of its keys. Spans ending at 63 or 127, one key
  // before a tile edge, must still block the tile's last key; 64 and 65 sit on and past the edge.
  std::mt19937_64 rng(29);
  const Matrix q = random_matrix(rng, 128, 4, 2.0);
  const Matrix k = random_matrix(rng, 128, 4, 2.0);
  const Matrix v = random_matrix(rng, 128, 3);
  for (const std::size_t keys : {63u, 64u, 65u, 127u, 128u}) {
    const Matrix want = first_keys_attention(q, k, v, keys);
    for (const std::string& text :
         {"valid:" + std::to_string(keys), "chunk:128 & valid:" + std::to_string(keys)}) {
      for (VectorUnit unit : units()) {
        CAPTURE(text);
        CAPTURE(attn::vector_unit_name(unit));
        attn::StreamingOptions opt;
        opt.mask = MaskExpr::parse(text);
        opt.unit = unit;
        check_close(attn::attend_streaming(q, k, v, opt), want, 1e-12);
      }
    }
  }
}

TEST_CASE("attend_streaming takes each row's maximum over the whole tile, not part of it") {
  // A whole 64 × 64 tile with no mask: the product that stores the scores also keeps each row's
  // maximum. Scores range over 800 here, so a maximum missed by any part of the row would make
  // exp(s − m) overflow: row i scores s_ij = k_j (q = 1, d_k = 1), with k_5 = 800 (in the first
  // vector block of every unit) and k_j = j/100 elsewhere; α is one-hot at key 5 to the last bit
  // (e^(0.63 − 800) underflows to 0), so o_i = v_5.
  std::mt19937_64 rng(41);
  Matrix q(64, 1), k(64, 1);
  for (std::size_t j = 0; j < 64; ++j) q(j, 0) = 1, k(j, 0) = 0.01 * static_cast<double>(j);
  k(5, 0) = 800;
  const Matrix v = random_matrix(rng, 64, 3);
  Matrix want(64, 3);
  for (std::size_t i = 0; i < 64; ++i)
    for (std::size_t t = 0; t < 3; ++t) want(i, t) = v(5, t);
  for (VectorUnit unit : units()) {
    CAPTURE(attn::vector_unit_name(unit));
    attn::StreamingOptions opt;
    opt.unit = unit;
    check_close(attn::attend_streaming(q, k, v, opt), want, 1e-15);
  }
}

TEST_CASE("attend_streaming keeps a row's maximum until a score rises exp_margin above it") {
  // Three whole key tiles, no mask, q = 1 and d_k = 1, so s_ij = k_j: k_j = j/100, except one key
  // of the last tile, k_130 = 0.63 + rise. Tile 0 gives each row its first m (0.63); tile 1 rises
  // 0.64 above it, less than exp_margin, so m stays and p reaches e^0.64; tile 2 keeps m too when
  // the rise stays under the margin (p up to e^rise) and moves it when it does not. Either way o is
  // the step path's and the log-sum-exp is log Σ_j e^(k_j), summed here in long double.
  std::mt19937_64 rng(43);
  Matrix q(64, 1), k(192, 1);
  for (std::size_t i = 0; i < 64; ++i) q(i, 0) = 1;
  const Matrix v = random_matrix(rng, 192, 3);
  for (const DType dtype : {DType::f64, DType::f32}) {
    const bool is_double = dtype == DType::f64;
    const double margin = is_double ? attn::exp_margin<double> : attn::exp_margin<float>;
    for (const double over : {-4.0, 4.0}) {  // the rise from tile 0's m, under or over the margin
      CAPTURE(margin);
      CAPTURE(over);
      for (std::size_t j = 0; j < 192; ++j) k(j, 0) = 0.01 * static_cast<double>(j);
      k(130, 0) = 0.63 + margin + over;
      const Matrix want =
          step_output(q, k, v, MaskExpr{}, Align::bottom_right, EmptyRows::zero, 1.0);
      long double sum = 0;
      for (std::size_t j = 0; j < 192; ++j) sum += expl(static_cast<long double>(k(j, 0)));
      const auto lse_want = static_cast<double>(logl(sum));
      for (VectorUnit unit : units()) {
        CAPTURE(attn::vector_unit_name(unit));
        const BatchedRun run =
            is_double ? batched_once<double>(q, k, v, unit) : batched_once<float>(q, k, v, unit);
        check_close(run.o, want, is_double ? 1e-13 : 2e-6);
        for (const double lse : run.lse)
          CHECK(std::abs(lse - lse_want) <= (is_double ? 1e-13 : 1e-5) * lse_want);
        CHECK(run.report.tiles_computed == 3);
        // only the AVX-512 kernel keeps m
        const std::size_t kept = over < 0 ? 2 : 1;
        CHECK(run.report.tiles_kept_max == (unit == VectorUnit::avx512 ? kept : 0));
      }
    }
  }
}

TEST_CASE("attend_streaming takes scores far apart whose difference overflows, on every unit") {
  // float: the first key tile scores −2e38, the next +2e38 (and the other way round). s − m is
  // ±inf though no score is: it is no overflow, and o is the second tile's mean of v (or the
  // first's), as the step path gives it in double.
  std::mt19937_64 rng(47);
  Matrix q(64, 1), k(128, 1);
  for (std::size_t i = 0; i < 64; ++i) q(i, 0) = 1;
  const Matrix v = random_matrix(rng, 128, 2);
  for (const double first : {-2e38, 2e38}) {
    CAPTURE(first);
    for (std::size_t j = 0; j < 128; ++j) k(j, 0) = j < 64 ? first : -first;
    const Matrix want = step_output(q, k, v, MaskExpr{}, Align::bottom_right, EmptyRows::zero, 1.0);
    for (VectorUnit unit : units()) {
      CAPTURE(attn::vector_unit_name(unit));
      check_close(batched_once<float>(q, k, v, unit).o, want, 2e-6);
    }
  }
}

TEST_CASE("attend_streaming gives the same bits on one thread or several") {
  std::mt19937_64 rng(5);
  const Matrix q = random_matrix(rng, 300, 16);
  const Matrix k = random_matrix(rng, 300, 16);
  const Matrix v = random_matrix(rng, 300, 16);
  attn::StreamingOptions opt;
  opt.mask = MaskExpr::causal();
  opt.threads = 1;
  const Matrix one = attn::attend_streaming(q, k, v, opt);
  opt.threads = 3;
  attn::StreamingReport report;
  const Matrix three = attn::attend_streaming(q, k, v, opt, &report);
  CHECK(report.threads == 3);
  CHECK(one == three);
}

TEST_CASE("attend_streaming in float32 is within float rounding of the double step path") {
  std::mt19937_64 rng(3);
  const Matrix q = random_matrix(rng, 150, 32, 2.0);
  const Matrix k = random_matrix(rng, 150, 32, 2.0);
  const Matrix v = random_matrix(rng, 150, 24);
  const auto narrow = [](const Matrix& m) {
    return std::vector<float>(m.values().begin(), m.values().end());
  };
  const std::vector<float> qf = narrow(q), kf = narrow(k), vf = narrow(v);
  for (VectorUnit unit : units()) {
    CAPTURE(attn::vector_unit_name(unit));
    std::vector<float> out(150 * 24);
    attn::StreamingOptions opt;
    opt.mask = MaskExpr::parse("causal & window:100");
    opt.unit = unit;
    attn::attend_streaming(std::span<const float>(qf), kf, vf, {150, 150, 32, 24},
                           std::span<float>(out), opt);
    // the step path on the float inputs, widened exactly
    const Matrix want = step_output(
        Matrix(150, 32, {qf.begin(), qf.end()}), Matrix(150, 32, {kf.begin(), kf.end()}),
        Matrix(150, 24, {vf.begin(), vf.end()}), opt.mask, Align::bottom_right, EmptyRows::zero);
    check_close(Matrix(150, 24, {out.begin(), out.end()}), want, 2e-6);
  }
}

TEST_CASE("attend_streaming reports shapes and overflow as run_attention does") {
  attn::StreamingOptions opt;
  CHECK_THROWS_WITH_AS(attn::attend_streaming(Matrix{{1, 2}}, Matrix{{1, 2, 3}}, Matrix{{1}}, opt),
                       "k has 3 values per row but q has 2 (d_k must match)", attn::Error);
  CHECK_THROWS_WITH_AS(
      attn::attend_streaming(Matrix{{1, 2}}, Matrix{{1, 2}}, Matrix{{1}, {2}}, opt),
      "v has 2 rows but there are 1 keys (v needs one row per key)", attn::Error);
  CHECK_THROWS_WITH_AS(
      attn::attend_streaming(Matrix{{1e200, 1}}, Matrix{{1, 2}, {1e200, 0}}, Matrix{{1}, {2}}, opt),
      "q·k overflows at row 0, column 1 (q_0·k_1 = inf)", attn::Error);
  // in whole 64 × 64 tiles with no mask, where the product itself checks the scores it stores:
  // a query tile's first key tile (the watch on the stored scores) and its second (on AVX-512,
  // the product that keeps each row's maximum), on every unit
  Matrix q(128, 4), k(128, 4), v(128, 2);
  for (std::size_t i = 0; i < 128; ++i)
    for (std::size_t t = 0; t < 4; ++t) q(i, t) = k(i, t) = 0.01 * static_cast<double>(i + t);
  q(70, 2) = 1e200;
  for (VectorUnit unit : units()) {
    CAPTURE(attn::vector_unit_name(unit));
    opt.unit = unit;
    for (const std::size_t key : {10, 100}) {
      Matrix kk = k;
      kk(key, 2) = -1e200;
      const std::string column = std::to_string(key);
      const std::string message =
          "q·k overflows at row 70, column " + column + " (q_70·k_" + column + " = -inf)";
      CHECK_THROWS_WITH_AS(attn::attend_streaming(q, kk, v, opt), message.c_str(), attn::Error);
    }
  }
  opt.unit = VectorUnit::automatic;
  opt.mask = MaskExpr::parse("valid:1,2");
  CHECK_THROWS_AS(attn::attend_streaming(Matrix{{1}}, Matrix{{1}}, Matrix{{1}}, opt), attn::Error);
}

TEST_CASE("has_exact_spans holds for intersections of interval atoms only") {
  CHECK(attn::has_exact_spans(MaskExpr::parse("causal & window:3 & valid:4")));
  CHECK(attn::has_exact_spans(MaskExpr::parse("prefix:2 & chunk:4 & local:1")));
  CHECK(attn::has_exact_spans(MaskExpr::parse("none")));
  CHECK_FALSE(attn::has_exact_spans(MaskExpr::parse("causal | window:3")));
  CHECK_FALSE(attn::has_exact_spans(MaskExpr::parse("!causal")));
  CHECK_FALSE(attn::has_exact_spans(MaskExpr::parse("dilated:2:2")));
  CHECK_FALSE(attn::has_exact_spans(MaskExpr::parse("document:0,0,1")));
}

// ---- Whole layers: batches, heads, grouped-query heads, layouts, dtypes, masks and biases
// --------
