// `attn explain`: why each step of attention exists.
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "attn/core/error.hpp"
#include "attn/mask/translate_rope.hpp"
#include "attn/render/rope_translation.hpp"
#include "attn/teach/explain.hpp"
#include "attn/teach/explain_rope.hpp"
#include "cli.hpp"
#include "commands.hpp"

namespace attn::cli {
namespace {

struct ScalingCmdOptions {
  ScalingOptions scaling;
  std::string dims;  // --dk D,D,…, split by run_scaling so that an empty item is refused
  OutputOptions output;
};

struct StepsOptions {
  bool json = false;
};

struct RopeCmdOptions {
  RopeExplainOptions rope;
  std::optional<RopeStyle> style;  // the pairing --as translates
  std::string as;                  // a library, an alias or "all"
  OutputOptions output;
};

void run_rope(const RopeCmdOptions& o, const Given& given) {
  if (given("--digits") && o.output.json) refuse("--digits", "with --json, which has every digit");
  if (o.style && o.as.empty())
    throw usage_error("--style picks the pairing --as translates",
                      "add --as hf, gptj, flash-attn, llama or all");
  const RopeReport report = explain_rope(o.rope);
  const NumberStyle number{o.output.digits};
  nlohmann::ordered_json json = rope_to_json(report);
  std::string text = render_rope_text(report, number);
  if (!o.as.empty()) {
    const std::vector<RopeLibrary> libraries = parse_rope_libraries(o.as);
    const RopeExample example =
        rope_example({o.rope.dim, o.rope.base, o.style.value_or(RopeStyle::half)});
    std::vector<RopeTranslation> translations;
    for (RopeLibrary lib : libraries) translations.push_back(translate_rope(example, lib));
    json["translation"] = rope_translations_to_json(example, translations);
    text += "\n" + render_rope_translations(example, translations, number);
  }
  print_result(o.output.json ? json.dump() + "\n" : text);
}

void run_scaling(const ScalingCmdOptions& o, const Given& given) {
  if (given("--digits") && o.output.json) refuse("--digits", "with --json, which has every digit");
  ScalingOptions options = o.scaling;
  if (given("--dk")) options.dims = parse_number_list(o.dims, "--dk", 1, std::size_t{1} << 20);
  const ScalingReport report = explain_scaling(options);
  print_result(o.output.json ? scaling_to_json(report).dump() + "\n"
                             : render_scaling_text(report, NumberStyle{o.output.digits}));
}

void run_steps(const StepsOptions& o) {
  print_result(o.json ? steps_to_json(pipeline_steps()).dump() + "\n"
                      : render_steps_text(pipeline_steps()));
}

}  // namespace

void setup_explain(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "explain", describe("Why each step of attention exists.",
                          {"attn explain steps", "attn explain scaling", "attn explain rope",
                           "attn explain scaling --dk 16,256 --trials 500 --json"}));
  cmd->require_subcommand(1);

  auto scaling = std::make_shared<ScalingCmdOptions>();
  scaling->output.digits = 3;
  auto* sc = cmd->add_subcommand(
      "scaling",
      describe("An experiment on random unit-variance q and k: the variance of q·k with and "
               "without 1/√d_k, how peaked softmax gets, the size of its Jacobian, and the "
               "gradients that reach q and k (one backward pass per trial).",
               {"attn explain scaling", "attn explain scaling --dk 1,10,100 --n 8 --seed 3",
                "attn explain scaling --json"}));
  sc->add_option("--dk", scaling->dims, "the d_k values (default 4,16,64,256,1024)")
      ->type_name("D,D,…")
      ->group("Computation");
  sc->add_option("--n", scaling->scaling.keys, "keys per query (default 16)")
      ->check(whole_number(2, std::size_t{1} << 16))
      ->type_name("2..65536")
      ->group("Computation");
  sc->add_option("--trials", scaling->scaling.trials, "queries drawn per d_k (default 2000)")
      ->check(whole_number(2, std::size_t{1} << 24))
      ->type_name("N")
      ->group("Computation");
  sc->add_option("--seed", scaling->scaling.seed, "seed of the random numbers (default 1)")
      ->check(whole_number(0, std::numeric_limits<std::uint64_t>::max()))
      ->type_name("S")
      ->group("Computation");
  sc->add_flag("--json", scaling->output.json, "write one JSON object instead of the table")
      ->group("Output");
  sc->add_option("--digits", scaling->output.digits, "decimals shown (default 3)")
      ->check(whole_number(0, 17))
      ->type_name("0..17")
      ->group("Output");
  sc->callback([scaling, sc] { run_scaling(*scaling, Given(sc)); });

  auto steps = std::make_shared<StepsOptions>();
  auto* st = cmd->add_subcommand(
      "steps", describe("The pipeline in order: each step's formula, the shape it produces and "
                        "why it is there.",
                        {"attn explain steps", "attn explain steps --json"}));
  st->add_flag("--json", steps->json, "write one JSON object")->group("Output");
  st->callback([steps] { run_steps(*steps); });

  auto rope = std::make_shared<RopeCmdOptions>();
  auto* ro = cmd->add_subcommand(
      "rope", describe("Rotary position embeddings in numbers: the score depends on m − n only, "
                       "how it varies with distance, and how the two pairings relate.",
                       {"attn explain rope", "attn explain rope --dim 4 --base 100",
                        "attn explain rope --dim 4 --as hf",
                        "attn explain rope --dim 4 --style interleaved --as all",
                        "attn explain rope --json"}));
  ro->add_option("--dim", rope->rope.dim, "the dimension d, even (default 8)")
      ->check(whole_number(2, std::size_t{1} << 16))
      ->type_name("D")
      ->group("Computation");
  ro->add_option("--base", rope->rope.base, "θ_i = B^(−2i/d) (default 10000)")
      ->check(real_number())
      ->type_name("B")
      ->group("Computation");
  ro->add_option("--max-distance", rope->rope.max_distance,
                 "distances shown: 0, 1, 2, 4, … up to N (default 1024)")
      ->check(whole_number(1, std::uint64_t{1} << 40))
      ->type_name("N")
      ->group("Computation");
  static const std::map<std::string, RopeStyle> kStyle{{"half", RopeStyle::half},
                                                       {"interleaved", RopeStyle::interleaved}};
  ro->add_option("--style", rope->style,
                 "the pairing --as translates: half (default) or interleaved")
      ->transform(CLI::CheckedTransformer(kStyle, CLI::ignore_case).description(""))
      ->type_name("half|interleaved")
      ->group("Translation");
  ro->add_option("--as", rope->as,
                 "how hf, gptj, flash-attn, llama (Meta's), or all spell this rotation")
      ->type_name("LIB")
      ->group("Translation");
  ro->add_flag("--json", rope->output.json, "write one JSON object instead of the tables")
      ->group("Output");
  ro->add_option("--digits", rope->output.digits, "decimals shown (default 4)")
      ->check(whole_number(0, 17))
      ->type_name("0..17")
      ->group("Output");
  ro->callback([rope, ro] { run_rope(*rope, Given(ro)); });
}

}  // namespace attn::cli
