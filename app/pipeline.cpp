// `attn score`, `attn weights` and `attn attend`: one pipeline, run to three different stages.
#include <fmt/format.h>

#include <map>
#include <memory>

#include "attn/core/error.hpp"
#include "attn/io/layout.hpp"
#include "attn/io/output_file.hpp"
#include "attn/io/rope_input.hpp"
#include "attn/jobs/tensor_attend.hpp"
#include "attn/render/explain_cell.hpp"
#include "attn/render/html.hpp"
#include "attn/render/json.hpp"
#include "attn/render/text.hpp"
#include "cli.hpp"
#include "commands.hpp"

namespace attn::cli {
namespace {

// attend on tensor files (.npy, .npz, .safetensors): files in, files out, a summary on stdout.
struct TensorOptions {
  std::optional<std::string> output, scores_out, weights_out, lse_out, check_against, kv_lens;
  std::optional<double> rtol, atol;
  std::optional<std::string> dtype, layout;
  std::optional<std::size_t> batch;
  bool timing = false;
  std::optional<unsigned> threads;
  bool bf16_products = false;
};

struct PipelineOptions {
  std::string explain;  // "I,J"
  InputArgs input;
  OutputOptions output;
  PictureOptions pictures;
  TensorOptions tensor;
};

bool any_tensor_operand(const InputArgs& in) {
  const auto is_tensor = [](const std::optional<std::string>& s) {
    return s && is_tensor_path(*s);
  };
  return is_tensor(in.q) || is_tensor(in.k) || is_tensor(in.v);
}

// The flags that only tensor files use, by name, when given.
std::vector<std::string> tensor_flags_given(const TensorOptions& t) {
  std::vector<std::string> given;
  const auto note = [&](bool on, const char* flag) {
    if (on) given.emplace_back(flag);
  };
  note(t.output.has_value(), "--output");
  note(t.scores_out.has_value(), "--scores-out");
  note(t.weights_out.has_value(), "--weights-out");
  note(t.lse_out.has_value(), "--lse-out");
  note(t.check_against.has_value(), "--check-against");
  note(t.kv_lens.has_value(), "--kv-lens");
  note(t.rtol.has_value(), "--rtol");
  note(t.atol.has_value(), "--atol");
  note(t.dtype.has_value(), "--dtype");
  note(t.layout.has_value(), "--layout");
  note(t.batch.has_value(), "--batch");
  note(t.timing, "--timing");
  note(t.threads.has_value(), "--threads");
  note(t.bf16_products, "--bf16-products");
  return given;
}

bool wants_tensor_path(const PipelineOptions& o) {
  return any_tensor_operand(o.input) || !tensor_flags_given(o.tensor).empty();
}

// Which worked view of one slice the flags ask for, if any: its flag, for messages.
std::optional<std::string> slice_view(const PipelineOptions& o) {
  if (!o.explain.empty()) return "--explain";
  if (o.pictures.heatmap) return "--heatmap";
  if (o.pictures.svg) return "--svg";
  if (o.pictures.html) return "--html";
  const Format f = output_format(o.output);
  if (f == Format::markdown || f == Format::latex || f == Format::csv)
    return fmt::format("--format {}", format_names()[static_cast<std::size_t>(f)]);
  return std::nullopt;
}

// Every flag the tensor path cannot honour is refused by name, before any file is read.
void refuse_unsupported(const PipelineOptions& o, bool view) {
  const InputArgs& in = o.input;
  if (!in.q || !is_tensor_path(*in.q)) {
    const char* other = in.k && is_tensor_path(*in.k)   ? "k"
                        : in.v && is_tensor_path(*in.v) ? "v"
                                                        : nullptr;
    if (other)
      throw usage_error(
          fmt::format("--q {}: with --{} a tensor file, --q must be a tensor file too",
                      in.q ? "'" + *in.q + "'" : "missing", other),
          "save q with np.save (FILE.npy), or give all of q, k and v as literals");
    throw usage_error(fmt::format("{} works with tensor files (.npy, .npz, .safetensors)",
                                  tensor_flags_given(o.tensor).front()),
                      "save q, k and v with np.save and give --q q.npy --k k.npy --v v.npy");
  }
  const auto refuse = [](bool given, const char* flag, const char* why) {
    if (given) throw usage_error(fmt::format("{} {}", flag, why));
  };
  refuse(in.input.has_value(), "--input",
         "reads a JSON document of literals; with tensor files give --q, --k and --v");
  refuse_literal_only(in);
  if (in.mask && (in.mask->starts_with('[') || in.mask->starts_with('@')))
    throw usage_error(
        "with tensor files, --mask takes an expression such as causal, or a tensor "
        "file such as mask.npy");
  refuse(o.output.standalone && output_format(o.output) != Format::latex, "--standalone",
         "goes with --format latex");
  refuse((o.pictures.ascii || o.pictures.numbers) && !o.pictures.heatmap && !o.pictures.svg &&
             !o.pictures.html,
         o.pictures.ascii ? "--ascii" : "--numbers", "goes with --heatmap or --svg");
  refuse(o.pictures.tokens.has_value() && !view, "--tokens",
         "labels a slice's picture or table: add --explain, --heatmap, --svg or --format "
         "markdown|latex|csv");
  refuse((o.tensor.rtol || o.tensor.atol) && !o.tensor.check_against,
         o.tensor.rtol ? "--rtol" : "--atol", "goes with --check-against FILE");
  if (o.tensor.bf16_products) {
    // the step path computes in float64: it has no bfloat16 products to show or keep
    std::optional<std::string> step = slice_view(o);
    if (!step && o.tensor.scores_out) step = "--scores-out";
    if (!step && o.tensor.weights_out) step = "--weights-out";
    if (step)
      throw usage_error(fmt::format("--bf16-products runs the streaming kernel, and {} needs the "
                                    "float64 step path",
                                    *step),
                        fmt::format("drop --bf16-products, or drop {}", *step));
  }
  for (const auto& [value, flag] :
       {std::pair{o.tensor.batch, "--batch"}, std::pair{in.head, "--head"}})
    if (value && *value == 0)
      throw usage_error(fmt::format("{} 0: batch rows and heads count from 1", flag));
}

TensorJob tensor_job(const PipelineOptions& o) {
  const InputArgs& in = o.input;
  TensorJob job;
  job.q = *in.q;
  job.k = in.k.value_or("");
  job.v = in.v.value_or("");
  job.output = o.tensor.output;
  job.scores_out = o.tensor.scores_out;
  job.weights_out = o.tensor.weights_out;
  job.lse_out = o.tensor.lse_out;
  job.check_against = o.tensor.check_against;
  job.rtol = o.tensor.rtol;
  job.atol = o.tensor.atol;
  job.mask = in.mask;
  job.kv_lens = o.tensor.kv_lens;
  job.bias = in.bias;
  job.softcap = in.softcap;
  job.rope = load_rope(in.rope);
  if (o.tensor.layout) job.layout = *layout_named(*o.tensor.layout);
  job.align = in.align;
  if (in.no_scale)
    job.scale = 1.0;
  else
    job.scale = in.scale;
  job.empty_rows = in.empty_rows;
  if (o.tensor.dtype) job.dtype = *float_dtype_named(*o.tensor.dtype);
  job.timing = o.tensor.timing;
  job.threads = o.tensor.threads.value_or(0);
  job.bf16_products = o.tensor.bf16_products;
  return job;
}

void report(const PipelineOptions& o, const TensorSummary& s) {
  for (const std::string& w : s.warnings) warn(o.output, w);
  if (!s.timing.empty()) print_diagnostic(s.timing + "\n");
}

void run_slice_view(const PipelineOptions& o, const TensorJob& job, const std::string& view);

void run_tensor(const PipelineOptions& o) {
  const std::optional<std::string> view = slice_view(o);
  refuse_unsupported(o, view.has_value());
  const TensorJob job = tensor_job(o);
  if (view) return run_slice_view(o, job, *view);
  SummaryStyle style;
  style.batch = o.tensor.batch.value_or(1) - 1;
  style.head = o.input.head.value_or(1) - 1;
  style.digits = o.output.digits;
  style.color = stdout_color(o.output).enabled;
  const TensorSummary s = run_tensor_attend(job, style);
  report(o, s);
  print_result(output_format(o.output) == Format::json ? s.json : s.text);
  if (s.checked && !s.checked->within())
    throw Error(Exit::negative, fmt::format("--check-against: {} of {} elements beyond tolerance",
                                            s.checked->beyond, s.checked->count));
}

void add_tensor_options(CLI::App& cmd, TensorOptions& t) {
  const char* group = "Tensors (.npy, .npz, .safetensors)";
  cmd.add_option("--output", t.output, "write o to this .npy or .safetensors file")
      ->type_name("FILE")
      ->group(group);
  cmd.add_option("--scores-out", t.scores_out, "also write β (…, S_q, S_k) to this file")
      ->type_name("FILE")
      ->group(group);
  cmd.add_option("--weights-out", t.weights_out, "also write α (…, S_q, S_k) to this file")
      ->type_name("FILE")
      ->group(group);
  cmd.add_option("--lse-out", t.lse_out,
                 "also write each row's log-sum-exp, (B, H, S_q) float32, as FlashAttention")
      ->type_name("FILE")
      ->group(group);
  cmd.add_option("--layout", t.layout,
                 "axes of q, k, v and o: bhsd (B, H, S, D; PyTorch, the default) or bshd (B, S, "
                 "H, D; flash-attn, Hugging Face)")
      ->transform(one_of({"bhsd", "bshd"}))
      ->type_name("bhsd|bshd")
      ->group(group);
  cmd.add_option("--kv-lens", t.kv_lens,
                 "valid keys per batch row (key padding): L1,L2,… or a file of integers")
      ->type_name("L1,L2,…|FILE")
      ->group(group);
  cmd.add_option("--dtype", t.dtype,
                 "compute and write in this dtype (default: the inputs'; f16 and bf16 compute in "
                 "float32)")
      ->transform(one_of({"f16", "bf16", "f32", "f64"}))
      ->type_name("f16|bf16|f32|f64")
      ->group(group);
  cmd.add_option("--batch", t.batch,
                 "the batch row (from 1) of the slice shown: the summary's corner, pictures, "
                 "--explain")
      ->check(whole_number(1, std::uint64_t{1} << 31))
      ->type_name("b")
      ->group(group);
  cmd.add_option("--check-against", t.check_against,
                 "compare this tensor with o, as attn compare does (exit 1 beyond tolerance)")
      ->type_name("FILE")
      ->group(group);
  cmd.add_option("--rtol", t.rtol, "relative tolerance for --check-against")
      ->check(real_number())
      ->type_name("R")
      ->group(group);
  cmd.add_option("--atol", t.atol, "absolute tolerance for --check-against")
      ->check(real_number())
      ->type_name("A")
      ->group(group);
  cmd.add_flag("--timing", t.timing,
               "print the milliseconds spent reading, computing and writing, the vector unit and "
               "threads")
      ->group(group);
  cmd.add_option("--threads", t.threads, "threads to compute with (default: one per core)")
      ->check(whole_number(0, 256))
      ->type_name("N")
      ->group(group);
  cmd.add_flag("--bf16-products", t.bf16_products,
               "multiply q·kᵀ and p·v as bfloat16 products with float32 sums, p rounded to "
               "bfloat16 (bfloat16 q, k and v; AVX512-BF16 where the processor has it)")
      ->group(group);
}

// --explain I,J: every term of one cell, for each head.
void explain(const PipelineOptions& o, const Run& run) {
  const auto [i, j] = parse_cell_flag(o.explain);
  std::string out;
  for (const HeadRun& h : run.heads) {
    if (run.heads.size() > 1)
      out +=
          fmt::format("{}Head {} of {}:\n", out.empty() ? "" : "\n", h.head + 1, run.layout.heads);
    out += explain_cell(h.trace, i, j, NumberStyle{o.output.digits});
  }
  print_result(out);
}

// --heatmap and --svg show β for score and α for weights and attend, one panel per head; attend's
// heatmap shows o under α.
std::vector<Picture> pictures(const Run& run, Stage stage, const AxisLabels& labels) {
  const auto panels = [&](const auto& matrix) {
    std::vector<NamedMatrix> out;
    for (const HeadRun& h : run.heads)
      out.push_back({run.heads.size() > 1 ? fmt::format("head {}", h.head + 1) : std::string(),
                     matrix(h.trace)});
    return out;
  };
  const std::string& mask = run.heads.front().trace.mask_label.text;
  const auto caption = [&](const char* what) {
    return mask.empty() ? fmt::format("attn: {}", what)
                        : fmt::format("attn: {}, mask {}", what, mask);
  };
  std::vector<Picture> out;
  if (stage == Stage::scores) {
    out.push_back({"scores", panels([](const Trace& t) { return t.scores; }), HeatScale::row,
                   labels, AxisTitles{}, caption("scores β")});
    return out;
  }
  out.push_back({"weights", panels([](const Trace& t) { return t.weights_with_blocked(); }),
                 HeatScale::unit, labels, AxisTitles{}, caption("weights α")});
  if (stage == Stage::output)
    out.push_back({"output", panels([](const Trace& t) { return *t.output; }), HeatScale::matrix,
                   AxisLabels{labels.rows, {}}, AxisTitles{"queries i", "entries c of o"},
                   caption("output o")});
  return out;
}

// The file behind an input flag's value: "@q.json" → q.json, "qkv.npz:q" → qkv.npz, a tensor path
// as it is; nothing for a literal.
std::optional<std::string> input_file(const std::optional<std::string>& value, bool tensor) {
  if (!value) return std::nullopt;
  if (value->starts_with('@')) return value->substr(1);
  if (!tensor || !is_tensor_path(*value)) return std::nullopt;
  if (const auto at = value->find(".npz:"); at != std::string::npos)
    return value->substr(0, at + 4);
  return *value;
}

// Refuses one file named for two outputs, or an output that would replace an input.
void check_paths(const PipelineOptions& o, bool tensor) {
  std::vector<NamedPath> outputs, inputs;
  const auto output = [&](const char* flag, const std::optional<std::string>& path) {
    if (path) outputs.push_back({flag, *path});
  };
  output("--svg", o.pictures.svg);
  output("--html", o.pictures.html);
  output("--output", o.tensor.output);
  output("--scores-out", o.tensor.scores_out);
  output("--weights-out", o.tensor.weights_out);
  output("--lse-out", o.tensor.lse_out);
  const InputArgs& in = o.input;
  if (in.input) inputs.push_back({"--input", *in.input});
  for (const auto& [flag, value] :
       {std::pair{"--q", &in.q}, std::pair{"--k", &in.k}, std::pair{"--v", &in.v},
        std::pair{"--scores", &in.scores}, std::pair{"--mask", &in.mask},
        std::pair{"--bias", &in.bias}, std::pair{"--bias-table", &in.bias_table},
        std::pair{"--check-against", &o.tensor.check_against},
        std::pair{"--kv-lens", &o.tensor.kv_lens}})
    if (const auto file = input_file(*value, tensor)) inputs.push_back({flag, *file});
  check_output_paths(outputs, inputs);
}

// Flags that would do nothing in this command, refused by name. Tensor files have their own list
// (refuse_unsupported, before any file is read).
void check_flags(const PipelineOptions& o, const Given& given) {
  if (!o.explain.empty()) {
    for (const char* flag : {"--json", "--format", "--heatmap", "--svg"})
      if (given(flag))
        contradict("--explain", flag, "--explain prints one cell's terms instead: give one");
    for (const char* flag : {"--standalone", "--color", "--tokens", "--ascii", "--numbers"})
      if (given(flag)) refuse(flag, "with --explain, which prints one cell's terms as text");
    return;
  }
  check_picture_flags(o.pictures, o.output, given, /*tables_label=*/true);
  const bool picture = o.pictures.heatmap || o.pictures.svg || o.pictures.html;
  check_output_flags(o.output, given, picture, o.pictures.heatmap);
}

// The worked views of a run, as for literals: --explain, pictures, or the chosen format.
void show_run(const PipelineOptions& o, const Run& run, Stage stage) {
  for (const auto& w : warnings(run)) warn(o.output, w);
  const Geometry& g = run.heads.front().trace.geometry;
  const AxisLabels labels =
      o.pictures.tokens ? axis_labels(parse_tokens(*o.pictures.tokens), g) : AxisLabels{};
  if (o.pictures.html)
    write_file_atomically(*o.pictures.html, render_html(run, html_options(o.output, labels)));
  if (!o.explain.empty()) return explain(o, run);
  if ((o.pictures.heatmap || o.pictures.svg) &&
      show_pictures(o.pictures, o.output, pictures(run, stage, labels)))
    return;
  if (files_only(o.pictures, o.output)) return;
  print_result(render_result(run, output_format(o.output), format_options(o.output, labels)));
}

// One slice of a tensor job shown the worked way; files the job was asked for are written first.
void run_slice_view(const PipelineOptions& o, const TensorJob& job, const std::string& view) {
  const Request slice = tensor_slice(job, o.tensor.batch, o.input.head, view);
  const bool files = job.output || job.scores_out || job.weights_out || job.lse_out ||
                     job.check_against || job.timing;
  if (files) {
    const TensorSummary s = run_tensor_attend(job);
    report(o, s);
    if (s.checked && !s.checked->within()) {
      show_run(o, run_heads(slice, Stage::output), Stage::output);
      throw Error(Exit::negative, fmt::format("--check-against: {} of {} elements beyond tolerance",
                                              s.checked->beyond, s.checked->count));
    }
  }
  show_run(o, run_heads(slice, Stage::output), Stage::output);
}

void run_pipeline(const PipelineOptions& o, Stage stage, const Given& given) {
  const bool tensor = wants_tensor_path(o);
  if (tensor)  // the rest of the tensor path's list is refuse_unsupported's
    check_output_flags(o.output, given, o.pictures.heatmap || o.pictures.svg || o.pictures.html,
                       o.pictures.heatmap);
  else
    check_flags(o, given);
  check_paths(o, tensor);
  if (tensor) {
    if (stage == Stage::output) return run_tensor(o);
    throw usage_error(
        fmt::format("attn {} works on literals and JSON documents",
                    stage == Stage::scores ? "score" : "weights"),
        "with tensor files use attn attend, and --scores-out or --weights-out to keep β and α");
  }
  show_run(o, run_heads(load_input(o.input, stage), stage), stage);
}

void setup_pipeline(CLI::App& app, const char* name, const std::string& description, Stage stage) {
  auto opts = std::make_shared<PipelineOptions>();
  auto* cmd = app.add_subcommand(name, description);
  add_input_options(*cmd, opts->input, stage);
  add_output_options(*cmd, opts->output);
  add_picture_options(*cmd, opts->pictures);
  cmd->add_option("--explain", opts->explain,
                  "every term of cell (I, J): the products, scale, bias, mask rule, exp, sum, α")
      ->type_name("I,J")
      ->group("Output");
  if (stage == Stage::output) add_tensor_options(*cmd, opts->tensor);
  cmd->callback([opts, stage, cmd] { run_pipeline(*opts, stage, Given(cmd)); });
}

}  // namespace

void setup_score(CLI::App& app) {
  setup_pipeline(app, "score",
                 describe("Scores: β = q·k / √d_k + M, each step worked out.",
                          {"attn score --q 2,0.5,1,-1.5 --k 1,1,-0.5,2",
                           "attn score --q \"1,0;0,1;1,1\" --k \"1,0;0,1;1,1\" --mask causal",
                           "attn score --q 1,2 --k 3,4 --json"}),
                 Stage::scores);
}

void setup_weights(CLI::App& app) {
  setup_pipeline(app, "weights",
                 describe("Attention weights: α = softmax(β) over each row, each step worked out.",
                          {"attn weights --scores 1,2,3",
                           "attn weights --q \"1,0;0,1\" --k \"1,0;0,1\" --mask causal",
                           "attn score --q 1,2 --k \"3,4;5,6\" --json | attn weights --input -"}),
                 Stage::weights);
}

void setup_attend(CLI::App& app) {
  setup_pipeline(
      app, "attend",
      describe("Attention output: o_i = Σ_j α_ij v_j, every step worked out.",
               {"attn attend --q 1,0 --k \"1,0;0,1\" --v \"1,2;3,4\"",
                "attn attend --input data/examples/causal-self-attention.json",
                "attn attend --q q.npy --k k.npy --v v.npy --mask causal --output o.npy"}),
      Stage::output);
}

}  // namespace attn::cli
