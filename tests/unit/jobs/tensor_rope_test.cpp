// RoPE on the tensor path: which axis is the position in each layout (by hand), float32 storage,
// rotating back as the inverse, and attn grad's dq, dk through the rotation against finite
// differences of the step path's forward (core/attention with its own rotation).
#include "attn/jobs/tensor_rope.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>

#include "../support/scratch_dir.hpp"
#include "attn/core/attention.hpp"
#include "attn/core/error.hpp"
#include "attn/io/layout.hpp"
#include "attn/io/tensor_file.hpp"
#include "attn/jobs/tensor_attend.hpp"
#include "attn/jobs/tensor_grad.hpp"

namespace fs = std::filesystem;
using attn::Bhsd;
using attn::DType;
using attn::Layout;
using attn::Matrix;
using attn::RopeOptions;
using attn::RopeStyle;
using attn::Tensor;
using doctest::Approx;

namespace {

fs::path scratch_dir() {
  static const fs::path dir = attn_test::scratch_dir("rope");
  return dir;
}

Tensor copy_of(const Tensor& t) {
  Tensor out(t.dtype(), t.shape());
  std::memcpy(out.data(), t.data(), t.bytes());
  return out;
}

Tensor filled(DType dtype, std::vector<std::size_t> shape, std::mt19937_64& rng) {
  Tensor t(DType::f64, std::move(shape));
  for (double& x : t.values<double>()) x = static_cast<double>(rng() >> 11) * 0x1p-53 * 3.0 - 1.5;
  return attn::convert(std::move(t), dtype);
}

std::string saved(Tensor t, const std::string& name) {
  const std::string path = (scratch_dir() / (name + ".npy")).string();
  attn::write_tensor(path, t, name, "test");
  return path;
}

attn::RopeTable table_for(std::vector<std::int64_t> positions, std::size_t d, RopeStyle style,
                          double base = 10000) {
  RopeOptions o;
  o.style = style;
  o.base = base;
  return attn::rope_table(o, positions, d);
}

}  // namespace

TEST_CASE("rotate_rows turns each row by its position: axis 2 in bhsd, axis 1 in bshd") {
  // Six rows of (1, 0), d = R = 2, so θ_0 = base^0 = 1 and position s turns by s radians:
  // (1, 0) → (cos s, sin s); cos 1 = 0.5403, sin 1 = 0.8415, cos 2 = −0.4161, sin 2 = 0.9093.
  // The same buffer of shape (1, 2, 3, 2) is read two ways:
  //   bhsd (B, H, S, D) = (1, 2, 3, 2): flat row n is head n / 3, position n % 3
  //   bshd (B, S, H, D) = (1, 2, 3, 2): flat row n is position n / 3, head n % 3
  // so flat row 1 turns by 1 radian in bhsd and not at all in bshd, and flat row 3 the reverse.
  for (RopeStyle style : {RopeStyle::half, RopeStyle::interleaved}) {
    const std::vector<std::size_t> shape{1, 2, 3, 2};
    SUBCASE("bhsd") {
      Tensor t(DType::f64, shape);
      for (std::size_t n = 0; n < 6; ++n)
        t.values<double>()[2 * n] = 1, t.values<double>()[2 * n + 1] = 0;
      const Bhsd v = attn::bhsd_of(shape, Layout::bhsd, "q", "q");
      attn::rotate_rows(t, v, table_for({0, 1, 2}, 2, style));
      const double want[6] = {0, 1, 2, 0, 1, 2};  // the angle of flat row n
      for (std::size_t n = 0; n < 6; ++n) {
        CAPTURE(n);
        CHECK(t.values<double>()[2 * n] == Approx(std::cos(want[n])).epsilon(1e-15));
        CHECK(t.values<double>()[2 * n + 1] == Approx(std::sin(want[n])).epsilon(1e-15));
      }
    }
    SUBCASE("bshd") {
      Tensor t(DType::f64, shape);
      for (std::size_t n = 0; n < 6; ++n)
        t.values<double>()[2 * n] = 1, t.values<double>()[2 * n + 1] = 0;
      const Bhsd v = attn::bhsd_of(shape, Layout::bshd, "q", "q");
      attn::rotate_rows(t, v, table_for({0, 1}, 2, style));
      const double want[6] = {0, 0, 0, 1, 1, 1};
      for (std::size_t n = 0; n < 6; ++n) {
        CAPTURE(n);
        CHECK(t.values<double>()[2 * n] == Approx(std::cos(want[n])).epsilon(1e-15));
        CHECK(t.values<double>()[2 * n + 1] == Approx(std::sin(want[n])).epsilon(1e-15));
      }
    }
  }
}

