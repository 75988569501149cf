#include "attn/jobs/tensor_attend.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <string>

#include "../support/scratch_dir.hpp"
#include "attn/core/error.hpp"
#include "attn/io/npy.hpp"
#include "attn/io/safetensors.hpp"

namespace fs = std::filesystem;
using attn::Matrix;

namespace {

// Fixtures made by tests/data/tensor/make_fixtures.py with NumPy.
std::string fixture(const std::string& name) {
  return (fs::path(ATTN_SOURCE_DIR) / "tests/data/tensor" / name).string();
}

fs::path scratch_dir() {
  static const fs::path dir = attn_test::scratch_dir("tensor");
  return dir;
}

double max_difference(const Matrix& a, const Matrix& b) {
  REQUIRE(a.rows() == b.rows());
  REQUIRE(a.cols() == b.cols());
  double most = 0;
  for (std::size_t n = 0; n < a.size(); ++n)
    most = std::max(most, std::abs(a.values()[n] - b.values()[n]));
  return most;
}

attn::TensorJob causal_job() {
  attn::TensorJob job;
  job.q = fixture("q.npy");
  job.k = fixture("k.npy");
  job.v = fixture("v.npy");
  job.mask = "causal";
  return job;
}

}  // namespace

TEST_CASE("is_tensor_path") {
  CHECK(attn::is_tensor_path("q.npy"));
  CHECK(attn::is_tensor_path("dir/Q.NPY"));
  CHECK(attn::is_tensor_path("qkv.npz"));
  CHECK(attn::is_tensor_path("qkv.npz:queries"));
  CHECK_FALSE(attn::is_tensor_path("1,2;3,4"));
  CHECK_FALSE(attn::is_tensor_path("q.json"));
  CHECK_FALSE(attn::is_tensor_path("npy"));
}

TEST_CASE("run_tensor_attend streams the causal output NumPy computes") {
  attn::TensorJob job = causal_job();
  job.output = (scratch_dir() / "o.npy").string();
  const attn::TensorSummary s = attn::run_tensor_attend(job);
  CHECK(s.streamed);
  CHECK(s.n_q == 6);
  CHECK(s.n_k == 6);
  CHECK(s.d_k == 4);
  CHECK(s.d_v == 3);
  CHECK(s.timing.empty());
  const Matrix want = attn::npy::read_matrix(fixture("o_causal.npy"));
  CHECK(max_difference(attn::npy::read_matrix(*job.output), want) < 1e-14);
  CHECK(s.text.find("agree within 1e-12") != std::string::npos);
  CHECK(s.text.find("wrote " + *job.output) != std::string::npos);

  SUBCASE("the step path writes the same output, and the scores and weights") {
    job.scores_out = (scratch_dir() / "s.npy").string();
    job.weights_out = (scratch_dir() / "w.npy").string();
    job.output = (scratch_dir() / "o_step.npy").string();
    const attn::TensorSummary step = attn::run_tensor_attend(job);
    CHECK_FALSE(step.streamed);
    CHECK(max_difference(attn::npy::read_matrix(*job.output), want) < 1e-14);
    const Matrix w = attn::npy::read_matrix(*job.weights_out);
    CHECK(w.rows() == 6);
    CHECK(w(0, 1) == 0.0);  // above the diagonal
    CHECK(std::isinf(attn::npy::read_matrix(*job.scores_out)(0, 5)));
    CHECK(step.text.find("every row's weights sum to 1 within 1e-12") != std::string::npos);
  }
  SUBCASE("float32 computes and writes float32") {
    job.dtype = attn::DType::f32;
    job.output = (scratch_dir() / "o32.npy").string();
    job.timing = true;
    const attn::TensorSummary f = attn::run_tensor_attend(job);
    const attn::npy::NpyArray o = attn::npy::read(*job.output);
    CHECK(o.dtype() == attn::npy::DType::f32);
    CHECK(max_difference(o.to_matrix(), want) < 1e-6);
    CHECK(f.timing.starts_with("timing: read "));
  }
}

