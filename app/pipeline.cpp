// `attn score`, `attn weights` and `attn attend`: one pipeline, run to three different stages.
#include <fmt/format.h>

#include <memory>

#include "attn/render_json.hpp"
#include "attn/render_text.hpp"
#include "cli.hpp"
#include "commands.hpp"

namespace attn::cli {
namespace {

struct PipelineOptions {
  InputArgs input;
  OutputOptions output;
};

void run_pipeline(const PipelineOptions& o, Stage stage) {
  const LoadedInput in = load_input(o.input, stage);
  const Run run = compute(in, stage);
  for (const auto& w : warnings(run, o.input.empty_rows)) warn(o.output, w);
  print_result(o.output.json ? run_to_json(in, run, stage).dump() + "\n"
                             : render_run(in, run, stage, text_options(o.output)));
}

void setup_pipeline(CLI::App& app, const char* name, const std::string& description, Stage stage) {
  auto opts = std::make_shared<PipelineOptions>();
  auto* cmd = app.add_subcommand(name, description);
  add_input_options(*cmd, opts->input, stage);
  add_output_options(*cmd, opts->output);
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
  setup_pipeline(app, "attend",
                 describe("Attention output: o_i = Σ_j α_ij v_j, every step worked out.",
                          {"attn attend --q 1,0 --k \"1,0;0,1\" --v \"1,2;3,4\"",
                           "attn attend --input data/examples/causal-self-attention.json",
                           "attn attend --input - --json < problem.json"}),
                 Stage::output);
}

}  // namespace attn::cli
