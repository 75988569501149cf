// The tensor job's check of its own output: a few rows of a few heads recomputed the plain way in
// float64 from the operands (scores, ALiBi, softcap, every mask, max, exp, sum, weights, Σ α v),
// independently of the tiled kernel, and compared with what it wrote. With --rope the operands are
// q and k as jobs/tensor_rope rotated them, so this checks the kernel, not the rotation (which
// tests/numpy/tensor_agreement.py checks).
#pragma once

#include <cstddef>
#include <optional>
#include <utility>
#include <vector>

#include "attn/core/bhsd.hpp"
#include "attn/io/tensor.hpp"
#include "attn/jobs/tensor_operands.hpp"

namespace attn {

struct RowCheck {
  double difference = 0;  // max_t |got_t − o_t| / max(1, |o_t|)
  double sum_error = 0;   // |Σ_j α_ij − 1|
};

// Row i of head h of batch b recomputed in double and compared with `out` (viewed by out_view);
// nothing for a row whose every key is blocked.
std::optional<RowCheck> recompute_row(const Operands& ops, std::size_t b, std::size_t h,
                                      std::size_t i, const Tensor& out, const Bhsd& out_view);

struct SampleCheck {
  std::vector<std::pair<std::size_t, std::size_t>> heads;  // (batch, head) pairs checked
  std::vector<std::size_t> rows;                           // rows checked in each
  double difference = 0;                                   // the largest
  double sum_error = 0;                                    // the largest
  double bound = 0;  // what the output's precision allows: 1e-12, 1e-4, or one ulp of f16/bf16
  bool agree() const { return difference <= bound; }
};

// The first, last and two middle rows of the first, middle and last heads; bf16_products when
// the kernel ran them (--bf16-products).
SampleCheck check_sample(const Operands& ops, const Tensor& out, const Bhsd& out_view,
                         bool bf16_products = false);

// The bound check_sample holds the output to: 1e-12 computed in float64, 1e-4 in float32, one
// ulp at 1 when written as float16 or bfloat16 or computed with bfloat16 products (rounding each
// p to bfloat16 moves it by at most 2^−8 of itself, so o by at most 2^−8·max|v|: half of that
// ulp where |v| ≤ 1).
double check_bound(DType compute, DType output, bool bf16_products = false);

}  // namespace attn
