// Grading a student's answers to a quiz, and naming the mistake behind a wrong one.
//
// The answers file (data/answers-example.json is a complete example):
//   {"seed": 7,                        optional: the sheet's seed, checked against the quiz
//    "student": "Ada",                 optional, informational
//    "answers": {                      required: question number → answer
//      "1": -0.5,                      a number (score, bias)
//      "2": "-inf",                    −∞ as "-inf" or "-Infinity"
//      "3": [0.09, 0.245, 0.665],      a vector (weights of one row, output)
//      "4": [[0.5, 0.5], [0.1, 0.9]],  a matrix (weights of several rows)
//      "5": "B",                       a letter (mask, scaling)
//      "6": "CAEBD"}}                  letters in order (order); ["C","A",…] or "C,A,E,B,D" too
// A question without an answer counts as wrong. Every number is right within answer_tolerance
// (±0.01, absolute; answers are asked to 3 decimals); −∞ must be −∞.
//
// Mistakes are found by recomputing, with the library, what each classic slip would give (no
// 1/√d_k, softmax over the wrong axis, the weights paired with the wrong values, …) and comparing
// the student's value with it; a wrong multiple-choice option names the mistake it stands for.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "attn/teach/quiz.hpp"

namespace attn {

struct StudentAnswers {
  std::optional<std::uint64_t> seed;
  std::optional<std::string> student;
  std::map<std::size_t, nlohmann::json> answers;  // question number → the answer as written
};

// Parses an answers file; `what` names it in errors. Malformed JSON is a data error with its line
// and column; a missing "answers" key, a key that is not a question number, or an answer of the
// wrong type is a data error naming the key. `question_count` bounds the keys.
StudentAnswers parse_answers(std::string_view text, std::string_view what,
                             std::size_t question_count);

enum class Outcome { right, wrong, missing };

struct Verdict {
  std::size_t number = 0;
  QuestionKind kind = QuestionKind::score;
  Outcome outcome = Outcome::missing;
  Answer expected;
  std::optional<Answer> given;
  // Markup lines ($…$ math): the mistake recognised, or what is wrong with the shape.
  std::vector<std::string> notes;
};

struct GradeReport {
  std::uint64_t seed = 0;
  std::optional<std::string> student;
  std::string version;
  double tolerance = answer_tolerance;
  std::vector<Verdict> verdicts;
  std::size_t right = 0;
};

// Grades every question of `quiz`. Throws data_error when the answers' seed is not the quiz's,
// or an answer has the wrong type for its question.
GradeReport grade(const Quiz& quiz, const StudentAnswers& answers, std::string_view what);

// Whether `given` is within `tolerance` of `expected` in every cell (−∞ only matches −∞), with
// the same shape; a 1×n answer may be given as n×1.
bool matches(const Matrix& given, const Matrix& expected, double tolerance = answer_tolerance);

}  // namespace attn
