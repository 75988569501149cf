#include "attn/jobs/tensor_operands.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <string>

#include "attn/core/error.hpp"

namespace fs = std::filesystem;
using attn::DType;

namespace {

// Fixtures made by tests/data/tensor/make_fixtures.py with NumPy: a (2, 4, 5, 3) q over a
// (2, 2, 5, 3) k and a (2, 2, 5, 2) v, in both layouts and in float16.
std::string fixture(const std::string& name) {
  return (fs::path(ATTN_SOURCE_DIR) / "tests/data/tensor" / name).string();
}

attn::TensorJob layer_job(const std::string& suffix = "") {
  attn::TensorJob job;
  job.q = fixture("layer_q" + suffix + ".npy");
  job.k = fixture("layer_k" + suffix + ".npy");
  job.v = fixture("layer_v" + suffix + ".npy");
  return job;
}

std::string message_of(const attn::TensorJob& job) {
  try {
    attn::read_operands(job);
  } catch (const attn::Error& e) {
    return e.what();
  }
  return "(nothing thrown)";
}

}  // namespace

TEST_CASE("read_operands views q, k and v in the layout and keeps the heads apart") {
  const attn::Operands o = attn::read_operands(layer_job());
  CHECK(o.q_view.batch == 2);
  CHECK(o.q_view.heads == 4);
  CHECK(o.k_view.heads == 2);
  CHECK(o.q_view.seq == 5);
  CHECK(o.v_view.dim == 2);
  CHECK(attn::output_shape(o) == std::vector<std::size_t>{2, 4, 5, 2});
  CHECK(o.compute == DType::f64);
  CHECK(o.output == DType::f64);
  CHECK(o.default_scale);
  CHECK(o.scale == doctest::Approx(1 / std::sqrt(3.0)));

  attn::TensorJob bshd = layer_job("_bshd");
  bshd.layout = attn::Layout::bshd;
  const attn::Operands b = attn::read_operands(bshd);
  CHECK(b.q_view.heads == 4);
  CHECK(b.q_view.seq == 5);
  CHECK(b.q_view.row_stride == 12);  // (B, S, H, D): a position's row skips the 4 heads of 3
  // the same element, q[1, 2, 3, :] in bhsd, q[1, 3, 2, :] in bshd
  CHECK(b.q.tensor.at(b.q_view.offset(1, 2, 3)) == o.q.tensor.at(o.q_view.offset(1, 2, 3)));
  CHECK(attn::output_shape(b) == std::vector<std::size_t>{2, 5, 4, 2});
}

TEST_CASE("read_operands computes float16 in float32 and writes float16 unless told otherwise") {
  attn::Operands o = attn::read_operands(layer_job("_f16"));
  CHECK(o.compute == DType::f32);
  CHECK(o.output == DType::f16);
  attn::TensorJob job = layer_job("_f16");
  job.dtype = DType::bf16;
  o = attn::read_operands(job);
  CHECK(o.compute == DType::f32);
  CHECK(o.output == DType::bf16);
  job.dtype = DType::f64;
  CHECK(attn::read_operands(job).compute == DType::f64);
  // mixed inputs: the widest
  attn::TensorJob mixed = layer_job();
  mixed.q = fixture("layer_q_f16.npy");
  CHECK(attn::read_operands(mixed).output == DType::f64);
}

TEST_CASE("read_operands reads kv_lens, ALiBi and mask tensors with their broadcast") {
  attn::TensorJob job = layer_job();
  job.kv_lens = "5,3";
  job.bias = "alibi";
  job.mask = fixture("layer_pad.npy");  // (2, 1, 1, 5) bool
  const attn::Operands o = attn::read_operands(job);
  CHECK(o.kv_lens == std::vector<std::size_t>{5, 3});
  REQUIRE(o.alibi_slopes.size() == 4);
  CHECK(o.alibi_slopes[0] == 0.25);  // 2^(−8·1/4)
  CHECK(o.alibi_slopes[3] == 0x1p-8);
  CHECK(o.mask.is_full());
  REQUIRE(o.mask_tensor);
  CHECK(o.mask_view.batch == 2);
  CHECK(o.mask_view.heads == 1);
  CHECK(o.mask_view.rows == 1);
  CHECK(o.mask_view.batch_stride == 5);
  CHECK(o.mask_view.head_stride == 0);
  CHECK(o.mask_view.row_stride == 0);
  CHECK(o.mask_view.col_stride == 1);
  job.kv_lens = fixture("layer_lens.npy");
  CHECK(attn::read_operands(job).kv_lens == std::vector<std::size_t>{5, 3});
  job.bias = "alibi:0.5";
  CHECK(attn::read_operands(job).alibi_slopes == std::vector<double>(4, 0.5));
}

TEST_CASE("read_operands names the operand and axis of each mismatch") {
  attn::TensorJob job = layer_job();
  job.k = fixture("layer_k_3heads.npy");
  job.v = fixture("layer_v_3heads.npy");
  CHECK(message_of(job) ==
        fixture("layer_k_3heads.npy") + ": k has 3 heads, which do not divide q's 4 heads");
  job = layer_job();
  job.k = fixture("layer_k_batch1.npy");
  CHECK(message_of(job) ==
        fixture("layer_k_batch1.npy") + ": batch size 1 but q's is 2 (B must agree)");
  job = layer_job();
  job.v = fixture("layer_v_3heads.npy");
  CHECK(message_of(job) ==
        fixture("layer_v_3heads.npy") + ": v has 3 heads but k has 2 (they share the kv heads)");
  job = layer_job();
  job.kv_lens = "5,x";
  CHECK(message_of(job) == "--kv-lens: expected lengths such as 5,3 or a tensor file, got '5,x'");
  job.kv_lens = "5,6";
  CHECK(message_of(job) == "--kv-lens: length 6 for batch row 2 is more than the 5 keys");
  job = layer_job();
  job.mask = fixture("k.npy");  // (6, 4)
  CHECK(message_of(job) == fixture("k.npy") +
                               ": the mask's shape (6, 4) does not broadcast to (B, H, S_q, S_k) = "
                               "(2, 4, 5, 5): axis S_q has 6, not 1 or 5");
  job = layer_job();
  job.mask = fixture("layer_lens.npy");
  CHECK(message_of(job) == fixture("layer_lens.npy") +
                               ": the mask has dtype int64; give bool (True = may attend, as SDPA) "
                               "or float (added to the scores)");
  job = layer_job();
  job.check_against = fixture("layer_o_causal_bshd.npy");
  CHECK(message_of(job) == fixture("layer_o_causal_bshd.npy") +
                               " has shape (2, 5, 4, 2) but the output o has shape (2, 4, 5, 2)");
  job = layer_job();
  job.bias = "relative:1,2,3";
  CHECK(message_of(job) ==
        "--bias relative:1,2,3: with tensor inputs attn takes alibi or alibi:SLOPE");
  job = layer_job();
  job.softcap = -1;
  CHECK(message_of(job) == "--softcap must be a positive number, not -1");
}

TEST_CASE("operand_shape_text writes one head of one batch as S×D") {
  const attn::Operands o = attn::read_operands(layer_job());
  CHECK(attn::operand_shape_text(o.q, o.q_view) == "(2, 4, 5, 3)");
  attn::TensorJob flat;
  flat.q = fixture("q.npy");
  flat.k = fixture("k.npy");
  flat.v = fixture("v_batch.npy");  // (1, 6, 3)
  const attn::Operands f = attn::read_operands(flat);
  CHECK(attn::operand_shape_text(f.v, f.v_view) == "6×3");
}
