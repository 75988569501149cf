#include "attn/jobs/tensor_attend.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>
#include <tuple>

#include "attn/core/error.hpp"
#include "attn/core/matrix.hpp"
#include "attn/io/npy.hpp"
#include "attn/io/output_file.hpp"
#include "attn/jobs/tensor_check.hpp"
#include "attn/jobs/tensor_rope.hpp"
#include "attn/jobs/tensor_slice.hpp"
#include "attn/kernel/streaming.hpp"
#include "attn/render/format.hpp"

namespace attn {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// ---- What was computed
// ----------------------------------------------------------------------------

struct Computed {
  Tensor out;                     // o, in the output dtype and q's layout
  Bhsd out_view;                  // its (batch, head, position, feature) view
  std::optional<Tensor> lse;      // (B, H, S_q) float32
  std::optional<Tensor> scores;   // β, (…, S_q, S_k), step path only
  std::optional<Tensor> weights;  // α
  bool streamed = false;
  BatchedReport report;  // the kernel's (streamed)
  std::vector<BlockedRow> empty_rows;
  double weight_sum_error = 0;     // step path: every row's |Σ_j α_ij − 1|
  std::string unit = "step path";  // the vector unit, for the timing line
  unsigned threads = 1;
};

// --bf16-products multiplies the files' own bfloat16 q, k and v and computes in float32: a usage
// error naming what is not so (the step-path flags are refused in app/ before any file is read).
void check_bf16_products(const TensorJob& job, const Operands& o) {
  if (!job.bf16_products) return;
  for (const auto& [operand, t, file_dtype] :
       {std::tuple{"q", &o.q, o.q_file_dtype}, std::tuple{"k", &o.k, o.k_file_dtype},
        std::tuple{"v", &o.v, o.v.tensor.dtype()}})
    if (file_dtype != DType::bf16)
      throw usage_error(fmt::format("--bf16-products needs bfloat16 q, k and v, and {} {} is {}",
                                    operand, t->name, dtype_name(file_dtype)),
                        "save q, k and v as bfloat16 (.safetensors), or drop --bf16-products");
  if (o.compute != DType::f32)
    throw usage_error(
        fmt::format("--bf16-products sums in float32, and --dtype {} computes in {}",
                    job.dtype ? dtype_short_name(*job.dtype) : "", dtype_name(o.compute)),
        "drop --dtype, or give --dtype bf16, f16 or f32 (the dtype written)");
  if (o.rope)
    throw usage_error(
        "--bf16-products multiplies the files' bfloat16 q and k, and --rope rotates "
        "them in float32 first",
        "rotate q and k before saving them, or drop --bf16-products");
}

// The shape β and α are written with: (S_q, S_k), (H, S_q, S_k) or (B, H, S_q, S_k), by q's rank.
std::vector<std::size_t> score_shape(const Operands& o) {
  const Bhsd& q = o.q_view;
  switch (o.q.tensor.rank()) {
    case 1:
    case 2:
      return {q.seq, o.k_view.seq};
    case 3:
      return {q.heads, q.seq, o.k_view.seq};
    default:
      return {q.batch, q.heads, q.seq, o.k_view.seq};
  }
}

Tensor new_output(DType dtype, std::vector<std::size_t> shape) {
  return Tensor(dtype, std::move(shape), header_headroom, "o");
}

// Each output file can be written in the dtype it will hold: checked before any work.
void check_outputs(const TensorJob& job, const Operands& o) {
  const auto check = [&](const std::optional<std::string>& path, const char* flag, DType dtype) {
    if (!path) return;
    check_writable(*path, flag);
    if (dtype == DType::bf16 && !path->ends_with(".safetensors"))
      throw usage_error(fmt::format("{} {}: a .npy file cannot hold bfloat16 (NumPy has no such "
                                    "dtype)",
                                    flag, *path),
                        "write FILE.safetensors, or add --dtype f32");
  };
  check(job.output, "--output", o.output);
  check(job.scores_out, "--scores-out", o.output);
  check(job.weights_out, "--weights-out", o.output);
  check(job.lse_out, "--lse-out", DType::f32);
}

// The streaming kernel over the whole layer.
Computed compute_streamed(const TensorJob& job, const Operands& o) {
  Computed c;
  c.streamed = true;
  c.out = new_output(o.output, output_shape(o));
  c.out_view = bhsd_of(c.out.shape(), o.layout, "o", "o");
  BatchedOptions opt;
  opt.mask = o.mask;
  opt.align = o.align;
  opt.scale = o.scale;
  opt.empty_rows = job.empty_rows;
  opt.kv_lens = o.kv_lens;
  if (o.mask_tensor) opt.mask_tensor = o.mask_view;
  opt.alibi_slopes = o.alibi_slopes;
  opt.softcap = o.softcap;
  opt.compute = o.compute;
  opt.threads = job.threads;
  if (job.bf16_products) opt.products = Products::bf16;
  if (job.lse_out) {
    c.lse = Tensor(DType::f32, {o.q_view.batch, o.q_view.heads, o.q_view.seq}, header_headroom);
    opt.lse = c.lse->values<float>().data();
  }
  c.report = attend_batched({o.q.tensor.data(), o.q.tensor.dtype(), o.q_view},
                            {o.k.tensor.data(), o.k.tensor.dtype(), o.k_view},
                            {o.v.tensor.data(), o.v.tensor.dtype(), o.v_view},
                            {c.out.data(), c.out.dtype(), c.out_view}, opt);
  c.empty_rows = c.report.empty_rows;
  c.unit = std::string(vector_unit_name(c.report.unit));
  c.threads = c.report.threads;
  return c;
}

// The step path, head by head, keeping β and α.
Computed compute_stepwise(const TensorJob& job, const Operands& o) {
  Computed c;
  c.out = new_output(o.output, output_shape(o));
  c.out_view = bhsd_of(c.out.shape(), o.layout, "o", "o");
  const std::size_t B = o.q_view.batch, H = o.q_view.heads, n_q = o.q_view.seq, n_k = o.k_view.seq,
                    d_v = o.v_view.dim;
  Tensor scores(DType::f64, score_shape(o), header_headroom),
      weights(scores.dtype(), scores.shape(), header_headroom);
  Tensor out(DType::f64, c.out.shape());
  if (job.lse_out) c.lse = Tensor(DType::f32, {B, H, n_q}, header_headroom);
  for (std::size_t b = 0; b < B; ++b)
    for (std::size_t h = 0; h < H; ++h) {
      const Trace t = run_attention(slice_request(o, b, h, job.empty_rows).problem, Stage::output);
      const std::size_t base = (b * H + h) * n_q * n_k;
      for (std::size_t i = 0; i < n_q; ++i) {
        double total = 0, lse = neg_inf;
        for (std::size_t j = 0; j < n_k; ++j) {
          scores.values<double>()[base + i * n_k + j] = t.scores(i, j);
          weights.values<double>()[base + i * n_k + j] = t.softmax->weights(i, j);
          total += t.softmax->weights(i, j);
        }
        const double m = t.softmax->row_max[i];
        if (m != neg_inf) {
          lse = m + std::log(t.softmax->row_sum[i]);
          c.weight_sum_error = std::max(c.weight_sum_error, std::abs(total - 1.0));
        }
        if (c.lse) c.lse->values<float>()[(b * H + h) * n_q + i] = static_cast<float>(lse);
        for (std::size_t x = 0; x < d_v; ++x)
          out.values<double>()[c.out_view.offset(b, h, i) + x] = (*t.output)(i, x);
      }
      for (const std::size_t i : t.softmax->empty_rows) c.empty_rows.push_back({b, h, i});
    }
  const auto narrow = [&](Tensor t) {
    Tensor n = convert(std::move(t), o.output);
    if (n.headroom().size() >= header_headroom) return n;
    Tensor roomy(n.dtype(), n.shape(), header_headroom);
    std::copy_n(n.data(), n.bytes(), roomy.data());
    return roomy;
  };
  c.out = narrow(std::move(out));
  if (job.scores_out) c.scores = narrow(std::move(scores));
  if (job.weights_out) c.weights = narrow(std::move(weights));
  c.threads = 1;
  return c;
}

// ---- Writing
// --------------------------------------------------------------------------------------

// All of them or none: a failed write leaves every path as it was (io/output_file's OutputBatch).
std::vector<std::string> write_outputs(const TensorJob& job, Computed& c) {
  std::vector<std::string> written;
  OutputBatch batch;
  const auto put = [&](const std::optional<std::string>& path, Tensor* t, const char* name,
                       const char* flag) {
    if (!path || !t) return;
    write_tensor(*path, *t, name, flag, &batch);
    written.push_back(*path);
  };
  put(job.scores_out, c.scores ? &*c.scores : nullptr, "scores", "--scores-out");
  put(job.weights_out, c.weights ? &*c.weights : nullptr, "weights", "--weights-out");
  put(job.output, &c.out, "o", "--output");
  put(job.lse_out, c.lse ? &*c.lse : nullptr, "lse", "--lse-out");
  batch.commit();
  return written;
}

// ---- The summary
// ----------------------------------------------------------------------------------

std::string dtype_text(const Operands& o) {
  if (o.output == o.compute) return std::string(dtype_name(o.compute));
  return fmt::format("{}, written as {}", dtype_name(o.compute), dtype_name(o.output));
}

// The top-left corner of one head's output, at most 4 × 6.
std::string corner_text(const Operands& o, const Computed& c, const SummaryStyle& style) {
  const std::size_t n_q = o.q_view.seq, d_v = o.v_view.dim;
  Matrix shown(std::min<std::size_t>(n_q, 4), std::min<std::size_t>(d_v, 6));
  for (std::size_t i = 0; i < shown.rows(); ++i)
    for (std::size_t t = 0; t < shown.cols(); ++t)
      shown(i, t) = c.out.at(c.out_view.offset(style.batch, style.head, i) + t);
  std::string text;
  if (o.q_view.batch > 1 || o.q_view.heads > 1)
    text += fmt::format("batch {} of {}, head {} of {}: ", style.batch + 1, o.q_view.batch,
                        style.head + 1, o.q_view.heads);
  text += fmt::format("o[:{}, :{}] of {}×{}:\n", shown.rows(), shown.cols(), n_q, d_v);
  TableStyle table;
  table.number.digits = style.digits;
  text += format_table(shown, table);
  if (shown.rows() < n_q || shown.cols() < d_v || c.out.count() > shown.size())
    text += fmt::format("(give --output o.npy to save all {} values)\n", c.out.count());
  return text;
}

std::string paint(bool color, const char* sgr, const std::string& text) {
  return color ? fmt::format("\x1b[{}m{}\x1b[0m", sgr, text) : text;
}

std::string heads_text(const std::vector<std::pair<std::size_t, std::size_t>>& heads) {
  std::vector<std::string> parts;
  for (const auto& [b, h] : heads) parts.push_back(fmt::format("({}, {})", b + 1, h + 1));
  return fmt::format("{}", fmt::join(parts, ", "));
}

std::string summary_text(const TensorJob& job, const Operands& o, const Computed& c,
                         const std::optional<SampleCheck>& check, const SummaryStyle& style) {
  std::string t =
      fmt::format("attend: q {} ({}), k {} ({}), v {} ({}) in {}\n",
                  operand_shape_text(o.q, o.q_view), o.q.name, operand_shape_text(o.k, o.k_view),
                  o.k.name, operand_shape_text(o.v, o.v_view), o.v.name, dtype_text(o));
  const Bhsd& q = o.q_view;
  if (q.batch > 1 || q.heads > 1 || o.k_view.heads > 1)
    t += fmt::format(
        "layout {}: batch {}, {} query head{} over {} kv head{}{}, S_q {}, S_k {}, "
        "d_k {}, d_v {}\n",
        layout_name(o.layout), q.batch, q.heads, q.heads == 1 ? "" : "s", o.k_view.heads,
        o.k_view.heads == 1 ? "" : "s",
        o.k_view.heads == q.heads ? ""
        : o.k_view.heads == 1     ? " (multi-query)"
                                  : " (grouped-query)",
        q.seq, o.k_view.seq, q.dim, o.v_view.dim);
  t += fmt::format("mask {} ({} alignment), scale {}{}\n", o.mask.to_string(), align_name(o.align),
                   format_number(o.scale), o.default_scale ? fmt::format(" (1/√{})", q.dim) : "");
  std::vector<std::string> also;
  if (!o.kv_lens.empty()) also.push_back(fmt::format("kv_lens {}", fmt::join(o.kv_lens, ", ")));
  if (o.mask_tensor) also.push_back(mask_tensor_text(*o.mask_tensor));
  if (!o.alibi_slopes.empty())
    also.push_back(fmt::format(
        "bias {} (head 1's slope {}{})", o.bias_text, format_number(o.alibi_slopes.front(), {6}),
        o.alibi_slopes.size() > 1 ? fmt::format(", head {}'s {}", o.alibi_slopes.size(),
                                                format_number(o.alibi_slopes.back(), {6}))
                                  : ""));
  if (o.softcap) also.push_back(fmt::format("softcap {}", format_number(*o.softcap)));
  if (o.rope) also.push_back(rope_text(o));
  if (!also.empty()) t += fmt::format("with {}\n", fmt::join(also, "; "));

  if (c.streamed) {
    const BatchedReport& r = c.report;
    t += fmt::format(
        "streamed in 64×64 tiles: {} of {} key tiles computed ({} partly masked), {} skipped as "
        "wholly blocked\n",
        r.tiles_computed, r.tiles_computed + r.tiles_skipped, r.tiles_masked, r.tiles_skipped);
    if (r.products != ProductsUnit::native)
      t += fmt::format(
          "bfloat16 products on {}: q·kᵀ and p·v from bfloat16 values with float32 sums, p "
          "rounded to bfloat16\n",
          r.products == ProductsUnit::avx512_bf16 ? "AVX512-BF16" : "the plain path");
    const std::string verdict =
        check->agree()
            ? paint(style.color, "32", fmt::format("agree within {:g}", check->bound))
            : paint(style.color, "1;31", fmt::format("DIFFER by up to {:.3g}", check->difference));
    t += fmt::format(
        "check: rows {}{} recomputed directly in float64 {}; their weights sum to 1{}\n",
        fmt::join(check->rows, ", "),
        check->heads.size() > 1 ? fmt::format(" of (batch, head) {}", heads_text(check->heads))
                                : "",
        verdict,
        check->sum_error <= 1e-12 ? " within 1e-12" : fmt::format(" ± {:.3g}", check->sum_error));
  } else {
    t += fmt::format(
        "step path: the {}×{} scores and weights{} kept\n", q.seq, o.k_view.seq,
        q.batch * q.heads > 1 ? fmt::format(" of each of {} heads", q.batch * q.heads) : "");
    t += fmt::format("check: every row's weights sum to 1{}\n",
                     c.weight_sum_error <= 1e-12 ? " within 1e-12"
                                                 : fmt::format(" ± {:.3g}", c.weight_sum_error));
  }
  if (!job.output) t += corner_text(o, c, style);
  if (!c.empty_rows.empty()) {
    std::vector<std::size_t> rows;
    for (const BlockedRow& r : c.empty_rows)
      if (r.batch == c.empty_rows.front().batch && r.head == c.empty_rows.front().head)
        rows.push_back(r.row);
    const bool one = q.batch == 1 && q.heads == 1;
    t += fmt::format("rows with every key blocked: {} ({}{}), {}\n", c.empty_rows.size(),
                     one ? ""
                         : fmt::format("in batch {}, head {}: ", c.empty_rows.front().batch + 1,
                                       c.empty_rows.front().head + 1),
                     row_list(rows), empty_row_output(job.empty_rows));
  }
  return t;
}

std::string summary_json(const TensorJob& job, const Operands& o, const Computed& c,
                         const std::optional<SampleCheck>& check, const TensorSummary& s) {
  using Json = nlohmann::ordered_json;
  const Bhsd& q = o.q_view;
  Json doc{{"command", "attend"},
           {"path", c.streamed ? "streamed" : "step"},
           {"q", operand_json(o.q, o.q_file_dtype)},
           {"k", operand_json(o.k, o.k_file_dtype)},
           {"v", operand_json(o.v)},
           {"layout", layout_name(o.layout)},
           {"batch", q.batch},
           {"heads", q.heads},
           {"kv_heads", o.k_view.heads},
           {"seq_q", q.seq},
           {"seq_k", o.k_view.seq},
           {"d_k", q.dim},
           {"d_v", o.v_view.dim},
           {"compute_dtype", dtype_name(o.compute)},
           {"output_dtype", dtype_name(o.output)},
           {"mask", o.mask.to_string()},
           {"align", align_name(o.align)},
           {"scale", o.scale}};
  doc["kv_lens"] = o.kv_lens.empty() ? Json() : Json(o.kv_lens);
  doc["mask_tensor"] = o.mask_tensor ? operand_json(*o.mask_tensor) : Json();
  doc["bias"] = o.bias_text.empty() ? Json() : Json(o.bias_text);
  doc["alibi_slopes"] = o.alibi_slopes.empty() ? Json() : Json(o.alibi_slopes);
  doc["softcap"] = o.softcap ? Json(*o.softcap) : Json();
  doc["rope"] = rope_json(o);
  if (c.streamed) {
    doc["tiles"] = {{"computed", c.report.tiles_computed},
                    {"partly_masked", c.report.tiles_masked},
                    {"skipped", c.report.tiles_skipped}};
    Json heads = Json::array();
    for (const auto& [b, h] : check->heads) heads.push_back({b + 1, h + 1});  // as --batch, --head
    doc["check"] = {{"heads", heads},
                    {"rows", check->rows},
                    {"max_difference", check->difference},
                    {"bound", check->bound},
                    {"agree", check->agree()}};
    doc["max_weight_sum_error"] = check->sum_error;
  } else {
    doc["max_weight_sum_error"] = c.weight_sum_error;
  }
  doc["empty_rows"] = c.empty_rows.size();
  doc["empty_row_policy"] = empty_row_output(job.empty_rows);
  doc["vector_unit"] = c.unit;
  doc["threads"] = c.threads;
  doc["products"] = products_unit_name(c.report.products);
  doc["written"] = s.written;
  doc["timing_ms"] = {
      {"read", s.read_ms}, {"compute", s.compute_ms}, {"write", s.write_ms}, {"total", s.total_ms}};
  doc["check_against"] = s.checked ? Json::parse(comparison_json(*s.checked)) : Json();
  return doc.dump() + "\n";
}

}  // namespace

