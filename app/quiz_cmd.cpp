// `attn quiz`: a seeded exercise sheet with its answer key.
#include <map>
#include <memory>

#include "attn/teach/quiz_render.hpp"
#include "cli.hpp"
#include "commands.hpp"

namespace attn::cli {
namespace {

struct QuizOptions {
  std::uint64_t seed = 0;
  std::size_t count = 6;
  std::string kinds;
  std::string student;
  std::string format = "text";
  std::string key = "separate";
};

void run_quiz(const QuizOptions& o) {
  attn::QuizOptions q;
  q.seed = o.seed;
  q.count = o.count;
  if (!o.kinds.empty()) q.kinds = parse_question_kinds(o.kinds);
  if (!o.student.empty()) q.student = o.student;
  static const std::map<std::string, SheetFormat> kFormats{{"text", SheetFormat::text},
                                                           {"markdown", SheetFormat::markdown},
                                                           {"latex", SheetFormat::latex},
                                                           {"json", SheetFormat::json}};
  static const std::map<std::string, KeyMode> kKeys{{"inline", KeyMode::inline_key},
                                                    {"separate", KeyMode::separate},
                                                    {"only", KeyMode::only},
                                                    {"none", KeyMode::none}};
  print_result(render_quiz(generate_quiz(q), kFormats.at(o.format), kKeys.at(o.key)));
}

}  // namespace

void setup_quiz(CLI::App& app) {
  auto opts = std::make_shared<QuizOptions>();
  auto* cmd = app.add_subcommand(
      "quiz",
      describe("An exercise sheet on attention, with worked answers. The same seed gives the same "
               "sheet everywhere; --student gives each student their own numbers.",
               {"attn quiz --seed 7", "attn quiz --seed 7 --count 10 --student Ada --format latex",
                "attn quiz --seed 7 --kinds score,weights --key inline",
                "attn quiz --seed 7 --format json > quiz.json"}));
  cmd->add_option("--seed", opts->seed, "the class seed, printed on the sheet")
      ->required()
      ->type_name("S")
      ->group("Sheet");
  cmd->add_option("--count", opts->count, "number of questions (default 6)")
      ->check(CLI::Range(std::size_t{1}, max_quiz_questions).description(""))
      ->type_name("1..200")
      ->group("Sheet");
  cmd->add_option("--kinds", opts->kinds,
                  "question kinds, comma-separated: score,weights,output,mask,order,scaling,bias "
                  "(default all)")
      ->type_name("LIST")
      ->group("Sheet");
  cmd->add_option("--student", opts->student, "derive this student's own sheet from the class seed")
      ->type_name("NAME")
      ->group("Sheet");
  // Strings, mapped in run_quiz, so that a mistyped value is reported as "pdf not in {…}".
  cmd->add_option("--format", opts->format, "text (default), markdown, latex or json")
      ->transform(CLI::IsMember({"text", "markdown", "latex", "json"}, CLI::ignore_case))
      ->type_name("text|markdown|latex|json")
      ->group("Output");
  cmd->add_option("--key", opts->key,
                  "answers after each question, after the sheet (default), alone, or none")
      ->transform(CLI::IsMember({"inline", "separate", "only", "none"}, CLI::ignore_case))
      ->type_name("inline|separate|only|none")
      ->group("Output");
  cmd->callback([opts] { run_quiz(*opts); });
}

}  // namespace attn::cli
