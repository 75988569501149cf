// A student's answers file, read strictly. data/answers-example.json is a complete example:
//   {"format": "attn-answers",         optional; the only value allowed
//    "format_version": 1,              optional; 1 is the only version
//    "comment": "…",                   optional, ignored
//    "student": "Ada",                 the student the sheet was made for
//    "sheet": "7K3Q-M2XD",             the sheet id printed on a sheet made with a class secret
//    "seed": 7,                        or a practice sheet's seed
//    "answers": {                      required: question number → answer
//      "1": -0.5,                      a number (score, bias)
//      "2": "-inf",                    −∞ as "-inf" or "-Infinity"
//      "3": [0.09, 0.245, 0.665],      a vector (weights of one row, output)
//      "4": [[0.5, 0.5], [0.1, 0.9]],  a matrix (weights of several rows)
//      "5": "B",                       a letter (mask, scaling)
//      "6": "CAEBD",                   letters in order (order); ["C","A",…] or "C,A,E,B,D" too
//      "7": "Without the factor …"}}   free text (analyse, marked by hand)
//
// A file that cannot be read as answers at all is a data error (exit 65) naming the place:
// malformed JSON (with its line and column), a key given twice, an unknown key (with the nearest
// known one), another format_version, a missing "answers", or an answers key that is not a
// question number. A single answer of the wrong type is not an error here: grading marks that
// question wrong with the reason, and goes on.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace attn {

struct StudentAnswers {
  std::optional<std::uint64_t> seed;
  std::optional<std::string> student;
  std::optional<std::string> sheet;
  std::map<std::size_t, nlohmann::json> answers;  // question number → the answer as written
};

// `question_count` bounds the answers' keys.
StudentAnswers parse_answers(std::string_view text, std::string_view what,
                             std::size_t question_count);

// The hint every answers-file error ends with.
std::string_view answers_hint();

}  // namespace attn
