// `attn check`: grades answers files against their sheets, naming each mistake it recognises; one
// file gives a report per question, several (or a folder) a gradebook (--gradebook CSV, --json).
#include <fmt/format.h>

#include <limits>
#include <memory>

#include "attn/core/error.hpp"
#include "attn/io/output_file.hpp"
#include "attn/io/parse.hpp"
#include "attn/teach/gradebook.hpp"
#include "attn/teach/quiz_json.hpp"
#include "attn/teach/report.hpp"
#include "cli.hpp"
#include "commands.hpp"

namespace attn::cli {
namespace {

struct CheckOptions {
  std::string quiz;
  std::optional<std::uint64_t> seed;
  std::size_t count = 6;
  std::string kinds;
  std::optional<std::string> student;
  bool same_structure = false;
  std::optional<std::string> class_secret;
  bool practice = false;
  std::vector<std::string> answers;
  std::optional<std::string> students;
  std::optional<std::string> gradebook;
  bool json = false;
  std::optional<std::string> points;
  bool partial = false;
};

std::string name_of(const std::string& path) {
  return path == "-" ? "stdin" : path;
}

void run_check(const CheckOptions& o) {
  const std::vector<std::string> paths = expand_answers_paths(o.answers);
  if (std::ranges::count(paths, "-") > 1) throw usage_error("--answers names stdin twice");
  if (o.quiz == "-" && std::ranges::count(paths, "-") > 0)
    throw usage_error("--quiz and --answers cannot both read stdin");
  if (o.student && paths.size() > 1)
    throw usage_error("--student names the sheet of one answers file, but --answers names " +
                          std::to_string(paths.size()),
                      "leave out --student: each answers file names its student");

  std::optional<Quiz> common;
  attn::QuizOptions q;
  if (!o.quiz.empty()) {
    common = quiz_from_json(parse_json(read_text(o.quiz), name_of(o.quiz)), name_of(o.quiz));
  } else if (o.seed) {
    q.seed = *o.seed;
    q.count = o.count;
    if (!o.kinds.empty()) q.kinds = parse_kind_specs(o.kinds);
    q.same_structure = o.same_structure;
    if (const auto path = class_secret_path(o.class_secret, process_env()))
      q.secret = read_class_secret(*path);
  } else {
    throw usage_error(
        "give the quiz: --quiz FILE, or --seed S (with the sheet's --count, --kinds "
        "and --student)");
  }
  if (o.practice && q.secret) require_key_access(q, o.practice, "grading");
  if (o.student && !common) require_key_access(for_student(q, o.student), o.practice, "grading");
  const SheetFor sheet_for = [&](const std::optional<std::string>& named) {
    if (common) return *common;
    const QuizOptions sheet = for_student(q, o.student ? o.student : named);
    require_key_access(sheet, o.practice, "grading");
    return generate_quiz(sheet);
  };
  const std::size_t count = common ? common->questions.size() : o.count;
  GradeOptions grading;
  if (o.points) grading.points = parse_points(*o.points, count);
  grading.partial = o.partial;
  std::vector<std::string> roster;
  if (o.students) roster = parse_roster(read_text(*o.students), name_of(*o.students));

  std::vector<AnswersFile> files;
  for (const auto& p : paths) files.push_back({name_of(p), read_text(p)});
  const ClassGrades grades = grade_class(files, sheet_for, count, grading, roster);

  // One file, unreadable: its own error, as it always was.
  if (files.size() == 1 && grades.errors.size() == 1 && roster.empty())
    throw data_error(grades.errors[0].message, grades.errors[0].hint);
  for (const GradeReport& r : grades.students)
    for (const auto& w : r.warnings) warn({}, w);
  if (o.gradebook) write_file_atomically(*o.gradebook, gradebook_csv(grades));
  if (o.json)
    print_result(gradebook_json(grades).dump(2) + "\n");
  else if (files.size() == 1 && roster.empty())
    print_result(render_grades(grades.students.front()));
  else
    print_result(render_gradebook_text(grades));

  for (const FileError& e : grades.errors)
    fmt::print(stderr, "attn: error: {}\n{}", e.message,
               e.hint.empty() ? std::string() : fmt::format("hint: {}\n", e.hint));
  if (!grades.errors.empty())
    throw Error(Exit::data, fmt::format("{} of {} answers files could not be read as answers",
                                        grades.errors.size(), files.size()));
  if (grades.students.size() == 1) {
    const GradeReport& r = grades.students.front();
    if (r.right != r.graded)
      throw Error(Exit::negative,
                  fmt::format("{} of {} answers are not right", r.graded - r.right, r.graded));
    return;
  }
  std::size_t not_all_right = 0;
  for (const GradeReport& r : grades.students) not_all_right += r.right != r.graded;
  if (not_all_right > 0)
    throw Error(Exit::negative, fmt::format("{} of {} students have answers that are not right",
                                            not_all_right, grades.students.size()));
}

}  // namespace

void setup_check(CLI::App& app) {
  auto opts = std::make_shared<CheckOptions>();
  auto* cmd = app.add_subcommand(
      "check",
      describe("Grade answers to exercise sheets: each question right or wrong, the expected "
               "value and the mistake behind a wrong one; many files (or a folder) at once make a "
               "gradebook. Exit 0 when all are right, 1 otherwise, 65 when a file is not an "
               "answers file.",
               {"attn check --quiz quiz.json --answers answers.json",
                "attn check --seed 7 --answers answers.json",
                "attn check --seed 7 --count 10 --class-secret class.key --answers answers/ "
                "--gradebook grades.csv",
                "attn check --seed 7 --class-secret class.key --answers a.json b.json --json"}));
  auto* from_file = cmd->add_option("--quiz", opts->quiz,
                                    "the quiz, as written by attn quiz "
                                    "--format json (- = stdin)")
                        ->type_name("FILE")
                        ->group("Quiz");
  auto* from_seed =
      cmd->add_option("--seed", opts->seed, "regenerate the sheets from the class seed")
          ->check(whole_number(0, std::numeric_limits<std::uint64_t>::max()))
          ->type_name("S")
          ->group("Quiz");
  from_file->excludes(from_seed);
  cmd->add_option("--count", opts->count, "with --seed: the sheet's number of questions")
      ->check(whole_number(1, max_quiz_questions))
      ->type_name("1..200")
      ->needs(from_seed)
      ->group("Quiz");
  cmd->add_option("--kinds", opts->kinds, "with --seed: the sheet's kinds")
      ->type_name("LIST")
      ->needs(from_seed)
      ->group("Quiz");
  cmd->add_flag("--same-structure", opts->same_structure,
                "with --seed: the sheets were made with --same-structure")
      ->needs(from_seed)
      ->group("Quiz");
  cmd->add_option("--student", opts->student,
                  "with --seed: the student the sheet was made for (default: as each answers file "
                  "says)")
      ->type_name("NAME")
      ->needs(from_seed)
      ->group("Quiz");
  cmd->add_option(
         "--class-secret", opts->class_secret,
         fmt::format("with --seed: the class secret's file (default: ${})", class_secret_env))
      ->type_name("FILE")
      ->needs(from_seed)
      ->group("Quiz");
  cmd->add_flag("--practice", opts->practice,
                "with --seed: students' practice sheets, made without the secret")
      ->needs(from_seed)
      ->group("Quiz");
  cmd->add_option("--answers", opts->answers,
                  "answers files or folders of them, JSON: {\"student\": \"Ada\", \"answers\": "
                  "{\"1\": -0.5, \"2\": \"B\", …}} (- = stdin)")
      ->required()
      ->expected(1, -1)
      ->type_name("FILE|DIR…")
      ->group("Answers");
  cmd->add_option("--students", opts->students,
                  "the roster, one name per line: a student without a file gets a row too")
      ->type_name("FILE")
      ->group("Answers");
  cmd->add_option("--points", opts->points,
                  "points per question: one number for all or one per question (default 1)")
      ->type_name("P[,P…]")
      ->group("Grading");
  cmd->add_flag("--partial", opts->partial,
                "a vector or matrix answer earns the share of its cells that are right")
      ->group("Grading");
  cmd->add_option("--gradebook", opts->gradebook,
                  "write the gradebook as CSV: one row per student, points per question")
      ->type_name("FILE")
      ->group("Output");
  cmd->add_flag("--json", opts->json,
                "write the gradebook as JSON (per student, per question) instead of text")
      ->group("Output");
  cmd->callback([opts] { run_check(*opts); });
}

}  // namespace attn::cli
