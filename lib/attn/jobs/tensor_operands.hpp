// The operands of `attn attend` on tensor files, read and checked before anything is computed:
// q, k, v (and a mask tensor, kv_lens, a tensor to check against) from their files, their shapes
// in the chosen layout, every mismatch named by operand and axis (exit 65), non-finite values
// named by file and index, and the dtype to compute in and write.
//
//   q (B, H, S_q, D_k)   k (B, H_kv, S_k, D_k)   v (B, H_kv, S_k, D_v)   (after the layout)
//   H_kv divides H (grouped-query; 1 is multi-query); query head h reads kv head ⌊h·H_kv/H⌋
//   kv_lens: one length per batch, each at most S_k
//   mask tensor: (S_q, S_k) or broadcastable to (B, H, S_q, S_k), whatever the layout; bool or
//                uint8 (true = may attend), or float (additive: 0, −∞ or any finite value)
//
// float16 and bfloat16 inputs are computed in float32 and written in their own dtype; float32 in
// float32; float64 in float64; mixed inputs as the widest. --dtype chooses both (float16 and
// bfloat16 computed in float32).
#pragma once

#include <cstddef>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "attn/core/bhsd.hpp"
#include "attn/core/dtype.hpp"
#include "attn/core/geometry.hpp"
#include "attn/core/rope.hpp"
#include "attn/core/rules.hpp"
#include "attn/io/layout.hpp"
#include "attn/io/tensor_file.hpp"
#include "attn/kernel/streaming.hpp"
#include "attn/mask/expr.hpp"

namespace attn {

// What the command line asked for, as text still: files and expressions.
struct TensorJob {
  std::string q, k, v;                       // tensor files; k and v default to q's archive or file
  std::optional<std::string> output;         // --output o.npy | o.safetensors
  std::optional<std::string> scores_out;     // --scores-out: β (forces the step path)
  std::optional<std::string> weights_out;    // --weights-out: α (forces the step path)
  std::optional<std::string> lse_out;        // --lse-out: log-sum-exp (B, H, S_q), float32
  std::optional<std::string> check_against;  // --check-against mine.npy
  std::optional<double> rtol, atol;          // for --check-against
  std::optional<std::string> mask;           // an expression, or a tensor file
  std::optional<std::string> kv_lens;        // "5,3" or a tensor file of integers
  std::optional<std::string> bias;           // alibi or alibi:SLOPE
  std::optional<double> softcap;
  std::optional<RopeOptions> rope;  // --rope and its settings
  Layout layout = Layout::bhsd;
  Align align = Align::bottom_right;
  std::optional<double> scale;  // 1/√d_k when absent
  EmptyRows empty_rows = EmptyRows::zero;
  std::optional<DType> dtype;  // computed in (f16, bf16: float32) and written
  bool timing = false;
  unsigned threads = 0;        // 0: one per core
  bool bf16_products = false;  // --bf16-products: Products::bf16 (kernel/streaming)
};

struct Operands {
  NamedTensor q, k, v;
  Bhsd q_view, k_view, v_view;
  Layout layout = Layout::bhsd;
  MaskExpr mask;
  std::optional<NamedTensor> mask_tensor;
  MaskTensor mask_view;  // its broadcast view (data set)
  std::vector<std::size_t> kv_lens;
  std::vector<double> alibi_slopes;  // per query head; empty: no bias
  std::string bias_text;             // "alibi", "alibi:0.5"
  std::optional<double> softcap;
  // The rotary embedding, checked against the shapes; jobs/tensor_rope's rotate_operands rotates
  // q and k by it (then `rotated`, and q.tensor and k.tensor hold the compute dtype).
  std::optional<RopeOptions> rope;
  bool rotated = false;
  DType q_file_dtype = DType::f64, k_file_dtype = DType::f64;  // as read, for the summaries
  double scale = 1;
  bool default_scale = true;
  Align align = Align::bottom_right;
  DType compute = DType::f64;  // f32 or f64
  DType output = DType::f64;   // written
  std::optional<NamedTensor> check_against;
  Geometry geometry() const { return {q_view.seq, k_view.seq, align}; }
};

// Reads every file the job names and checks the operands (the rules above). Throws attn::Error.
Operands read_operands(const TensorJob& job);

// One float operand (--q, --k, --v, and the backward's --do, --o, --lse) from the text naming its
// file: a usage error when it names no tensor file, a data error naming the file and index for a
// dtype that is not a float or a value that is not finite.
NamedTensor read_operand(const std::string& text, const char* role);

// "(2, 4, 16, 8)" or, for one head of one batch, "16×8": how the summary names a shape.
std::string operand_shape_text(const NamedTensor& t, const Bhsd& view);

// {"file", "dtype", "shape"}: how the JSON summaries name an operand. The dtype is the file's:
// under --rope q and k hold the compute dtype once rotated, so pass Operands' q_file_dtype and
// k_file_dtype for them; the one-argument form gives the tensor's own.
nlohmann::ordered_json operand_json(const NamedTensor& t, DType file_dtype);
nlohmann::ordered_json operand_json(const NamedTensor& t);

// "mask tensor m.npy (bool (8, 8), true = may attend)": how the summaries name a mask tensor.
std::string mask_tensor_text(const NamedTensor& mask);

// The output's shape: q's rank, in q's layout, with v's feature size.
std::vector<std::size_t> output_shape(const Operands& ops);

}  // namespace attn
