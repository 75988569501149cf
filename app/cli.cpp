#include "cli.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <map>

namespace attn::cli {

void add_input_options(CLI::App& cmd, InputArgs& args, Stage stage) {
  const char* input = "Input";
  cmd.add_option("--q", args.q,
                 "queries: a vector 2,0.5,1,-1.5, a matrix \"1,0;0,1\", JSON, or @file")
      ->type_name("VEC|MAT")
      ->group(input);
  cmd.add_option("--k", args.k, "keys, one row per key, as --q")
      ->type_name("VEC|MAT")
      ->group(input);
  if (stage == Stage::output)
    cmd.add_option("--v", args.v, "values, one row per key, as --q")
        ->type_name("VEC|MAT")
        ->group(input);
  if (stage == Stage::weights)
    cmd.add_option("--scores", args.scores,
                   "take these scores straight to softmax (-inf = blocked) instead of --q/--k")
        ->type_name("ROW|MAT")
        ->group(input);
  cmd.add_option("--input", args.input,
                 "read a JSON document {\"q\":…,\"k\":…,…} from FILE (- = stdin)")
      ->type_name("FILE")
      ->group(input);

  const char* computation = "Computation";
  cmd.add_option("--scale", args.scale, "multiply q·k by C instead of 1/√d_k")
      ->type_name("C")
      ->group(computation);
  cmd.add_flag("--no-scale", args.no_scale, "do not scale: c = 1")->group(computation);
  cmd.add_option("--mask", args.mask,
                 "causal, none, an expression like causal&window:3, or a matrix (JSON or @file)")
      ->type_name("EXPR|MAT")
      ->group(computation);
  cmd.add_option("--bias", args.bias,
                 "add a positional bias: alibi, alibi:SLOPE, t5, t5:causal, relative:V,…, or a "
                 "matrix (JSON or @file)")
      ->type_name("KIND|MAT")
      ->group(computation);
  cmd.add_option("--bias-table", args.bias_table, "the t5 bias's value per bucket (JSON or @file)")
      ->type_name("VALUES")
      ->group(computation);
  cmd.add_option("--softcap", args.softcap, "cap scores at ±C with C·tanh(β/C) (Gemma 2: 50)")
      ->type_name("C")
      ->group(computation);
  cmd.add_option("--heads", args.heads, "split q, k, v into H heads (q has H·d_k columns)")
      ->type_name("H")
      ->group(computation);
  cmd.add_option("--kv-heads", args.kv_heads,
                 "key/value heads for grouped-query attention (default H; 1 = multi-query)")
      ->type_name("G")
      ->group(computation);
  cmd.add_option("--head", args.head, "show only head h (from 1)")
      ->type_name("h")
      ->group(computation);
  static const std::map<std::string, Align> kAlign{{"bottom-right", Align::bottom_right},
                                                   {"top-left", Align::top_left}};
  cmd.add_option("--align", args.align,
                 "where queries sit when n_q ≠ n_k: the last positions (default) or the first")
      ->transform(CLI::CheckedTransformer(kAlign, CLI::ignore_case).description(""))
      ->type_name("bottom-right|top-left")
      ->group(computation);
  if (stage != Stage::scores) {
    static const std::map<std::string, EmptyRows> kEmpty{{"zero", EmptyRows::zero},
                                                         {"nan", EmptyRows::nan},
                                                         {"uniform", EmptyRows::uniform},
                                                         {"error", EmptyRows::error}};
    cmd.add_option("--empty-rows", args.empty_rows,
                   "what a row with every key blocked gets (default zero)")
        ->transform(CLI::CheckedTransformer(kEmpty, CLI::ignore_case).description(""))
        ->type_name("zero|nan|uniform|error")
        ->group(computation);
  }
}

void add_output_options(CLI::App& cmd, OutputOptions& out) {
  const char* output = "Output";
  cmd.add_flag("--json", out.json, "write one JSON object instead of the worked steps")
      ->group(output);
  cmd.add_option("--digits", out.digits, "decimals shown in text output (default 4)")
      ->check(CLI::Range(0, 17).description(""))
      ->type_name("0..17")
      ->group(output);
  cmd.add_flag("-q,--quiet", out.quiet, "no warnings or notes on stderr")->group(output);
}

TextOptions text_options(const OutputOptions& out) {
  TextOptions t;
  t.number.digits = out.digits;
  return t;
}

void print_result(std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
}

void warn(const OutputOptions& out, std::string_view message) {
  if (!out.quiet) fmt::print(stderr, "attn: warning: {}\n", message);
}

std::string describe(std::string_view summary, std::initializer_list<std::string_view> examples) {
  std::string text = fmt::format("{}\n\nExamples:\n", summary);
  for (std::string_view e : examples) text += fmt::format("  {}\n", e);
  return text;
}

}  // namespace attn::cli
