#include "attn/jobs/tensor_check.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>

#include "attn/core/error.hpp"

namespace fs = std::filesystem;

namespace {

std::string fixture(const std::string& name) {
  return (fs::path(ATTN_SOURCE_DIR) / "tests/data/tensor" / name).string();
}

attn::Operands layer(const std::optional<std::string>& mask = "causal") {
  attn::TensorJob job;
  job.q = fixture("layer_q.npy");
  job.k = fixture("layer_k.npy");
  job.v = fixture("layer_v.npy");
  job.mask = mask;
  return attn::read_operands(job);
}

}  // namespace

TEST_CASE("recompute_row agrees with NumPy's output and notices a wrong one") {
  const attn::Operands o = layer();
  // NumPy's (2, 4, 5, 2) reference, read as the output to check
  attn::Tensor want = attn::read_tensor(fixture("layer_o_causal.npy"), "o").tensor;
  const attn::Bhsd view = attn::bhsd_of(want.shape(), attn::Layout::bhsd, "o", "o");
  for (std::size_t b = 0; b < 2; ++b)
    for (std::size_t h = 0; h < 4; ++h)
      for (std::size_t i = 0; i < 5; ++i) {
        const auto c = attn::recompute_row(o, b, h, i, want, view);
        REQUIRE(c);
        CHECK(c->difference < 1e-15);
        CHECK(c->sum_error < 1e-15);
      }
  want.values<double>()[view.offset(1, 3, 4) + 1] += 0.01;  // o[1, 3, 4, 1]
  CHECK(attn::recompute_row(o, 1, 3, 4, want, view)->difference == doctest::Approx(0.01));
  const attn::SampleCheck s = attn::check_sample(o, want, view);
  CHECK(s.rows == std::vector<std::size_t>{0, 1, 3, 4});
  CHECK(s.heads.size() == 3);  // (0, 0), (1, 2), (1, 3)
  CHECK_FALSE(s.agree());      // the sample includes batch 1, head 3, row 4
}

TEST_CASE("recompute_row sees no key for a row the mask wholly blocks") {
  const attn::Operands o = layer("valid:0,5,5,5,5");
  attn::Tensor out(attn::DType::f64, {2, 4, 5, 2});
  const attn::Bhsd view = attn::bhsd_of(out.shape(), attn::Layout::bhsd, "o", "o");
  CHECK_FALSE(attn::recompute_row(o, 0, 0, 0, out, view));
  CHECK(attn::recompute_row(o, 0, 0, 1, out, view));
}

TEST_CASE("check_bound follows the precision written") {
  CHECK(attn::check_bound(attn::DType::f64, attn::DType::f64) == 1e-12);
  CHECK(attn::check_bound(attn::DType::f32, attn::DType::f32) == 1e-4);
  CHECK(attn::check_bound(attn::DType::f32, attn::DType::f16) == 0x1p-10);
  CHECK(attn::check_bound(attn::DType::f32, attn::DType::bf16) == 0x1p-7);
}
