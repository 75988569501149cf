// `attn grad`: the backward pass of attention, step by step.
#include <fmt/format.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "attn/core/error.hpp"
#include "attn/core/grad.hpp"
#include "attn/io/grad_input.hpp"
#include "attn/io/layout.hpp"
#include "attn/io/output_file.hpp"
#include "attn/io/rope_input.hpp"
#include "attn/jobs/tensor_attend.hpp"
#include "attn/jobs/tensor_grad.hpp"
#include "attn/render/grad_text.hpp"
#include "attn/render/html_grad.hpp"
#include "attn/render/json.hpp"
#include "cli.hpp"
#include "commands.hpp"

namespace attn::cli {
namespace {

// The tensor form's own flags (files in, files out).
struct GradTensorOptions {
  std::optional<std::string> dq_out, dk_out, dv_out, o, lse, kv_lens, dtype, layout;
  bool timing = false;
  std::optional<unsigned> threads;
};

struct GradOptions {
  InputArgs input;
  GradArgs grad;
  bool dbias = false;
  std::string explain;                // "[dq:|dk:|dv:|dalpha:|dbeta:]I,J"
  std::optional<std::string> html;    // the page of the backward pass, file to write
  std::optional<std::string> tokens;  // names for the positions, on the page
  OutputOptions output;
  GradTensorOptions tensor;
};

// The tensor-only flags given, by name.
std::vector<std::string> tensor_flags_given(const GradTensorOptions& t) {
  std::vector<std::string> given;
  for (const auto& [on, flag] :
       {std::pair{t.dq_out.has_value(), "--dq-out"}, std::pair{t.dk_out.has_value(), "--dk-out"},
        std::pair{t.dv_out.has_value(), "--dv-out"}, std::pair{t.o.has_value(), "--o"},
        std::pair{t.lse.has_value(), "--lse"}, std::pair{t.kv_lens.has_value(), "--kv-lens"},
        std::pair{t.dtype.has_value(), "--dtype"}, std::pair{t.layout.has_value(), "--layout"},
        std::pair{t.timing, "--timing"}, std::pair{t.threads.has_value(), "--threads"}})
    if (on) given.emplace_back(flag);
  return given;
}

// attn grad on tensor files: every flag the streaming backward cannot honour refused by name.
void run_grad_tensor(const GradOptions& o) {
  const InputArgs& in = o.input;
  if (!in.q || !is_tensor_path(*in.q))
    throw usage_error("--q: with tensor files for k or v, --q must be a tensor file too",
                      "save q with np.save (FILE.npy), or give q, k and v as literals");
  const auto refuse = [](bool given, const char* flag, const char* why) {
    if (given) throw usage_error(fmt::format("{} {}", flag, why));
  };
  const char* literal = "is for literals; the tensor backward does not take it";
  refuse(in.input.has_value(), "--input", literal);
  refuse(in.scores.has_value(), "--scores", literal);
  refuse_literal_only(in);
  refuse(in.head.has_value(), "--head",
         "is for literals: the gradient of k and v needs every head");
  refuse(o.output.color != ColorMode::automatic, "--color",
         "has nothing to colour: the tensor backward's summary is plain text");
  refuse(o.grad.target.has_value(), "--target", "is for literals; with tensor files give --do");
  refuse(o.grad.loss == LossKind::mse, "--loss mse",
         "is for literals; with tensor files give --do (or --loss sum)");
  refuse(o.dbias, "--dbias", "is for literals; the tensor backward writes dq, dk and dv");
  refuse(!o.explain.empty(), "--explain", "is for literals; the tensor backward writes files");
  refuse(o.html.has_value(), "--html",
         "pictures the step backward of literals; the tensor backward writes files");
  refuse(o.tokens.has_value(), "--tokens", "labels the --html page, which is for literals");
  refuse(o.output.standalone, "--standalone", "goes with --format latex");
  if (in.mask && (in.mask->starts_with('[') || in.mask->starts_with('@')))
    throw usage_error("with tensor files, --mask takes an expression such as causal");
  if (o.grad.d_out && !is_tensor_path(*o.grad.d_out))
    throw usage_error(
        fmt::format("--do '{}': with tensor files, dO must be a tensor file too", *o.grad.d_out),
        "save it with np.save (dO.npy)");

  TensorGradJob job;
  TensorJob& f = job.forward;
  f.q = *in.q;
  f.k = in.k.value_or("");
  f.v = in.v.value_or("");
  f.mask = in.mask;
  f.kv_lens = o.tensor.kv_lens;
  f.bias = in.bias;
  f.softcap = in.softcap;
  f.rope = load_rope(in.rope);
  if (o.tensor.layout) f.layout = *layout_named(*o.tensor.layout);
  f.align = in.align;
  f.scale = in.no_scale ? std::optional<double>(1.0) : in.scale;
  f.empty_rows = in.empty_rows;
  if (o.tensor.dtype) f.dtype = *float_dtype_named(*o.tensor.dtype);
  f.timing = o.tensor.timing;
  f.threads = o.tensor.threads.value_or(0);
  job.d_out = o.grad.d_out;
  job.sum_loss = o.grad.loss == LossKind::sum;
  job.o = o.tensor.o;
  job.lse = o.tensor.lse;
  job.dq_out = o.tensor.dq_out;
  job.dk_out = o.tensor.dk_out;
  job.dv_out = o.tensor.dv_out;
  job.digits = o.output.digits;
  const TensorGradSummary s = run_tensor_grad(job);
  for (const std::string& w : s.warnings) warn(o.output, w);
  if (!s.timing.empty()) fmt::print(stderr, "{}\n", s.timing);
  print_result(output_format(o.output) == Format::json ? s.json : s.text);
}

void run_grad(const GradOptions& o) {
  if (o.output.format != Format::text && o.output.format != Format::json)
    throw usage_error("attn grad writes text or JSON, not --format markdown, latex or csv",
                      "drop --format, or give --json");
  if (o.output.standalone) throw usage_error("--standalone is for --format latex");
  for (const auto* operand : {&o.input.q, &o.input.k, &o.input.v})
    if (*operand && is_tensor_path(**operand)) return run_grad_tensor(o);
  if (const auto given = tensor_flags_given(o.tensor); !given.empty())
    throw usage_error(
        fmt::format("{} works with tensor files (.npy, .npz, .safetensors)", given.front()),
        "save q, k and v with np.save and give --q q.npy --k k.npy --v v.npy");
  if (o.dbias && !o.input.bias)
    throw usage_error("--dbias needs a bias", "give --bias alibi (or another bias) as well");
  const GradInput in = load_grad_input(o.input, o.grad);
  const Run run = run_heads(in.request, Stage::output);
  check_forward_document(in, run);
  for (const auto& w : warnings(run)) warn(o.output, w);
  const Loss loss = resolve_loss(in, *run.output);
  const GradRun grad = run_backward_heads(run, loss.d_out);
  if (o.tokens && !o.html) throw usage_error("--tokens names the page's rows", "add --html FILE");
  if (o.html) {
    const Geometry& g = run.heads.front().trace.geometry;
    const AxisLabels labels = o.tokens ? axis_labels(split_tokens(*o.tokens), g) : AxisLabels{};
    write_file_atomically(
        *o.html, render_grad_html(run, grad, loss, o.dbias, html_options(o.output, labels)));
    if (o.output.quiet && o.explain.empty()) return;
  }
  if (!o.explain.empty()) {
    const GradCellRef cell = parse_grad_cell(o.explain);
    std::string out;
    for (std::size_t n = 0; n < run.heads.size(); ++n) {
      if (run.heads.size() > 1)
        out += fmt::format("{}Head {} of {}:\n", out.empty() ? "" : "\n", run.heads[n].head + 1,
                           run.layout.heads);
      out +=
          explain_grad_cell(run.heads[n].trace, grad.heads[n], cell, NumberStyle{o.output.digits});
    }
    return print_result(out);
  }
  if (output_format(o.output) == Format::json)
    return print_result(grad_to_json(run, grad, loss, o.dbias).dump() + "\n");
  print_result(render_grad_run(run, grad, loss, o.dbias, text_options(o.output)));
}

}  // namespace

void setup_grad(CLI::App& app) {
  auto opts = std::make_shared<GradOptions>();
  auto* cmd = app.add_subcommand(
      "grad", describe("Gradients: the backward pass of attention, dO → dV, dα, dβ, dq, dk, each "
                       "step worked out.",
                       {"attn grad --q 1 --k \"1;0\" --v \"1;0\" --loss sum",
                        "attn grad --q \"1,0;0,1\" --k \"1,0;0,1\" --v \"1,2;3,4\" --mask causal "
                        "--do \"1,0;0,1\"",
                        "attn grad --q 1,2 --k \"3,4;5,6\" --v \"1;2\" --loss mse --target 0 "
                        "--explain dk:1,0"}));
  add_input_options(*cmd, opts->input, Stage::output);
  CLI::Option* mask = cmd->get_option("--mask");
  mask->description(mask->get_description() +
                    "; with tensor files, a mask tensor FILE (bool, or float added to the scores: "
                    "a constant, so no gradient flows into it)");
  const char* group = "Gradient";
  cmd->add_option("--do", opts->grad.d_out, "the upstream gradient dO = ∂L/∂o, o's shape")
      ->type_name("MAT")
      ->group(group);
  static const std::map<std::string, LossKind> kLoss{{"sum", LossKind::sum},
                                                     {"mse", LossKind::mse}};
  cmd->add_option("--loss", opts->grad.loss,
                  "derive dO from a loss instead: sum (L = Σ o, dO = 1) or mse (L = ½‖o − T‖²)")
      ->transform(CLI::CheckedTransformer(kLoss, CLI::ignore_case).description(""))
      ->type_name("sum|mse")
      ->group(group);
  cmd->add_option("--target", opts->grad.target, "T for --loss mse, o's shape")
      ->type_name("MAT")
      ->group(group);
  cmd->add_flag("--dbias", opts->dbias, "also show ∂L/∂b, the gradient of the bias")->group(group);
  add_output_options(*cmd, opts->output);
  cmd->add_option("--explain", opts->explain,
                  "every term of one cell of dq, dk, dv, dα or dβ: dq:I,J, dk:J,T, dv:J,C, "
                  "dalpha:I,J or dbeta:I,J")
      ->type_name("[dq:|dk:|dv:|dalpha:|dbeta:]I,J")
      ->group("Output");
  GradTensorOptions& t = opts->tensor;
  const char* files = "Tensors (.npy, .npz, .safetensors)";
  for (const auto& [flag, target, what] :
       {std::tuple{"--dq-out", &t.dq_out, "write dq (q's shape) to this .npy or .safetensors file"},
        std::tuple{"--dk-out", &t.dk_out, "write dk (k's shape)"},
        std::tuple{"--dv-out", &t.dv_out, "write dv (v's shape)"},
        std::tuple{"--o", &t.o, "the forward's output o (with --lse): skip running the forward"},
        std::tuple{"--lse", &t.lse,
                   "the forward's log-sum-exp (B, H, S_q), as attend --lse-out "
                   "writes it (with --o)"}})
    cmd->add_option(flag, *target, what)->type_name("FILE")->group(files);
  cmd->add_option("--layout", t.layout, "axes of q, k, v, dO and the gradients: bhsd or bshd")
      ->transform(one_of({"bhsd", "bshd"}))
      ->type_name("bhsd|bshd")
      ->group(files);
  cmd->add_option("--kv-lens", t.kv_lens, "valid keys per batch row: L1,L2,… or a file")
      ->type_name("L1,L2,…|FILE")
      ->group(files);
  cmd->add_option("--dtype", t.dtype, "compute and write in this dtype (default: the inputs')")
      ->transform(one_of({"f16", "bf16", "f32", "f64"}))
      ->type_name("f16|bf16|f32|f64")
      ->group(files);
  cmd->add_flag("--timing", t.timing, "print the milliseconds of each phase")->group(files);
  cmd->add_option("--threads", t.threads, "threads to compute with (default: one per core)")
      ->check(whole_number(0, 256))
      ->type_name("N")
      ->group(files);
  cmd->add_option("--html", opts->html,
                  "write a web page of the backward pass to FILE, each cell of dq, dk and dv "
                  "explained (with -q, nothing else)")
      ->type_name("FILE")
      ->group("Pictures");
  cmd->add_option("--tokens", opts->tokens, "names for the positions on the --html page")
      ->type_name("T1,T2,…")
      ->group("Pictures");
  cmd->callback([opts] { run_grad(*opts); });
}

}  // namespace attn::cli
