// `attn quiz`: seeded exercise sheets with their answer keys, for one student, a class (--students)
// or an LMS (--format moodle|gift); --init-secret makes the class secret that keeps keys private.
#include <fmt/format.h>

#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <set>

#include "attn/core/error.hpp"
#include "attn/io/output_file.hpp"
#include "attn/io/parse.hpp"
#include "attn/teach/gift.hpp"
#include "attn/teach/gradebook.hpp"
#include "attn/teach/moodle.hpp"
#include "attn/teach/sheet.hpp"
#include "cli.hpp"
#include "commands.hpp"

namespace attn::cli {
namespace {

struct QuizCmdOptions {
  std::optional<std::uint64_t> seed;
  std::size_t count = 6;
  std::string kinds;
  std::optional<std::string> student;
  std::optional<std::string> students;
  bool same_structure = false;
  std::optional<std::string> class_secret;
  std::optional<std::string> init_secret;
  bool practice = false;
  std::string format = "text";
  std::string key = "separate";
  std::optional<std::string> points;
  std::string categories = "sheet";
  std::optional<std::string> output_dir;
  bool list_kinds = false;
};

const std::map<std::string, SheetFormat> kFormats{
    {"text", SheetFormat::text}, {"markdown", SheetFormat::markdown}, {"latex", SheetFormat::latex},
    {"json", SheetFormat::json}, {"moodle", SheetFormat::moodle},     {"gift", SheetFormat::gift}};
const std::map<std::string, KeyMode> kKeys{{"inline", KeyMode::inline_key},
                                           {"separate", KeyMode::separate},
                                           {"only", KeyMode::only},
                                           {"none", KeyMode::none}};
const std::map<std::string, std::string> kExtensions{
    {"text", ".txt"}, {"markdown", ".md"}, {"latex", ".tex"}, {"json", ".json"}};

// A file name from a student's name: letters, digits, '.', '_' and '-' kept, the rest as '-'.
std::string file_stem(const std::string& name) {
  std::string out;
  for (unsigned char c : name) {
    const bool keep = std::isalnum(c) || c == '.' || c == '_' || c == '-' || c >= 0x80;
    if (keep)
      out += static_cast<char>(c);
    else if (!out.empty() && out.back() != '-')
      out += '-';
  }
  while (!out.empty() && (out.back() == '-' || out.back() == '.')) out.pop_back();
  return out.empty() ? "student" : out;
}

void init_secret(const std::string& path) {
  write_class_secret(path, new_class_secret());
  print_result(fmt::format(
      "Wrote a new class secret to {} (mode 600). Keep it private, and keep it: sheets made with "
      "it can be keyed and graded only with it.\n",
      path));
}

void run_quiz(const QuizCmdOptions& o) {
  if (o.init_secret) return init_secret(*o.init_secret);
  if (o.list_kinds) return print_result(list_kinds_text());
  if (!o.seed) throw usage_error("--seed is required", "run 'attn quiz --help'");
  const SheetFormat format = kFormats.at(o.format);
  const KeyMode key = kKeys.at(o.key);
  const bool lms = format == SheetFormat::moodle || format == SheetFormat::gift;
  if (o.categories != "sheet" && format != SheetFormat::moodle)
    throw usage_error("--categories applies to --format moodle only");
  if (o.output_dir && !o.students)
    throw usage_error("--output-dir writes one sheet per student of --students FILE");
  if (o.output_dir && lms)
    throw usage_error(fmt::format("--format {} writes one document for the whole class", o.format),
                      "leave out --output-dir and redirect the output to a file");
  if (o.students && !o.output_dir && !lms)
    throw usage_error(
        "--students needs --output-dir DIR (one sheet per student), or --format "
        "moodle or gift (one document for the class)");

  attn::QuizOptions q;
  q.seed = *o.seed;
  q.count = o.count;
  if (!o.kinds.empty()) q.kinds = parse_kind_specs(o.kinds);
  q.student = o.student;
  q.same_structure = o.same_structure;
  if (const auto path = class_secret_path(o.class_secret, process_env())) {
    q.secret = read_class_secret(*path);
    if (readable_by_others(*path))
      warn({},
           fmt::format("the class secret {} can be read by others: chmod 600 {}", *path, *path));
  }
  std::vector<std::optional<std::string>> who{o.student};
  if (o.students) {
    const std::string what = *o.students == "-" ? "stdin" : *o.students;
    const auto roster = parse_roster(read_text(*o.students), what);
    who.assign(roster.begin(), roster.end());
  }
  const std::string action =
      lms ? fmt::format("--format {}", o.format) : fmt::format("--key {}", o.key);
  for (const auto& s : who)
    if (lms || key != KeyMode::none) require_key_access(for_student(q, s), o.practice, action);
  if (o.practice && q.secret) require_key_access(q, o.practice, action);

  std::vector<Quiz> sheets;
  for (const auto& s : who) {
    sheets.push_back(generate_quiz(for_student(q, s)));
    if (o.points) sheets.back().points = parse_points(*o.points, sheets.back().questions.size());
  }
  if (format == SheetFormat::moodle)
    return print_result(render_moodle(
        sheets, o.categories == "kind" ? MoodleCategories::kind : MoodleCategories::sheet));
  if (format == SheetFormat::gift) return print_result(render_gift(sheets));
  if (!o.output_dir) return print_result(render_quiz(sheets.front(), format, key));

  const std::filesystem::path dir = *o.output_dir;
  std::set<std::string> names;
  for (const Quiz& sheet : sheets) {
    const std::string name = file_stem(*sheet.student) + kExtensions.at(o.format);
    if (!names.insert(name).second)
      throw usage_error(fmt::format("--students: two students' sheets would both be {}", name),
                        "give the students names that differ in their letters or digits");
  }
  OutputFolder folder(dir);  // removed again if not one sheet can be written
  std::string summary;
  for (const Quiz& sheet : sheets) {
    const auto path = dir / (file_stem(*sheet.student) + kExtensions.at(o.format));
    write_file_atomically(path, render_quiz(sheet, format, key));
    folder.keep();
    summary += fmt::format("{}\t{}\t{}\n", path.string(), *sheet.student,
                           sheet.keyed ? sheet.sheet_id : fmt::format("seed {}", sheet.seed));
  }
  print_result(summary);
}

}  // namespace

void setup_quiz(CLI::App& app) {
  auto opts = std::make_shared<QuizCmdOptions>();
  auto* cmd = app.add_subcommand(
      "quiz",
      describe(fmt::format(
                   "An exercise sheet on attention, with worked answers. The same seed gives the "
                   "same sheet everywhere; --student gives each student their own numbers. With "
                   "a class secret (--class-secret FILE, or the file named by {}) a student's "
                   "sheet carries a sheet id instead of its seed, and only the secret's holder "
                   "can print its key or grade it.",
                   class_secret_env),
               {"attn quiz --seed 7", "attn quiz --init-secret class.key",
                "attn quiz --seed 7 --class-secret class.key --student Ada --key none",
                "attn quiz --seed 7 --class-secret class.key --students roster.txt --format "
                "latex --key none --output-dir sheets",
                "attn quiz --seed 7 --class-secret class.key --students roster.txt --format "
                "moodle > class.xml",
                "attn quiz --seed 7 --kinds score:plain,mask:apply --key inline",
                "attn quiz --list-kinds"}));
  cmd->add_option("--seed", opts->seed, "the class seed")
      ->check(whole_number(0, std::numeric_limits<std::uint64_t>::max()))
      ->type_name("S")
      ->group("Sheet");
  cmd->add_option("--count", opts->count, "number of questions (default 6)")
      ->check(whole_number(1, max_quiz_questions))
      ->type_name("1..200")
      ->group("Sheet");
  cmd->add_option("--kinds", opts->kinds,
                  "question kinds and variants, comma-separated: score, mask:causal, … "
                  "(--list-kinds lists them; default all but gradient, rope and analyse)")
      ->type_name("LIST")
      ->group("Sheet");
  cmd->add_flag("--list-kinds", opts->list_kinds, "list the kinds and their variants")
      ->group("Sheet");
  cmd->add_flag("--same-structure", opts->same_structure,
                "every student gets the same kinds and variants in the same order, with their "
                "own numbers")
      ->group("Sheet");
  cmd->add_option("--points", opts->points,
                  "points per question, shown on LaTeX sheets and LMS exports: one number for all "
                  "or one per question (default 1; analyse: its rubric)")
      ->type_name("P[,P…]")
      ->group("Sheet");
  auto* student = cmd->add_option("--student", opts->student, "this student's own sheet")
                      ->type_name("NAME")
                      ->group("Class");
  cmd->add_option("--students", opts->students,
                  "a roster, one name per line: every student's sheet (with --output-dir, or "
                  "--format moodle or gift)")
      ->type_name("FILE")
      ->excludes(student)
      ->group("Class");
  cmd->add_option("--class-secret", opts->class_secret,
                  fmt::format("the class secret's file (default: ${})", class_secret_env))
      ->type_name("FILE")
      ->group("Class");
  cmd->add_option("--init-secret", opts->init_secret,
                  "write a new random class secret to FILE (mode 600) and stop")
      ->type_name("FILE")
      ->group("Class");
  cmd->add_flag("--practice", opts->practice,
                "a student's practice sheet without the secret: anyone can print its key")
      ->group("Class");
  // Strings, mapped in run_quiz; one_of reports a mistyped value with the choices.
  cmd->add_option("--format", opts->format, "text (default), markdown, latex, json, moodle or gift")
      ->transform(one_of({"text", "markdown", "latex", "json", "moodle", "gift"}))
      ->type_name("text|markdown|latex|json|moodle|gift")
      ->group("Output");
  cmd->add_option("--key", opts->key,
                  "answers after each question, after the sheet (default), alone, or none")
      ->transform(one_of({"inline", "separate", "only", "none"}))
      ->type_name("inline|separate|only|none")
      ->group("Output");
  cmd->add_option("--categories", opts->categories,
                  "moodle: one category per student's sheet (default) or per kind")
      ->transform(one_of({"sheet", "kind"}))
      ->type_name("sheet|kind")
      ->group("Output");
  cmd->add_option("--output-dir", opts->output_dir,
                  "with --students: write each student's sheet to DIR/NAME.EXT")
      ->type_name("DIR")
      ->group("Output");
  cmd->callback([opts] { run_quiz(*opts); });
}

}  // namespace attn::cli
