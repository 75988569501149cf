#include "attn/teach/gradebook.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "attn/core/error.hpp"

namespace fs = std::filesystem;

namespace {

attn::QuizOptions class_options() {
  attn::QuizOptions o;
  o.seed = 11;
  o.count = 2;
  o.kinds = attn::parse_kind_specs("score:plain,output");
  o.secret = attn::ClassSecret{};
  o.secret->bytes.fill(3);
  return o;
}

attn::SheetFor sheets() {
  return [](const std::optional<std::string>& s) {
    return attn::generate_quiz(attn::for_student(class_options(), s));
  };
}

// The right answers of `name`'s sheet as an answers file, labelled with `label`'s id.
std::string right_answers(const std::string& name, const std::string& label) {
  const attn::Quiz q = sheets()(name);
  const attn::Quiz l = sheets()(label);
  const auto number = [](double x) { return fmt::format("{}", x); };
  std::string out = fmt::format(R"({{"student": "{}", "sheet": "{}", "answers": {{"1": {}, "2": [)",
                                name, l.sheet_id, number(q.questions[0].answer.values(0, 0)));
  const auto& o = q.questions[1].answer.values;
  for (std::size_t j = 0; j < o.cols(); ++j) out += (j ? ", " : "") + number(o(0, j));
  return out + "]}}";
}

}  // namespace

TEST_CASE("grade_class: each file against its student's sheet; a bad file is left out") {
  const std::vector<attn::AnswersFile> files{
      {"ada.json", right_answers("Ada", "Ada")},
      {"bob.json", right_answers("Bob", "Ada")},  // Bob wrote Ada's sheet id on his
      {"bad.json", "{\"answers\": {\"1\": 1,}}"},
      {"eve.json", R"({"student": "Eve", "answers": {"1": 0}})"},
      {"ada2.json", right_answers("Ada", "Ada")}};
  const std::vector<std::string> roster{"Ada", "Bob", "Cy"};
  const attn::ClassGrades g = attn::grade_class(files, sheets(), 2, {}, roster);
  REQUIRE(g.errors.size() == 1);
  CHECK(g.errors[0].file == "bad.json");
  CHECK(g.errors[0].message.starts_with("bad.json: malformed JSON at line 1"));
  REQUIRE(g.students.size() == 5);  // ada, bob, eve, ada2, and Cy from the roster
  CHECK(g.students[0].right == 2);
  CHECK(g.students[0].warnings.empty());
  CHECK(g.students[1].right == 2);  // graded against Bob's own sheet, as labelled
  const std::string ada_id = sheets()("Ada").sheet_id, bob_id = sheets()("Bob").sheet_id;
  REQUIRE(g.students[1].warnings.size() == 2);
  CHECK(g.students[1].warnings[0] ==
        fmt::format("bob.json: the answers name sheet {}, but Bob's sheet is {}", ada_id, bob_id));
  CHECK(
      g.students[1].warnings[1] ==
      fmt::format("bob.json: {} is Ada's sheet; graded against Bob's sheet, as labelled", ada_id));
  CHECK(g.students[2].warnings ==
        std::vector<std::string>{"eve.json: \"Eve\" is not on the roster"});
  CHECK(g.students[3].warnings ==
        std::vector<std::string>{
            "ada2.json: Ada's answers again (also in ada.json); both are graded"});
  CHECK(g.students[4].student == "Cy");
  CHECK(g.students[4].right == 0);
  CHECK(g.students[4].warnings == std::vector<std::string>{"no answers from Cy (on the roster)"});
}

TEST_CASE("expand_answers_paths: a folder's .json files in name order") {
  const fs::path dir = fs::temp_directory_path() / fmt::format("attn-answers-{}", ::getpid());
  fs::create_directories(dir / "sub");
  for (const char* name : {"b.json", "a.json", "notes.txt"}) std::ofstream(dir / name) << "{}";
  const auto paths = attn::expand_answers_paths(std::vector<std::string>{dir.string(), "x.json"});
  CHECK(paths ==
        std::vector<std::string>{(dir / "a.json").string(), (dir / "b.json").string(), "x.json"});
  CHECK_THROWS_AS(attn::expand_answers_paths(std::vector<std::string>{(dir / "sub").string()}),
                  attn::Error);
  fs::remove_all(dir);
}

TEST_CASE("parse_roster") {
  CHECK(attn::parse_roster("# class 3b\nAda Lovelace\n\n  Alan Turing \r\n", "r.txt") ==
        std::vector<std::string>{"Ada Lovelace", "Alan Turing"});
  CHECK_THROWS_WITH_AS(attn::parse_roster("Ada\nBob\nAda\n", "r.txt"),
                       "r.txt: line 3: \"Ada\" is on the roster twice", attn::Error);
  CHECK_THROWS_WITH_AS(attn::parse_roster("# nobody\n", "r.txt"),
                       "r.txt: the roster names no student", attn::Error);
}