TEST_CASE("run_tensor_attend reads float32, big-endian, Fortran order, a batch of one and .npz") {
  const Matrix want = attn::npy::read_matrix(fixture("o_causal.npy"));
  attn::TensorJob job = causal_job();
  job.q = fixture("q_f32_be.npy");
  job.k = fixture("k_fortran.npy");
  job.v = fixture("v_batch.npy");
  job.output = (scratch_dir() / "o_mixed.npy").string();
  attn::run_tensor_attend(job);
  CHECK(max_difference(attn::npy::read_matrix(*job.output), want) < 1e-6);  // q was float32

  for (const char* archive : {"qkv.npz", "qkv_compressed.npz"}) {
    CAPTURE(archive);
    attn::TensorJob z;
    z.q = fixture(archive);  // k and v come from the same archive
    z.mask = "causal";
    z.output = (scratch_dir() / "o_npz.npy").string();
    attn::run_tensor_attend(z);
    CHECK(max_difference(attn::npy::read_matrix(*z.output), want) < 1e-14);
  }
  attn::TensorJob named = causal_job();
  named.q = fixture("qkv.npz:q");
  named.k = fixture("qkv.npz:k");
  named.v = fixture("qkv.npz");  // member v
  named.output = (scratch_dir() / "o_named.npy").string();
  attn::run_tensor_attend(named);
  CHECK(max_difference(attn::npy::read_matrix(*named.output), want) < 1e-14);
}

TEST_CASE("run_tensor_attend summarises without flooding: shapes, a check and a corner") {
  attn::TensorJob job = causal_job();
  const attn::TensorSummary s = attn::run_tensor_attend(job);
  CHECK(s.text.find("attend: q 6×4") != std::string::npos);
  CHECK(s.text.find("mask causal (bottom-right alignment), scale 0.5 (1/√4)") != std::string::npos);
  CHECK(s.text.find("o[:4, :3] of 6×3:") != std::string::npos);
  CHECK(s.text.find("give --output o.npy to save all 18 values") != std::string::npos);
}

TEST_CASE("run_tensor_attend refuses NaN, mismatched shapes and missing files, naming them") {
  attn::TensorJob job = causal_job();
  job.q = fixture("q_nan.npy");
  CHECK_THROWS_WITH_AS(attn::run_tensor_attend(job),
                       (fixture("q_nan.npy") + ": q at row 2, column 1 is nan").c_str(),
                       attn::Error);
  job = causal_job();
  job.k = fixture("k_d3.npy");
  CHECK_THROWS_WITH_AS(attn::run_tensor_attend(job),
                       "k has 3 values per row but q has 4 (d_k must match)", attn::Error);
  job = causal_job();
  job.v = fixture("absent.npy");
  try {
    attn::run_tensor_attend(job);
    FAIL("no error");
  } catch (const attn::Error& e) {
    CHECK(e.code() == attn::Exit::no_input);
  }
  job = causal_job();
  job.k.clear();
  CHECK_THROWS_WITH_AS(attn::run_tensor_attend(job), "attend needs --k with a tensor file",
                       attn::Error);
}

TEST_CASE("run_tensor_attend reports fully blocked rows under the chosen policy") {
  attn::TensorJob job = causal_job();
  job.mask = "valid:3,0,3,3,0,3";
  job.empty_rows = attn::EmptyRows::nan;
  job.output = (scratch_dir() / "o_empty.npy").string();
  const attn::TensorSummary s = attn::run_tensor_attend(job);
  CHECK(s.text.find("rows with every key blocked: 2 (1, 4), output NaN") != std::string::npos);
  const Matrix o = attn::npy::read_matrix(*job.output);
  CHECK(std::isnan(o(1, 0)));
  CHECK_FALSE(std::isnan(o(0, 0)));
  job.empty_rows = attn::EmptyRows::error;
  CHECK_THROWS_AS(attn::run_tensor_attend(job), attn::Error);
}

// ---- Whole layers ------------------------------------------------------------------------------

namespace {

attn::TensorJob layer_job(const std::string& suffix = "") {
  attn::TensorJob job;
  job.q = fixture("layer_q" + suffix + ".npy");
  job.k = fixture("layer_k" + suffix + ".npy");
  job.v = fixture("layer_v" + suffix + ".npy");
  job.mask = "causal";
  return job;
}

double max_difference(const attn::Tensor& a, const attn::Tensor& b) {
  REQUIRE(a.shape() == b.shape());
  double most = 0;
  for (std::size_t n = 0; n < a.count(); ++n) most = std::max(most, std::abs(a.at(n) - b.at(n)));
  return most;
}

}  // namespace

