// `attn score`, `attn weights` and `attn attend`: one pipeline, run to three different stages.
#include <fmt/format.h>

#include <map>
#include <memory>

#include "attn/core/error.hpp"
#include "attn/io/output_file.hpp"
#include "attn/jobs/tensor_attend.hpp"
#include "attn/render/explain_cell.hpp"
#include "attn/render/html.hpp"
#include "attn/render/json.hpp"
#include "attn/render/text.hpp"
#include "cli.hpp"
#include "commands.hpp"

namespace attn::cli {
namespace {

// attend on .npy/.npz tensors: files in, files out, a summary on stdout.
struct TensorOptions {
  std::optional<std::string> output, scores_out, weights_out;
  DTypeChoice dtype = DTypeChoice::f64;
  bool timing = false;
  unsigned threads = 0;
};

struct PipelineOptions {
  std::string explain;  // "I,J"
  InputArgs input;
  OutputOptions output;
  PictureOptions pictures;
  TensorOptions tensor;
};

bool wants_tensor_path(const PipelineOptions& o) {
  const auto is_tensor = [](const std::optional<std::string>& s) {
    return s && is_tensor_path(*s);
  };
  return is_tensor(o.input.q) || is_tensor(o.input.k) || is_tensor(o.input.v) || o.tensor.output ||
         o.tensor.scores_out || o.tensor.weights_out;
}

void run_tensor(const PipelineOptions& o) {
  const InputArgs& in = o.input;
  if (!in.q || !is_tensor_path(*in.q))
    throw usage_error("--output, --scores-out and --weights-out work on .npy/.npz inputs",
                      "save q, k and v with np.save and give --q q.npy --k k.npy --v v.npy");
  if (in.input || in.bias || in.softcap || in.softcap_order || in.heads || in.head || in.kv_heads)
    throw usage_error("--input, --bias, --softcap and --heads are not supported with .npy inputs");
  if (in.mask && (in.mask->starts_with('[') || in.mask->starts_with('@')))
    throw usage_error("with .npy inputs, --mask takes an expression such as causal");
  TensorJob job;
  job.q = *in.q;
  job.k = in.k.value_or("");
  job.v = in.v.value_or("");
  job.output = o.tensor.output;
  job.scores_out = o.tensor.scores_out;
  job.weights_out = o.tensor.weights_out;
  job.mask = in.mask;
  job.align = in.align;
  if (in.no_scale)
    job.scale = 1.0;
  else
    job.scale = in.scale;
  job.empty_rows = in.empty_rows;
  job.dtype = o.tensor.dtype;
  job.timing = o.tensor.timing;
  job.threads = o.tensor.threads;
  const TensorSummary summary = run_tensor_attend(job);
  if (!summary.timing.empty()) fmt::print(stderr, "{}\n", summary.timing);
  print_result(summary.text);
}

void add_tensor_options(CLI::App& cmd, TensorOptions& t) {
  const char* group = "Tensors (.npy)";
  cmd.add_option("--output", t.output, "write o to this .npy file")
      ->type_name("FILE")
      ->group(group);
  cmd.add_option("--scores-out", t.scores_out, "also write β (n_q×n_k) to this .npy file")
      ->type_name("FILE")
      ->group(group);
  cmd.add_option("--weights-out", t.weights_out, "also write α (n_q×n_k) to this .npy file")
      ->type_name("FILE")
      ->group(group);
  static const std::map<std::string, DTypeChoice> kDType{{"f32", DTypeChoice::f32},
                                                         {"f64", DTypeChoice::f64}};
  cmd.add_option("--dtype", t.dtype, "compute and write in float32 or float64 (default f64)")
      ->transform(CLI::CheckedTransformer(kDType, CLI::ignore_case).description(""))
      ->type_name("f32|f64")
      ->group(group);
  cmd.add_flag("--timing", t.timing, "print the time spent reading, computing and writing")
      ->group(group);
  cmd.add_option("--threads", t.threads, "threads to compute with (default: one per core)")
      ->check(CLI::Range(0u, 256u).description(""))
      ->type_name("N")
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

void run_pipeline(const PipelineOptions& o, Stage stage) {
  if (stage == Stage::output && wants_tensor_path(o)) {
    if (o.pictures.heatmap || o.pictures.svg || o.pictures.html)
      throw usage_error("--heatmap, --svg and --html picture the worked steps, not .npy tensors",
                        "give q, k and v as numbers (--q \"1,0;0,1\") or a JSON --input to "
                        "picture them");
    return run_tensor(o);
  }
  const Run run = run_heads(load_input(o.input, stage), stage);
  for (const auto& w : warnings(run)) warn(o.output, w);
  const Geometry& g = run.heads.front().trace.geometry;
  const AxisLabels labels =
      o.pictures.tokens ? axis_labels(split_tokens(*o.pictures.tokens), g) : AxisLabels{};
  if (o.pictures.html)
    write_file_atomically(*o.pictures.html, render_html(run, html_options(o.output, labels)));
  if (!o.explain.empty()) return explain(o, run);
  if ((o.pictures.heatmap || o.pictures.svg) &&
      show_pictures(o.pictures, o.output, pictures(run, stage, labels)))
    return;
  if (files_only(o.pictures, o.output)) return;
  print_result(render_result(run, output_format(o.output), format_options(o.output, labels)));
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
  cmd->callback([opts, stage] { run_pipeline(*opts, stage); });
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