TensorSummary run_tensor_attend(const TensorJob& job, const SummaryStyle& style) {
  const auto start = Clock::now();
  TensorSummary s;
  Operands o = read_operands(job);
  check_outputs(job, o);
  check_bf16_products(job, o);
  if (style.batch >= o.q_view.batch || style.head >= o.q_view.heads)
    throw usage_error(
        fmt::format("--batch {} --head {}: q has {} batch row{} and {} head{} "
                    "(counting from 1)",
                    style.batch + 1, style.head + 1, o.q_view.batch, o.q_view.batch == 1 ? "" : "s",
                    o.q_view.heads, o.q_view.heads == 1 ? "" : "s"));
  s.read_ms = ms_since(start);

  const auto t0 = Clock::now();
  s.streamed = !job.scores_out && !job.weights_out;
  rotate_operands(o);  // q and k once, for either path
  Computed c = s.streamed ? compute_streamed(job, o) : compute_stepwise(job, o);
  s.compute_ms = ms_since(t0);

  std::optional<SampleCheck> check;
  if (c.streamed) check = check_sample(o, c.out, c.out_view, job.bf16_products);
  if (o.check_against) {
    CompareOptions co;
    co.rtol = job.rtol;
    co.atol = job.atol;
    s.checked =
        compare_tensors(o.check_against->name, o.check_against->tensor, "attn's o", c.out, co);
  }
  const auto t1 = Clock::now();
  s.written = write_outputs(job, c);
  s.write_ms = ms_since(t1);
  s.total_ms = ms_since(start);

  s.n_q = o.q_view.seq, s.n_k = o.k_view.seq, s.d_k = o.q_view.dim, s.d_v = o.v_view.dim;
  s.batch = o.q_view.batch, s.heads = o.q_view.heads, s.kv_heads = o.k_view.heads;
  s.text = summary_text(job, o, c, check, style);
  if (s.checked) s.text += comparison_text(*s.checked);
  for (const std::string& path : s.written) s.text += fmt::format("wrote {}\n", path);
  s.json = summary_json(job, o, c, check, s);
  if (o.scale < 0)
    s.warnings.push_back(
        fmt::format("the scale {} is negative: it inverts the attention, so the "
                    "lowest dot products get the most weight",
                    format_number(o.scale)));
  if (!c.empty_rows.empty()) {
    const bool one = c.empty_rows.size() == 1;
    s.warnings.push_back(fmt::format(
        "{} row{} every key blocked: {} {} (--empty-rows)", c.empty_rows.size(),
        one ? " has" : "s have", one ? "it gets" : "they get", empty_row_outcome(job.empty_rows)));
  }
  if (check && !check->agree())
    s.warnings.push_back(fmt::format("the recomputed rows differ from the output by up to {:.3g}",
                                     check->difference));
  const std::string products =
      c.report.products == ProductsUnit::native
          ? ""
          : fmt::format(", bf16 products on {}", products_unit_name(c.report.products));
  if (job.timing)
    s.timing = fmt::format(
        "timing: read {:.3f} ms, compute {:.3f} ms ({}{}, {} thread{}), write {:.3f} ms, total "
        "{:.3f} ms",
        s.read_ms, s.compute_ms, c.unit, products, c.threads, c.threads == 1 ? "" : "s", s.write_ms,
        s.total_ms);
  return s;
}