TEST_CASE("rotate_rows in float32 rounds the double rotation once; direction −1 undoes it") {
  std::mt19937_64 rng(19);
  const std::vector<std::size_t> shape{2, 5, 3, 8};  // bshd: B 2, S 5, H 3, D 8
  const Bhsd v = attn::bhsd_of(shape, Layout::bshd, "k", "k");
  const attn::RopeTable table = table_for({4, 0, 7, 1, 30}, 8, RopeStyle::half, 100);
  const Tensor x = filled(DType::f64, shape, rng);
  Tensor wide = copy_of(x), narrow = attn::convert(copy_of(x), DType::f32);
  attn::rotate_rows(wide, v, table);
  attn::rotate_rows(narrow, v, table);
  // the float32 input is x rounded, so compare with the double rotation of x: 2 ulps of float32
  for (std::size_t n = 0; n < x.count(); ++n) {
    CAPTURE(n);
    CHECK(std::abs(narrow.at(n) - wide.at(n)) <= 3e-7 * std::max(1.0, std::abs(wide.at(n))));
  }
  attn::rotate_rows(wide, v, table, -1);
  for (std::size_t n = 0; n < x.count(); ++n) CHECK(wide.at(n) == Approx(x.at(n)).epsilon(1e-14));
}

TEST_CASE("rotate_rows refuses a table of the wrong length and integer tensors") {
  Tensor t(DType::f64, {1, 1, 3, 2});
  const Bhsd v = attn::bhsd_of(t.shape(), Layout::bhsd, "q", "q");
  CHECK_THROWS_AS(attn::rotate_rows(t, v, table_for({0, 1}, 2, RopeStyle::half)),
                  std::invalid_argument);
  Tensor f16(DType::f16, {1, 1, 3, 2});
  CHECK_THROWS_AS(attn::rotate_rows(f16, v, table_for({0, 1, 2}, 2, RopeStyle::half)),
                  std::invalid_argument);
}

namespace {

// L = Σ o over every head, computed on the step path (core/attention rotates q and k itself),
// causal with bottom-right alignment; q (1, H, S_q, D), k and v (1, 1, S_k, D) as doubles.
double step_loss(const Tensor& q, const Tensor& k, const Tensor& v, const RopeOptions& rope) {
  const Bhsd qv = attn::bhsd_of(q.shape(), Layout::bhsd, "q", "q");
  const Bhsd kv = attn::bhsd_of(k.shape(), Layout::bhsd, "k", "k");
  const auto rows = [](const Tensor& t, const Bhsd& view, std::size_t h) {
    Matrix m(view.seq, view.dim);
    for (std::size_t i = 0; i < view.seq; ++i)
      for (std::size_t c = 0; c < view.dim; ++c) m(i, c) = t.at(view.offset(0, h, i) + c);
    return m;
  };
  double total = 0;
  for (std::size_t h = 0; h < qv.heads; ++h) {
    attn::Problem p;
    p.q = rows(q, qv, h);
    p.k = rows(k, kv, 0);
    p.v = rows(v, attn::bhsd_of(v.shape(), Layout::bhsd, "v", "v"), 0);
    p.rope = rope;
    Matrix mask(qv.seq, kv.seq);
    for (std::size_t i = 0; i < qv.seq; ++i)
      for (std::size_t j = 0; j < kv.seq; ++j)
        if (j > i + kv.seq - qv.seq) mask(i, j) = attn::neg_inf;
    p.mask = mask;
    const attn::Trace t = attn::run_attention(p, attn::Stage::output);
    for (double x : t.output->values()) total += x;
  }
  return total;
}

}  // namespace

