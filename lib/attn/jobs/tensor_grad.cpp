#include "attn/jobs/tensor_grad.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <tuple>

#include "attn/core/error.hpp"
#include "attn/io/layout.hpp"
#include "attn/io/output_file.hpp"
#include "attn/jobs/compare.hpp"
#include "attn/jobs/tensor_rope.hpp"
#include "attn/kernel/streaming.hpp"
#include "attn/kernel/streaming_backward.hpp"
#include "attn/render/format.hpp"

namespace attn {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// A tensor read with its view, checked against the shape it must have.
struct Given {
  NamedTensor t;
  Bhsd view;
};

Given read_shaped(const std::string& text, const char* role, const std::vector<std::size_t>& want,
                  Layout layout, const char* hint) {
  Given g{read_operand(text, role), {}};
  if (squeeze_leading(g.t.tensor.shape()) != squeeze_leading(want))
    throw data_error(fmt::format("{} has shape {} but {} must have shape {}", g.t.name,
                                 shape_repr(g.t.tensor.shape()), role, shape_repr(want)),
                     hint);
  g.view = bhsd_of(want, layout, role, g.t.name);
  return g;
}

void check_outputs(const TensorGradJob& job, DType dtype) {
  for (const auto& [path, flag] :
       {std::pair{&job.dq_out, "--dq-out"}, std::pair{&job.dk_out, "--dk-out"},
        std::pair{&job.dv_out, "--dv-out"}}) {
    if (!*path) continue;
    check_writable(**path, flag);
    if (dtype == DType::bf16 && !(*path)->ends_with(".safetensors"))
      throw usage_error(fmt::format("{} {}: a .npy file cannot hold bfloat16 (NumPy has no such "
                                    "dtype)",
                                    flag, **path),
                        "write FILE.safetensors, or add --dtype f32");
  }
  if (!job.dq_out && !job.dk_out && !job.dv_out)
    throw usage_error("attn grad on tensor files writes files: give --dq-out, --dk-out or --dv-out",
                      "e.g. --dq-out dq.npy --dk-out dk.npy --dv-out dv.npy");
}

std::vector<std::size_t> shape_like(const NamedTensor& t) {
  return t.tensor.shape();
}

Bhsd view_of(const Tensor& t, Layout layout, const char* role) {
  return bhsd_of(t.shape(), layout, role, role);
}

TensorIn in(const Tensor& t, const Bhsd& view) {
  return {t.data(), t.dtype(), view};
}

}  // namespace

