// `attn grad`: the backward pass of attention, step by step.
#include <fmt/format.h>

#include <map>
#include <memory>

#include "attn/core/error.hpp"
#include "attn/core/grad.hpp"
#include "attn/io/grad_input.hpp"
#include "attn/jobs/tensor_attend.hpp"
#include "attn/render/grad_text.hpp"
#include "attn/render/json.hpp"
#include "cli.hpp"
#include "commands.hpp"

namespace attn::cli {
namespace {

struct GradOptions {
  InputArgs input;
  GradArgs grad;
  bool dbias = false;
  std::string explain;  // "[dq:|dk:|dv:]I,J"
  OutputOptions output;
};

void run_grad(const GradOptions& o) {
  if (o.output.format != Format::text && o.output.format != Format::json)
    throw usage_error("attn grad writes text or JSON, not --format markdown, latex or csv",
                      "drop --format, or give --json");
  if (o.output.standalone) throw usage_error("--standalone is for --format latex");
  for (const auto* operand : {&o.input.q, &o.input.k, &o.input.v})
    if (*operand && is_tensor_path(**operand))
      throw usage_error("attn grad takes literals and JSON documents; tensor files are for attend",
                        "give q, k and v as literals or in --input FILE.json");
  if (o.dbias && !o.input.bias)
    throw usage_error("--dbias needs a bias", "give --bias alibi (or another bias) as well");
  const GradInput in = load_grad_input(o.input, o.grad);
  const Run run = run_heads(in.request, Stage::output);
  check_forward_document(in, run);
  for (const auto& w : warnings(run)) warn(o.output, w);
  const Loss loss = resolve_loss(in, *run.output);
  const GradRun grad = run_backward_heads(run, loss.d_out);
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
                  "every term of one cell of dq, dk or dv: dq:I,J, dk:J,T or dv:J,C")
      ->type_name("[dq:|dk:|dv:]I,J")
      ->group("Output");
  cmd->callback([opts] { run_grad(*opts); });
}

}  // namespace attn::cli
