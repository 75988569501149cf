// Grading a class: many answers files in one run, each against the sheet of the student it names
// (or one common sheet), with the checks that catch a mislabelled file: a sheet id or seed that is
// another student's, two files for one student, a student not on the roster or missing from it.
// A file that cannot be read as answers is reported and left out; the others are graded.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "attn/teach/grade.hpp"

namespace attn {

struct AnswersFile {
  std::string name;  // as given, for messages and the gradebook ("answers/ada.json", "stdin")
  std::string text;
};

struct FileError {
  std::string file;
  std::string message;
  std::string hint;
};

struct ClassGrades {
  std::size_t question_count = 0;
  std::vector<GradeReport> students;  // in the order of the files, then roster students without one
  std::vector<FileError> errors;      // files that are not answers files at all
};

// The sheet a student's answers are graded against; nullopt: the class's common sheet.
using SheetFor = std::function<Quiz(const std::optional<std::string>& student)>;

// Grades every file. `roster` (may be empty) names the students expected: one without a file gets
// a row of missing answers, a file naming someone else a warning.
ClassGrades grade_class(std::span<const AnswersFile> files, const SheetFor& sheet_for,
                        std::size_t question_count, const GradeOptions& options,
                        std::span<const std::string> roster = {});

// The answers files named on the command line: files as given, and for a directory its *.json
// files in name order. A missing path is exit 66.
std::vector<std::string> expand_answers_paths(std::span<const std::string> paths);

// A roster file: one student name per line; blank lines and lines starting with '#' are skipped,
// a name given twice is a data error.
std::vector<std::string> parse_roster(std::string_view text, std::string_view what);

}  // namespace attn
