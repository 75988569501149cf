// The tensor backward job on the fixtures of tests/data/tensor (made by make_fixtures.py with
// NumPy, whose layer_d*_causal.npy are its textbook backward), and what it refuses.
#include "attn/jobs/tensor_grad.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <string>

#include "../support/scratch_dir.hpp"
#include "attn/core/error.hpp"
#include "attn/io/tensor_file.hpp"

namespace fs = std::filesystem;

namespace {

std::string fixture(const std::string& name) {
  return (fs::path(ATTN_SOURCE_DIR) / "tests/data/tensor" / name).string();
}

fs::path scratch_dir() {
  static const fs::path dir = attn_test::scratch_dir("grad");
  return dir;
}

attn::TensorGradJob layer_job() {
  attn::TensorGradJob job;
  job.forward.q = fixture("layer_q.npy");
  job.forward.k = fixture("layer_k.npy");
  job.forward.v = fixture("layer_v.npy");
  job.forward.mask = "causal";
  job.d_out = fixture("layer_do.npy");
  return job;
}

// The largest |a − b| over two tensors of the same shape.
double max_difference(const std::string& a, const std::string& b) {
  const attn::NamedTensor x = attn::read_tensor(a, "x"), y = attn::read_tensor(b, "y");
  REQUIRE(x.tensor.shape() == y.tensor.shape());
  double most = 0;
  for (std::size_t n = 0; n < x.tensor.count(); ++n)
    most = std::max(most, std::abs(x.tensor.at(n) - y.tensor.at(n)));
  return most;
}

}  // namespace

TEST_CASE("run_tensor_grad writes NumPy's dq, dk and dv of a grouped-query layer") {
  attn::TensorGradJob job = layer_job();
  const fs::path dir = scratch_dir();
  job.dq_out = (dir / "dq.npy").string();
  job.dk_out = (dir / "dk.npy").string();
  job.dv_out = (dir / "dv.npy").string();
  SUBCASE("running the forward for o and its log-sum-exp") {
    const attn::TensorGradSummary s = attn::run_tensor_grad(job);
    CHECK(s.written.size() == 3);
    CHECK(s.text.find("8 of 8 tile pairs") != std::string::npos);
    CHECK(max_difference(*job.dq_out, fixture("layer_dq_causal.npy")) < 1e-14);
    CHECK(max_difference(*job.dk_out, fixture("layer_dk_causal.npy")) < 1e-14);
    CHECK(max_difference(*job.dv_out, fixture("layer_dv_causal.npy")) < 1e-14);
  }
  SUBCASE("from a given o and float32 log-sum-exp: float32's accuracy") {
    job.o = fixture("layer_o_causal.npy");
    job.lse = fixture("layer_lse_causal.npy");
    attn::run_tensor_grad(job);
    CHECK(max_difference(*job.dq_out, fixture("layer_dq_causal.npy")) < 1e-6);
    CHECK(max_difference(*job.dv_out, fixture("layer_dv_causal.npy")) < 1e-6);
  }
  SUBCASE("in float32 (--dtype f32), written as float32") {
    job.forward.dtype = attn::DType::f32;
    attn::run_tensor_grad(job);
    CHECK(attn::read_tensor(*job.dq_out, "dq").tensor.dtype() == attn::DType::f32);
    CHECK(max_difference(*job.dq_out, fixture("layer_dq_causal.npy")) < 1e-5);
  }
}

TEST_CASE("run_tensor_grad with causal as a mask tensor writes NumPy's causal dq, dk and dv") {
  // layer_causal_mask.npy is tril(ones(5, 5)) as bool; layer_causal_additive.npy the same as 0 and
  // −∞ in float64, (1, 1, 5, 5): either in place of --mask causal gives NumPy's causal backward
  attn::TensorGradJob job = layer_job();
  const fs::path dir = scratch_dir();
  job.dq_out = (dir / "dq_masked.npy").string();
  job.dk_out = (dir / "dk_masked.npy").string();
  job.dv_out = (dir / "dv_masked.npy").string();
  for (const char* mask : {"layer_causal_mask.npy", "layer_causal_additive.npy"}) {
    CAPTURE(mask);
    job.forward.mask = fixture(mask);
    const attn::TensorGradSummary s = attn::run_tensor_grad(job);
    CHECK(s.text.find("with mask tensor") != std::string::npos);
    CHECK(s.json.find("\"mask_tensor\":{\"file\"") != std::string::npos);
    CHECK(max_difference(*job.dq_out, fixture("layer_dq_causal.npy")) < 1e-14);
    CHECK(max_difference(*job.dk_out, fixture("layer_dk_causal.npy")) < 1e-14);
    CHECK(max_difference(*job.dv_out, fixture("layer_dv_causal.npy")) < 1e-14);
  }
  // with the forward's o and float32 log-sum-exp given, float32's accuracy
  job.forward.mask = fixture("layer_causal_mask.npy");
  job.o = fixture("layer_o_causal.npy");
  job.lse = fixture("layer_lse_causal.npy");
  attn::run_tensor_grad(job);
  CHECK(max_difference(*job.dq_out, fixture("layer_dq_causal.npy")) < 1e-6);
  CHECK(max_difference(*job.dk_out, fixture("layer_dk_causal.npy")) < 1e-6);
  CHECK(max_difference(*job.dv_out, fixture("layer_dv_causal.npy")) < 1e-6);
}

TEST_CASE("run_tensor_grad refuses what it cannot do, before writing anything") {
  attn::TensorGradJob job = layer_job();
  const fs::path out = scratch_dir() / "never.npy";
  job.dq_out = out.string();
  const auto fails = [&](const char* text, attn::Exit code) {
    try {
      attn::run_tensor_grad(job);
      FAIL("no error");
    } catch (const attn::Error& e) {
      CHECK(std::string(e.what()).find(text) != std::string::npos);
      CHECK(e.code() == code);
    }
    CHECK_FALSE(fs::exists(out));
  };
  SUBCASE("a mask tensor that does not broadcast to (B, H, S_q, S_k), or is not bool or float") {
    job.forward.mask = fixture("layer_v_3heads.npy");
    fails("axis H has 3, not 1 or 4", attn::Exit::data);
    job.forward.mask = fixture("layer_lens.npy");
    fails("the mask has dtype int64", attn::Exit::data);
  }
  SUBCASE("--lse without --o") {
    job.lse = fixture("layer_lse_causal.npy");
    fails("--lse needs --o", attn::Exit::usage);
  }
  SUBCASE("dO of the wrong shape") {
    job.d_out = fixture("layer_q.npy");
    fails("dO must have shape (2, 4, 5, 2)", attn::Exit::data);
  }
  SUBCASE("an lse of the wrong shape") {
    job.o = fixture("layer_o_causal.npy");
    job.lse = fixture("layer_lens.npy");
    fails("the log-sum-exp must be a float tensor of shape (2, 4, 5)", attn::Exit::data);
  }
  SUBCASE("no output file") {
    job.dq_out.reset();
    fails("--dq-out", attn::Exit::usage);
  }
}
