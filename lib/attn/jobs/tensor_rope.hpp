// Rotary position embeddings on the tensor path: q and k of a whole layer rotated once, by their
// positions, before any kernel runs (O(n·d), never per tile), and the backward's dq and dk rotated
// back. The formula is core/rope's (rope_frequencies, rope_angles, rotate_row), applied to every
// (batch, head) slice over its sequence axis, in either layout:
//
//   q (B, H, S_q, D_k)     row i of every batch and head turns by query position p_i:
//   --q-positions,
//                          else the geometry's (i + S_k − S_q bottom-right, i top-left)
//   k (B, H_kv, S_k, D_k)  row j of every kv head by key position j, or --k-positions; a kv head
//                          that a group of query heads shares is rotated once
//
// The angles' cosines and sines are computed in double, and each rotated pair is rounded once to
// the compute dtype: float64 stays float64, float32 float32, and float16 and bfloat16 are
// converted to float32 first (the dtype the kernel computes them in).
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <span>
#include <string>

#include "attn/core/bhsd.hpp"
#include "attn/core/matrix.hpp"
#include "attn/core/rope.hpp"
#include "attn/io/tensor.hpp"
#include "attn/jobs/tensor_operands.hpp"

namespace attn {

// The cosines and sines of every position's angles, (positions, R/2) each.
struct RopeTable {
  std::size_t rotated = 0;  // R
  RopeStyle style = RopeStyle::half;
  Matrix cos, sin;
};

RopeTable rope_table(const RopeOptions& options, std::span<const std::int64_t> positions,
                     std::size_t d_k);

// Row s of every batch and head of t (float32 or float64, viewed by `view`) rotated in place by
// row s of the table; direction −1 rotates back.
void rotate_rows(Tensor& t, const Bhsd& view, const RopeTable& table, int direction = 1);

// q and k rotated by o.rope (which read_operands checked), each in place when it already holds the
// compute dtype, else as a converted copy; sets o.rotated. Nothing when o.rope is empty.
void rotate_operands(Operands& o);

// The backward's dq and dk (q's and k's shapes, in the compute dtype) rotated back by the
// transpose of o's rotation, then converted to the output dtype. Nothing without o.rope.
void rotate_back(const Operands& o, Tensor& dq, Tensor& dk);

// The dtype the backward writes dq and dk in before rotate_back: the compute dtype with a
// rotation (so it rotates back unrounded), the output dtype without.
DType gradient_dtype(const Operands& o);

// "rope half (base 10000, 8 of 8 dimensions, positions ÷ 2, given query positions)": how the
// summaries name the rotation, and the same as JSON.
std::string rope_text(const Operands& o);
nlohmann::ordered_json rope_json(const Operands& o);

}  // namespace attn
