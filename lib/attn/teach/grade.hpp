// Grading one student's answers to one sheet, question by question: right or wrong within the
// tolerance, the points earned (with partial credit for matrix answers when asked), and the
// mistake behind a wrong answer. Mistakes are found by recomputing, with the library, what each
// classic slip would give (teach/slips) and comparing the student's value with it; a wrong
// multiple-choice option names the mistake it stands for. A malformed answer marks its question
// wrong with the reason; free responses are left to be marked by hand.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "attn/teach/answers.hpp"
#include "attn/teach/quiz.hpp"

namespace attn {

enum class Outcome { right, wrong, missing, by_hand };

struct Verdict {
  std::size_t number = 0;
  QuestionKind kind = QuestionKind::score;
  std::string variant;
  Outcome outcome = Outcome::missing;
  Answer expected;
  std::optional<Answer> given;        // as read; empty when missing or malformed
  std::optional<nlohmann::json> raw;  // the answer as written in the file
  std::string mistake;                // the mistake's id: a slip, a choice's id, "malformed", …
  // Markup lines ($…$ math): the mistake recognised, or what is wrong with the shape.
  std::vector<std::string> notes;
  double points = 0;      // earned (0 for a free response until marked by hand)
  double max_points = 1;  // what the question is worth
  double share = 0;       // the share of cells right, for matrix answers
};

struct GradeOptions {
  std::vector<double> points;  // per question; empty: the quiz's own
  bool partial = false;        // matrix answers earn the share of their cells that are right
};

struct GradeReport {
  std::uint64_t seed = 0;
  bool keyed = false;
  std::string sheet_id;
  std::optional<std::string> student;
  std::string version;
  std::string file;  // where the answers came from
  double tolerance = answer_tolerance;
  std::vector<Verdict> verdicts;
  std::size_t right = 0;              // questions right
  std::size_t graded = 0;             // questions graded automatically (all but free responses)
  double points = 0, max_points = 0;  // over the automatically graded questions
  double by_hand_points = 0;          // what the free responses are worth
  // The file does not match the sheet: another seed, sheet id or student (one line each).
  std::vector<std::string> warnings;
};

// Grades every question of `quiz`; `what` names the answers in messages. Never throws for what a
// student wrote: a mismatched seed, sheet id or student is a warning in the report.
GradeReport grade(const Quiz& quiz, const StudentAnswers& answers, std::string_view what,
                  const GradeOptions& options = {});

}  // namespace attn
