#include "attn/jobs/tensor_slice.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>

#include "attn/core/bias.hpp"
#include "attn/core/error.hpp"
#include "attn/io/npy.hpp"

namespace fs = std::filesystem;

namespace {

std::string fixture(const std::string& name) {
  return (fs::path(ATTN_SOURCE_DIR) / "tests/data/tensor" / name).string();
}

}  // namespace

TEST_CASE("slice_request takes head h of batch b, its kv head, bias and mask") {
  attn::TensorJob job;
  job.q = fixture("layer_q.npy");
  job.k = fixture("layer_k.npy");
  job.v = fixture("layer_v.npy");
  job.mask = "causal";
  job.bias = "alibi";
  job.kv_lens = "5,3";
  job.softcap = 30;
  const attn::Operands o = attn::read_operands(job);
  const attn::Request r = attn::slice_request(o, 1, 2, attn::EmptyRows::nan);
  const attn::Problem& p = r.problem;
  // query head 2 of 4 reads kv head ⌊2·2/4⌋ = 1
  const attn::Tensor q = attn::npy::read_tensor(fixture("layer_q.npy"));
  const attn::Tensor k = attn::npy::read_tensor(fixture("layer_k.npy"));
  REQUIRE(p.q.rows() == 5);
  CHECK(p.q(3, 2) == q.at(((1 * 4 + 2) * 5 + 3) * 3 + 2));
  CHECK(p.k(4, 0) == k.at(((1 * 2 + 1) * 5 + 4) * 3 + 0));
  CHECK(p.v->cols() == 2);
  CHECK_FALSE(p.scale);  // the default 1/√d_k, shown as such
  CHECK(*p.softcap == 30);
  CHECK(p.empty_rows == attn::EmptyRows::nan);
  // ALiBi: head 3 of 4 has slope 2^(−8·3/4)
  CHECK(*p.bias == attn::alibi_bias({5, 5, attn::Align::bottom_right}, 0x1p-6));
  // causal and keys < 3 for batch 1
  REQUIRE(p.mask);
  CHECK((*p.mask)(4, 2) == 0);
  CHECK(std::isinf((*p.mask)(4, 3)));  // past kv_lens
  CHECK(std::isinf((*p.mask)(1, 2)));  // above the diagonal
  CHECK(p.mask_label.text == "causal & keys < 3");
  CHECK(p.mask_label.explain({5, 5, attn::Align::bottom_right}, 4, 3).back() ==
        "blocked by kv_lens: key 3 ≥ 3");
}