Request tensor_slice(const TensorJob& job, std::optional<std::size_t> batch,
                     std::optional<std::size_t> head, std::string_view view) {
  const Operands o = read_operands(job);
  const std::size_t B = o.q_view.batch, H = o.q_view.heads;
  if ((B > 1 && !batch) || (H > 1 && !head))
    throw usage_error(fmt::format("{} shows one slice, and q has {} batch row{} and {} head{}",
                                  view, B, B == 1 ? "" : "s", H, H == 1 ? "" : "s"),
                      fmt::format("choose one with --batch b --head h (b from 1 to {}, h from 1 "
                                  "to {})",
                                  B, H));
  const std::size_t b = batch.value_or(1), h = head.value_or(1);
  if (b < 1 || b > B || h < 1 || h > H)
    throw usage_error(
        fmt::format("--batch {} --head {}: q has {} batch row{} and {} head{} "
                    "(counting from 1)",
                    b, h, B, B == 1 ? "" : "s", H, H == 1 ? "" : "s"));
  const std::size_t cells = o.q_view.seq * o.k_view.seq;
  if (cells > max_slice_cells)
    throw usage_error(
        fmt::format("{}: the slice is {}×{} = {} cells, more than the {} a worked view shows", view,
                    o.q_view.seq, o.k_view.seq, cells, max_slice_cells),
        "cut the sequence to a window first, e.g. np.save(\"q.npy\", q[..., :64, :]) for q, k "
        "and v");
  return slice_request(o, b - 1, h - 1, job.empty_rows);
}

}  // namespace attn
