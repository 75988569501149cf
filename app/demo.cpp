// `attn demo`: a guided walk-through that needs no input.
#include <fmt/format.h>

#include "attn/render/text.hpp"
#include "cli.hpp"
#include "commands.hpp"

namespace attn::cli {
namespace {

struct DemoOptions {
  OutputOptions output;
};

void run_demo(const DemoOptions& o) {
  const TextOptions text = text_options(o.output);
  print_result(
      "attn demo: attention, step by step\n"
      "==================================\n\n"
      "A query asks, a key answers: their dot product, scaled by 1/√d_k, is the score β.\n"
      "Softmax turns a row of scores into weights α that sum to 1, and the output is the\n"
      "weighted sum of the values. Part 1 scores one query against one key.\n\n");

  InputArgs one;
  one.q = "2,0.5,1,-1.5";
  one.k = "1,1,-0.5,2";
  print_result(render_run(run_heads(load_input(one, Stage::scores), Stage::scores), text));
  print_result("\n  try it: attn score --q 2,0.5,1,-1.5 --k 1,1,-0.5,2\n\n");

  print_result(
      "Part 2: causal self-attention over 4 tokens. Each token may look only at itself and the\n"
      "tokens before it, so the mask sets β to -inf above the diagonal and softmax gives those\n"
      "cells weight 0.\n\n");
  InputArgs four;
  four.q = "1,0,1,0; 0,2,0,0; 1,1,0,1; 0,0,2,1";
  four.k = "1,1,0,0; 0,1,1,0; 1,0,0,1; 0,0,1,1";
  four.v = "1,0; 0,1; 1,1; 2,0";
  four.mask = "causal";
  print_result(render_run(run_heads(load_input(four, Stage::output), Stage::output), text));
  print_result(
      "\n  try it: attn attend --q \"1,0,1,0;0,2,0,0;1,1,0,1;0,0,2,1\" "
      "--k \"1,1,0,0;0,1,1,0;1,0,0,1;0,0,1,1\" --v \"1,0;0,1;1,1;2,0\" --mask causal\n"
      "\nNext: attn --help lists every command; attn attend --help shows the input formats.\n");
}

}  // namespace

void setup_demo(CLI::App& app) {
  auto opts = std::make_shared<DemoOptions>();
  auto* cmd = app.add_subcommand(
      "demo", describe("A guided walk-through of attention, every step shown. Needs no input.",
                       {"attn demo", "attn demo --digits 6"}));
  cmd->add_option("--digits", opts->output.digits, "decimals shown (default 4)")
      ->check(whole_number(0, 17))
      ->type_name("0..17");
  cmd->callback([opts] { run_demo(*opts); });
}

}  // namespace attn::cli