TensorGradSummary run_tensor_grad(const TensorGradJob& job) {
  const auto start = Clock::now();
  TensorGradSummary s;
  if (job.o.has_value() != job.lse.has_value())
    throw usage_error(job.o ? "--o needs --lse: the backward recomputes α from the forward's "
                              "log-sum-exp"
                            : "--lse needs --o: the backward needs the forward's output for "
                              "D_i = Σ dO_i·o_i",
                      "give both (attn attend --output o.npy --lse-out lse.npy), or neither to "
                      "run the forward here");
  if (job.d_out.has_value() == job.sum_loss)
    throw usage_error(job.sum_loss ? "--do and --loss sum both give dO: choose one"
                                   : "attn grad needs --do dO.npy (o's shape) or --loss sum",
                      "--loss sum takes L = Σ o, so dO = 1");
  Operands ops = read_operands(job.forward);
  check_outputs(job, ops.output);
  const std::size_t B = ops.q_view.batch, H = ops.q_view.heads, n_q = ops.q_view.seq;
  const std::vector<std::size_t> o_shape = output_shape(ops);
  std::optional<Given> d_out, o_given;
  if (job.d_out)
    d_out = read_shaped(*job.d_out, "dO", o_shape, ops.layout,
                        "dO = ∂L/∂o has o's shape: q's with v's feature size");
  std::vector<double> lse(B * H * n_q);
  if (job.o) {
    o_given = read_shaped(*job.o, "o", o_shape, ops.layout,
                          "--o takes the forward's output, as attn attend --output writes it");
    const NamedTensor l = read_tensor(*job.lse, "lse");
    const std::vector<std::size_t> want{B, H, n_q};
    if (!is_float(l.tensor.dtype()) || squeeze_leading(l.tensor.shape()) != squeeze_leading(want))
      throw data_error(fmt::format("{} is {} {} but the log-sum-exp must be a float tensor of "
                                   "shape {}",
                                   l.name, dtype_name(l.tensor.dtype()),
                                   shape_repr(l.tensor.shape()), shape_repr(want)),
                       "--lse takes what attn attend --lse-out writes");
    for (std::size_t n = 0; n < lse.size(); ++n) {
      lse[n] = l.tensor.at(n);
      if (std::isnan(lse[n]) || lse[n] == std::numeric_limits<double>::infinity())
        throw data_error(
            fmt::format("{}: lse at {} is {}", l.name, index_repr(l.tensor.shape(), n), lse[n]),
            "a log-sum-exp is finite, or −∞ for a row with every key blocked");
    }
  }
  s.read_ms = ms_since(start);

  // the forward, for o and its log-sum-exp, unless given; forward and backward see rotated q, k
  const auto t0 = Clock::now();
  rotate_operands(ops);
  Tensor o_own;
  Bhsd o_view;
  if (!o_given) {
    o_own = Tensor(ops.compute, o_shape);
    o_view = view_of(o_own, ops.layout, "o");
    BatchedOptions f;
    f.mask = ops.mask;
    f.align = ops.align;
    f.scale = ops.scale;
    f.empty_rows = job.forward.empty_rows;
    f.kv_lens = ops.kv_lens;
    if (ops.mask_tensor) f.mask_tensor = ops.mask_view;
    f.alibi_slopes = ops.alibi_slopes;
    f.softcap = ops.softcap;
    f.compute = ops.compute;
    f.threads = job.forward.threads;
    f.lse_f64 = lse.data();
    attend_batched(in(ops.q.tensor, ops.q_view), in(ops.k.tensor, ops.k_view),
                   in(ops.v.tensor, ops.v_view), {o_own.data(), o_own.dtype(), o_view}, f);
  }
  const Tensor& o = o_given ? o_given->t.tensor : o_own;
  if (o_given) o_view = o_given->view;
  s.forward_ms = ms_since(t0);

  // dO: given, or 1 everywhere for L = Σ o
  std::optional<double> loss;
  Tensor ones;
  if (job.sum_loss) {
    ones = Tensor(DType::f64, o_shape);
    for (double& x : ones.values<double>()) x = 1.0;
    double total = 0;
    for (std::size_t n = 0; n < o.count(); ++n) total += o.at(n);
    loss = total;
  }
  const Tensor& d = d_out ? d_out->t.tensor : ones;
  const Bhsd d_view = d_out ? d_out->view : view_of(ones, ops.layout, "dO");

  const auto t1 = Clock::now();
  Tensor dq(gradient_dtype(ops), shape_like(ops.q), header_headroom, "dq"),
      dk(gradient_dtype(ops), shape_like(ops.k), header_headroom, "dk"),
      dv(ops.output, shape_like(ops.v), header_headroom, "dv");
  BackwardOptions b;
  b.mask = ops.mask;
  b.align = ops.align;
  b.scale = ops.scale;
  b.empty_rows = job.forward.empty_rows;
  b.kv_lens = ops.kv_lens;
  if (ops.mask_tensor) b.mask_tensor = ops.mask_view;
  b.alibi_slopes = ops.alibi_slopes;
  b.softcap = ops.softcap;
  b.compute = ops.compute;
  b.threads = job.forward.threads;
  const BackwardReport r = attend_backward(
      in(ops.q.tensor, ops.q_view), in(ops.k.tensor, ops.k_view), in(ops.v.tensor, ops.v_view),
      in(o, o_view), in(d, d_view), lse, {dq.data(), dq.dtype(), view_of(dq, ops.layout, "dq")},
      {dk.data(), dk.dtype(), view_of(dk, ops.layout, "dk")},
      {dv.data(), dv.dtype(), view_of(dv, ops.layout, "dv")}, b);
  rotate_back(ops, dq, dk);  // through the rotation: dq ← Rᵀ dq, dk ← Rᵀ dk
  s.backward_ms = ms_since(t1);

  const auto t2 = Clock::now();
  OutputBatch batch;  // the three files appear together, or none of them
  for (const auto& [path, t, name, flag] : {std::tuple{&job.dq_out, &dq, "dq", "--dq-out"},
                                            std::tuple{&job.dk_out, &dk, "dk", "--dk-out"},
                                            std::tuple{&job.dv_out, &dv, "dv", "--dv-out"}}) {
    if (!*path) continue;
    write_tensor(**path, *t, name, flag, &batch);
    s.written.push_back(**path);
  }
  batch.commit();
  s.write_ms = ms_since(t2);
  s.total_ms = ms_since(start);

  // the summary
  const std::string dtype =
      ops.output == ops.compute
          ? std::string(dtype_name(ops.compute))
          : fmt::format("{}, written as {}", dtype_name(ops.compute), dtype_name(ops.output));
  s.text = fmt::format("grad: q {} ({}), k {} ({}), v {} ({}) in {}\n",
                       operand_shape_text(ops.q, ops.q_view), ops.q.name,
                       operand_shape_text(ops.k, ops.k_view), ops.k.name,
                       operand_shape_text(ops.v, ops.v_view), ops.v.name, dtype);
  s.text += fmt::format(
      "dO {}; o and its log-sum-exp {}\n",
      d_out ? fmt::format("from {}", d_out->t.name)
            : fmt::format("= 1 (loss sum: L = Σ o = {})", format_number(*loss, {job.digits})),
      o_given ? fmt::format("from {} and {}", o_given->t.name, *job.lse)
              : std::string("from the streaming forward"));
  s.text += fmt::format("mask {} ({} alignment), scale {}{}\n", ops.mask.to_string(),
                        align_name(ops.align), format_number(ops.scale, {job.digits}),
                        ops.default_scale ? fmt::format(" (1/√{})", ops.q_view.dim) : "");
  std::vector<std::string> also;
  if (!ops.kv_lens.empty()) also.push_back(fmt::format("kv_lens {}", fmt::join(ops.kv_lens, ", ")));
  if (ops.mask_tensor) {
    also.push_back(mask_tensor_text(*ops.mask_tensor));
    if (is_float(ops.mask_tensor->tensor.dtype()))
      also.push_back("no gradient flows into the mask tensor (a constant)");
  }
  if (!ops.alibi_slopes.empty()) also.push_back(fmt::format("bias {}", ops.bias_text));
  if (ops.softcap) also.push_back(fmt::format("softcap {}", format_number(*ops.softcap)));
  if (ops.rope) also.push_back(rope_text(ops) + ", dq and dk rotated back");
  if (ops.k_view.heads != H)
    also.push_back(fmt::format("{} query heads over {} kv heads: dk and dv summed over each group",
                               H, ops.k_view.heads));
  if (!also.empty()) s.text += fmt::format("with {}\n", fmt::join(also, "; "));
  s.text += fmt::format(
      "streamed backward in 64×64 tiles: {} of {} tile pairs recomputed, {} skipped as wholly "
      "blocked\n",
      r.tiles_computed, r.tiles_computed + r.tiles_skipped, r.tiles_skipped);
  if (r.rows_empty > 0)
    s.text += fmt::format(
        "rows with every key blocked: {}, no gradient through their scores{}\n", r.rows_empty,
        job.forward.empty_rows == EmptyRows::uniform
            ? "; their output is the mean of v (--empty-rows uniform), so each v_j gets dO_i / S_k"
            : "");
  for (const std::string& path : s.written) s.text += fmt::format("wrote {}\n", path);

  using Json = nlohmann::ordered_json;
  Json doc{{"command", "grad"},
           {"path", "streamed"},
           {"q", operand_json(ops.q, ops.q_file_dtype)},
           {"k", operand_json(ops.k, ops.k_file_dtype)},
           {"v", operand_json(ops.v)},
           {"do", d_out ? operand_json(d_out->t) : Json()},
           {"loss", job.sum_loss ? Json("sum") : Json("given")},
           {"loss_value", loss ? Json(*loss) : Json()},
           {"forward", o_given ? "given" : "streamed"},
           {"layout", layout_name(ops.layout)},
           {"batch", B},
           {"heads", H},
           {"kv_heads", ops.k_view.heads},
           {"seq_q", n_q},
           {"seq_k", ops.k_view.seq},
           {"d_k", ops.q_view.dim},
           {"d_v", ops.v_view.dim},
           {"compute_dtype", dtype_name(ops.compute)},
           {"output_dtype", dtype_name(ops.output)},
           {"mask", ops.mask.to_string()},
           {"align", align_name(ops.align)},
           {"scale", ops.scale}};
  doc["kv_lens"] = ops.kv_lens.empty() ? Json() : Json(ops.kv_lens);
  doc["mask_tensor"] = ops.mask_tensor ? operand_json(*ops.mask_tensor) : Json();
  doc["bias"] = ops.bias_text.empty() ? Json() : Json(ops.bias_text);
  doc["softcap"] = ops.softcap ? Json(*ops.softcap) : Json();
  doc["rope"] = rope_json(ops);
  doc["tiles"] = {{"computed", r.tiles_computed}, {"skipped", r.tiles_skipped}};
  doc["empty_rows"] = r.rows_empty;
  doc["vector_unit"] = vector_unit_name(r.unit);
  doc["threads"] = r.threads;
  doc["written"] = s.written;
  doc["timing_ms"] = {{"read", s.read_ms},
                      {"forward", s.forward_ms},
                      {"backward", s.backward_ms},
                      {"write", s.write_ms},
                      {"total", s.total_ms}};
  s.json = doc.dump() + "\n";
  if (r.rows_empty > 0)
    s.warnings.push_back(fmt::format(
        "{} row{} every key blocked: no gradient reaches q or k "
        "through {}",
        r.rows_empty, r.rows_empty == 1 ? " has" : "s have", r.rows_empty == 1 ? "it" : "them"));
  if (job.forward.timing)
    s.timing = fmt::format(
        "timing: read {:.3f} ms, forward {:.3f} ms, backward {:.3f} ms ({}, {} thread{}), write "
        "{:.3f} ms, total {:.3f} ms",
        s.read_ms, s.forward_ms, s.backward_ms, vector_unit_name(r.unit), r.threads,
        r.threads == 1 ? "" : "s", s.write_ms, s.total_ms);
  return s;
}

}  // namespace attn
