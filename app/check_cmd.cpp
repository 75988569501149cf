// `attn check`: grades an answers file against a quiz, naming each mistake it recognises.
#include <fmt/format.h>

#include <memory>

#include "attn/core/error.hpp"
#include "attn/teach/grade.hpp"
#include "attn/io/parse.hpp"
#include "attn/teach/quiz_render.hpp"
#include "cli.hpp"
#include "commands.hpp"

namespace attn::cli {
namespace {

struct CheckOptions {
  std::string quiz;
  std::optional<std::uint64_t> seed;
  std::size_t count = 6;
  std::string kinds;
  std::string student;
  std::string answers;
};

void run_check(const CheckOptions& o) {
  if (o.answers == "-" && o.quiz == "-")
    throw usage_error("--quiz and --answers cannot both read stdin");
  Quiz quiz;
  if (!o.quiz.empty()) {
    const std::string what = o.quiz == "-" ? "stdin" : o.quiz;
    quiz = quiz_from_json(parse_json(read_text(o.quiz), what), what);
  } else if (o.seed) {
    attn::QuizOptions q;
    q.seed = *o.seed;
    q.count = o.count;
    if (!o.kinds.empty()) q.kinds = parse_question_kinds(o.kinds);
    if (!o.student.empty()) q.student = o.student;
    quiz = generate_quiz(q);
  } else {
    throw usage_error(
        "give the quiz: --quiz FILE, or --seed S (with the sheet's --count, --kinds "
        "and --student)");
  }
  const std::string what = o.answers == "-" ? "stdin" : o.answers;
  const StudentAnswers answers = parse_answers(read_text(o.answers), what, quiz.questions.size());
  const GradeReport report = grade(quiz, answers, what);
  print_result(render_grades(report));
  if (report.right != report.verdicts.size())
    throw Error(Exit::negative,
                fmt::format("{} of {} answers are not right", report.verdicts.size() - report.right,
                            report.verdicts.size()));
}

}  // namespace

void setup_check(CLI::App& app) {
  auto opts = std::make_shared<CheckOptions>();
  auto* cmd = app.add_subcommand(
      "check",
      describe("Grade answers to an exercise sheet: each question right or wrong, the expected "
               "value and the mistake behind a wrong one. Exit 0 when all are right, 1 otherwise.",
               {"attn check --quiz quiz.json --answers answers.json",
                "attn check --seed 7 --answers answers.json",
                "attn check --seed 7 --count 10 --student Ada --answers ada.json"}));
  auto* from_file = cmd->add_option("--quiz", opts->quiz,
                                    "the quiz, as written by attn quiz "
                                    "--format json (- = stdin)")
                        ->type_name("FILE")
                        ->group("Quiz");
  auto* from_seed = cmd->add_option("--seed", opts->seed, "regenerate the quiz from its class seed")
                        ->type_name("S")
                        ->group("Quiz");
  from_file->excludes(from_seed);
  cmd->add_option("--count", opts->count, "with --seed: the sheet's number of questions")
      ->check(CLI::Range(std::size_t{1}, max_quiz_questions).description(""))
      ->type_name("1..200")
      ->needs(from_seed)
      ->group("Quiz");
  cmd->add_option("--kinds", opts->kinds, "with --seed: the sheet's kinds")
      ->type_name("LIST")
      ->needs(from_seed)
      ->group("Quiz");
  cmd->add_option("--student", opts->student, "with --seed: the student the sheet was made for")
      ->type_name("NAME")
      ->needs(from_seed)
      ->group("Quiz");
  cmd->add_option("--answers", opts->answers,
                  "the answers, JSON: {\"answers\": {\"1\": -0.5, \"2\": \"B\", …}} (- = stdin)")
      ->required()
      ->type_name("FILE")
      ->group("Answers");
  cmd->callback([opts] { run_check(*opts); });
}

}  // namespace attn::cli