TEST_CASE("attn grad through RoPE: dq and dk agree with finite differences of the forward") {
  std::mt19937_64 rng(2026);
  // two query heads over one kv head, S_q 3 < S_k 5, d 6, the first 4 dimensions rotated
  const Tensor q = filled(DType::f64, {1, 2, 3, 6}, rng), k = filled(DType::f64, {1, 1, 5, 6}, rng),
               v = filled(DType::f64, {1, 1, 5, 3}, rng);
  RopeOptions rope;
  rope.base = 50;
  rope.dim = 4;
  rope.scale = 2;
  SUBCASE("half, positions from the geometry") {
    rope.style = RopeStyle::half;
  }
  SUBCASE("interleaved, given positions") {
    rope.style = RopeStyle::interleaved;
    rope.q_positions = std::vector<std::int64_t>{9, 3, 4};
    rope.k_positions = std::vector<std::int64_t>{0, 8, 1, 6, 2};
  }
  attn::TensorGradJob job;
  job.forward.q = saved(copy_of(q), "q");
  job.forward.k = saved(copy_of(k), "k");
  job.forward.v = saved(copy_of(v), "v");
  job.forward.mask = "causal";
  job.forward.rope = rope;
  job.sum_loss = true;
  job.dq_out = (scratch_dir() / "dq.npy").string();
  job.dk_out = (scratch_dir() / "dk.npy").string();
  const attn::TensorGradSummary s = attn::run_tensor_grad(job);
  CHECK(s.text.find("dq and dk rotated back") != std::string::npos);
  const Tensor dq = attn::read_tensor(*job.dq_out, "dq").tensor;
  const Tensor dk = attn::read_tensor(*job.dk_out, "dk").tensor;
  // central differences, h = 1e-5: truncation error about h²·L''' ~ 1e-10
  const double h = 1e-5;
  for (const auto& [x, grad, name] : {std::tuple{&q, &dq, "dq"}, std::tuple{&k, &dk, "dk"}}) {
    for (std::size_t n = 0; n < x->count(); ++n) {
      Tensor up = copy_of(*x), down = copy_of(*x);
      up.values<double>()[n] += h;
      down.values<double>()[n] -= h;
      const bool is_q = x == &q;
      const double lu = step_loss(is_q ? up : q, is_q ? k : up, v, rope);
      const double ld = step_loss(is_q ? down : q, is_q ? k : down, v, rope);
      CAPTURE(name);
      CAPTURE(n);
      CHECK(grad->at(n) == Approx((lu - ld) / (2 * h)).epsilon(1e-7));
    }
  }
}

TEST_CASE("attn attend with RoPE names it, and refuses what check_rope refuses") {
  std::mt19937_64 rng(7);
  attn::TensorJob job;
  job.q = saved(filled(DType::f32, {1, 2, 4, 6}, rng), "rq");
  job.k = saved(filled(DType::f32, {1, 2, 4, 6}, rng), "rk");
  job.v = saved(filled(DType::f32, {1, 2, 4, 6}, rng), "rv");
  RopeOptions rope;
  SUBCASE("the summary and JSON") {
    rope.dim = 4;
    job.rope = rope;
    const attn::TensorSummary s = attn::run_tensor_attend(job);
    CHECK(s.text.find("rope half (base 10000, the first 4 of 6 dimensions, query positions 0…3, "
                      "key positions 0…3)") != std::string::npos);
    CHECK(s.json.find(R"("rope":{"style":"half","base":10000.0,"dim":4,"scale":1.0,)"
                      R"("q_positions":null,"k_positions":null,"first_query_position":0})") !=
          std::string::npos);
    CHECK(s.json.find(R"("q":{"file":")") != std::string::npos);
  }
  const auto fails = [&](const char* text, attn::Exit code) {
    job.rope = rope;
    try {
      attn::run_tensor_attend(job);
      FAIL("no error");
    } catch (const attn::Error& e) {
      CHECK(std::string(e.what()).find(text) != std::string::npos);
      CHECK(e.code() == code);
    }
  };
  SUBCASE("an odd --rope-dim") {
    rope.dim = 3;
    fails("--rope-dim 3 is odd", attn::Exit::usage);
  }
  SUBCASE("more than d_k") {
    rope.dim = 8;
    fails("--rope-dim 8 is more than d_k = 6", attn::Exit::usage);
  }
  SUBCASE("a base of 1") {
    rope.base = 1;
    fails("--rope-base must be a number above 1, not 1", attn::Exit::usage);
  }
  SUBCASE("too few query positions") {
    rope.q_positions = std::vector<std::int64_t>{0, 1};
    fails("--q-positions has 2 ids but there are 4 queries", attn::Exit::data);
  }
}
