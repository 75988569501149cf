#include "attn/teach/answers.hpp"

#include <doctest/doctest.h>

#include "attn/core/error.hpp"

namespace {

struct Failure {
  std::string message, hint;
  attn::Exit code = attn::Exit::ok;
};

Failure error_of(const std::string& text, std::size_t count = 3) {
  try {
    attn::parse_answers(text, "answers.json", count);
  } catch (const attn::Error& e) {
    return {e.what(), e.hint(), e.code()};
  }
  return {"no error", "", attn::Exit::ok};
}

}  // namespace

TEST_CASE("parse_answers: what a file may hold") {
  const attn::StudentAnswers a = attn::parse_answers(
      R"({"format": "attn-answers", "format_version": 1, "comment": "x", "student": "Ada",
          "sheet": "7K3Q-M2XD", "seed": 7, "answers": {"1": -0.5, "3": "B", "2": null}})",
      "answers.json", 3);
  CHECK(a.student == "Ada");
  CHECK(a.sheet == "7K3Q-M2XD");
  CHECK(a.seed == 7u);
  CHECK(a.answers.size() == 3);
  CHECK(a.answers.at(1) == -0.5);
}

TEST_CASE("parse_answers: a file that is not an answers file is a data error naming the place") {
  CHECK(error_of("{\"answers\": {\"1\": 0.5,}}")
            .message.starts_with("answers.json: malformed JSON at line 1, column 23"));
  CHECK(error_of("{\"student\": \"Ada\"}").message == "answers.json: missing key \"answers\"");
  CHECK(error_of("{\"answers\": {\"4\": 1}}").message ==
        "answers.json: answers has the key \"4\", but the keys must be question numbers from 1 "
        "to 3");
  CHECK(error_of("[1, 2]").message == "answers.json: expected a JSON object, not array");
  CHECK(error_of("{\"answers\": {\"1\": 1, \"01\": 2}}").message ==
        "answers.json: answers has question 1 twice (as \"1\")");
  for (const auto& text :
       {std::string("{\"answers\": []}"), std::string("{\"student\": 3, \"answers\": {}}")})
    CHECK(error_of(text).code == attn::Exit::data);
}

TEST_CASE("parse_answers: duplicate keys, unknown keys and other versions are refused") {
  const Failure dup = error_of(R"({"answers": {"1": 0.5, "2": 1, "1": 0.7}})");
  CHECK(dup.code == attn::Exit::data);
  CHECK(dup.message == "answers.json: the key \"1\" is given twice in \"answers\"");
  CHECK(error_of(R"({"student": "Ada", "answers": {}, "student": "Bob"})").message ==
        "answers.json: the key \"student\" is given twice");
  const Failure unknown = error_of(R"({"anwsers": {"1": 1}})");
  CHECK(unknown.code == attn::Exit::data);
  CHECK(unknown.message == "answers.json: unknown key \"anwsers\"");
  CHECK(unknown.hint.starts_with("did you mean \"answers\"?"));
  const Failure version = error_of(R"({"format_version": 99, "answers": {}})");
  CHECK(version.code == attn::Exit::data);
  CHECK(version.message == "answers.json: \"format_version\" is 99, but this attn reads version 1");
  CHECK(error_of(R"({"format": "attn-quiz", "answers": {}})").message ==
        "answers.json: \"format\" is \"attn-quiz\", not \"attn-answers\"");
  // The same key in two different objects is not a duplicate.
  CHECK(error_of(R"({"answers": {"1": [[1, 2]], "2": {"x": 1}}, "comment": {"x": 2}})").message ==
        "no error");
}