TEST_CASE("run_tensor_attend writes a layer's o and log-sum-exp as NumPy computes them") {
  for (const bool bshd : {false, true}) {
    CAPTURE(bshd);
    attn::TensorJob job = layer_job(bshd ? "_bshd" : "");
    if (bshd) job.layout = attn::Layout::bshd;
    job.output = (scratch_dir() / "layer_o.safetensors").string();
    job.lse_out = (scratch_dir() / "layer_lse.npy").string();
    job.timing = true;
    const attn::TensorSummary s = attn::run_tensor_attend(job);
    CHECK(s.batch == 2);
    CHECK(s.heads == 4);
    CHECK(s.kv_heads == 2);
    CHECK(s.written == std::vector<std::string>{*job.output, *job.lse_out});
    const attn::Tensor o = attn::safetensors::read(*job.output, "o");
    CHECK(max_difference(o, attn::npy::read_tensor(fixture(bshd ? "layer_o_causal_bshd.npy"
                                                                : "layer_o_causal.npy"))) < 1e-14);
    const attn::Tensor lse = attn::npy::read_tensor(*job.lse_out);
    CHECK(lse.dtype() == attn::DType::f32);
    CHECK(max_difference(lse, attn::npy::read_tensor(fixture("layer_lse_causal.npy"))) < 1e-6);
    // "timing: read 0.123 ms, compute 1.234 ms (avx512, 2 threads), write …"
    CHECK(s.timing.starts_with("timing: read "));
    CHECK(s.timing.find(" ms, compute ") != std::string::npos);
    CHECK(s.json.find("\"kv_heads\":2") != std::string::npos);
  }
}

TEST_CASE("run_tensor_attend checks against a given tensor and keeps the step path per head") {
  attn::TensorJob job = layer_job();
  job.check_against = fixture("layer_o_causal.npy");
  attn::TensorSummary s = attn::run_tensor_attend(job);
  REQUIRE(s.checked);
  CHECK(s.checked->within());
  CHECK(s.text.find("all 80 within") != std::string::npos);

  job = layer_job("_f16");
  job.check_against = fixture("layer_o_causal.npy");
  s = attn::run_tensor_attend(job);
  CHECK_FALSE(s.checked->within());  // float16's inputs and output: beyond its default tolerance
  job.rtol = 2e-2;
  job.atol = 1e-3;
  CHECK(attn::run_tensor_attend(job).checked->within());

  attn::TensorJob step = layer_job();
  step.weights_out = (scratch_dir() / "layer_w.npy").string();
  step.output = (scratch_dir() / "layer_o_step.npy").string();
  s = attn::run_tensor_attend(step);
  CHECK_FALSE(s.streamed);
  const attn::Tensor w = attn::npy::read_tensor(*step.weights_out);
  CHECK(w.shape() == std::vector<std::size_t>{2, 4, 5, 5});
  CHECK(w.at(1) == 0.0);  // row 0 sees only key 0
  CHECK(max_difference(attn::npy::read_tensor(*step.output),
                       attn::npy::read_tensor(fixture("layer_o_causal.npy"))) < 1e-14);
}

TEST_CASE("tensor_slice needs a slice of a batched layer, and a small one") {
  const attn::TensorJob job = layer_job();
  CHECK_THROWS_WITH_AS(attn::tensor_slice(job, std::nullopt, std::nullopt, "--heatmap"),
                       "--heatmap shows one slice, and q has 2 batch rows and 4 heads",
                       attn::Error);
  CHECK_THROWS_WITH_AS(attn::tensor_slice(job, 3, 1, "--heatmap"),
                       "--batch 3 --head 1: q has 2 batch rows and 4 heads (counting from 1)",
                       attn::Error);
  const attn::Request r = attn::tensor_slice(job, 2, 4, "--explain");
  CHECK(r.problem.q.rows() == 5);
  CHECK(r.problem.mask_label.text == "causal");
}
