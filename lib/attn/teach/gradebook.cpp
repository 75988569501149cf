#include "attn/teach/gradebook.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "attn/core/error.hpp"

namespace attn {
namespace {

// What identifies a sheet in an answers file: its id, or a practice sheet's seed.
std::string sheet_key(const Quiz& quiz) {
  return quiz.keyed ? quiz.sheet_id : fmt::format("seed {}", quiz.seed);
}

std::optional<std::string> claimed_key(const StudentAnswers& a, const Quiz& quiz) {
  if (quiz.keyed && a.sheet) return *a.sheet;
  if (!quiz.keyed && a.seed) return fmt::format("seed {}", *a.seed);
  return std::nullopt;
}

std::string whose(const std::optional<std::string>& student) {
  return student ? fmt::format("{}'s", *student) : std::string("the class's common");
}

}  // namespace

ClassGrades grade_class(std::span<const AnswersFile> files, const SheetFor& sheet_for,
                        std::size_t question_count, const GradeOptions& options,
                        std::span<const std::string> roster) {
  ClassGrades out;
  out.question_count = question_count;
  // Every sheet this run knows, by what identifies it, and the claim each file makes.
  std::map<std::string, std::optional<std::string>> owner;
  std::vector<std::optional<std::string>> claims;
  std::map<std::string, std::string> first_file;  // student → the first file naming them
  const std::set<std::string> on_roster(roster.begin(), roster.end());
  for (const AnswersFile& f : files) {
    StudentAnswers a;
    try {
      a = parse_answers(f.text, f.name, question_count);
    } catch (const Error& e) {
      out.errors.push_back({f.name, e.what(), e.hint()});
      continue;
    }
    const Quiz quiz = sheet_for(a.student);
    owner.emplace(sheet_key(quiz), quiz.student);
    GradeReport r = grade(quiz, a, f.name, options);
    if (a.student) {
      const auto [it, fresh] = first_file.emplace(*a.student, f.name);
      if (!fresh)
        r.warnings.push_back(fmt::format("{}: {} answers again (also in {}); both are graded",
                                         f.name, whose(a.student), it->second));
      if (!on_roster.empty() && !on_roster.contains(*a.student))
        r.warnings.push_back(fmt::format("{}: \"{}\" is not on the roster", f.name, *a.student));
    }
    claims.push_back(claimed_key(a, quiz));
    out.students.push_back(std::move(r));
  }
  for (const std::string& name : roster) {
    const Quiz quiz = sheet_for(name);
    owner.emplace(sheet_key(quiz), quiz.student);
    if (first_file.contains(name)) continue;
    GradeReport r = grade(quiz, StudentAnswers{}, "", options);
    r.warnings.push_back(fmt::format("no answers from {} (on the roster)", name));
    out.students.push_back(std::move(r));
  }
  // A file whose sheet id or seed is another sheet's: say whose.
  for (std::size_t n = 0; n < claims.size(); ++n) {
    if (!claims[n]) continue;
    GradeReport& r = out.students[n];
    const std::string own = r.keyed ? r.sheet_id : fmt::format("seed {}", r.seed);
    if (*claims[n] == own) continue;
    if (const auto it = owner.find(*claims[n]); it != owner.end())
      r.warnings.push_back(fmt::format("{}: {} is {} sheet; graded against {} sheet, as labelled",
                                       r.file, *claims[n], whose(it->second), whose(r.student)));
  }
  return out;
}

std::vector<std::string> expand_answers_paths(std::span<const std::string> paths) {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  for (const std::string& p : paths) {
    std::error_code ec;
    if (p != "-" && fs::is_directory(p, ec)) {
      std::vector<std::string> found;
      for (const auto& e : fs::directory_iterator(p, ec))
        if (e.path().extension() == ".json" && !e.is_directory())
          found.push_back(e.path().string());
      if (ec)
        throw Error(Exit::no_input,
                    fmt::format("cannot read the folder '{}': {}", p, ec.message()));
      std::ranges::sort(found);
      if (found.empty())
        throw Error(Exit::no_input, fmt::format("the folder '{}' holds no .json answers files", p));
      out.insert(out.end(), found.begin(), found.end());
    } else {
      out.push_back(p);
    }
  }
  return out;
}

std::vector<std::string> parse_roster(std::string_view text, std::string_view what) {
  std::vector<std::string> names;
  std::size_t start = 0, line = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view name = text.substr(start, end - start);
    start = end + 1;
    ++line;
    while (!name.empty() && (name.back() == '\r' || name.back() == ' ' || name.back() == '\t'))
      name.remove_suffix(1);
    while (!name.empty() && (name.front() == ' ' || name.front() == '\t')) name.remove_prefix(1);
    if (name.empty() || name.front() == '#') continue;
    if (std::ranges::find(names, name) != names.end())
      throw data_error(fmt::format("{}: line {}: \"{}\" is on the roster twice", what, line, name),
                       "give each student once: their sheets would be the same");
    names.emplace_back(name);
  }
  if (names.empty())
    throw data_error(fmt::format("{}: the roster names no student", what),
                     "write one student name per line");
  return names;
}

}  // namespace attn
