#include "attn/teach/quiz_json.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "attn/core/error.hpp"
#include "attn/io/parse.hpp"
#include "attn/teach/solution.hpp"

using attn::QuestionKind;
namespace fs = std::filesystem;

namespace {

attn::Quiz make_quiz(std::uint64_t seed, std::size_t count, std::optional<std::string> student,
                     std::vector<attn::KindSpec> kinds = {}) {
  attn::QuizOptions o;
  o.seed = seed;
  o.count = count;
  o.student = std::move(student);
  o.kinds = std::move(kinds);
  return attn::generate_quiz(o);
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

nlohmann::json as_json(const attn::Quiz& quiz, attn::KeyMode key) {
  return nlohmann::json::parse(attn::quiz_to_json(quiz, key).dump());
}

}  // namespace

TEST_CASE("quiz JSON reads back with the same answers; a wrong stored answer is refused") {
  const attn::Quiz quiz = make_quiz(7, 14, "Ada");
  const auto doc = as_json(quiz, attn::KeyMode::separate);
  const attn::Quiz back = attn::quiz_from_json(doc, "quiz.json");
  REQUIRE(back.questions.size() == quiz.questions.size());
  CHECK(back.seed == quiz.seed);
  CHECK(back.student == quiz.student);
  for (std::size_t n = 0; n < quiz.questions.size(); ++n)
    CHECK(back.questions[n].answer == quiz.questions[n].answer);

  auto bad = doc;
  for (auto& q : bad["questions"])
    if (q["kind"] == "score") {
      q["answer"] = 123.0;
      break;
    }
  try {
    attn::quiz_from_json(bad, "quiz.json");
    FAIL("expected an error");
  } catch (const attn::Error& e) {
    CHECK(e.code() == attn::Exit::data);
    CHECK(std::string(e.what()).find("the stored answer does not match the question") !=
          std::string::npos);
  }
  const auto no_key = as_json(quiz, attn::KeyMode::none);
  CHECK_THROWS_WITH_AS(attn::quiz_from_json(no_key, "quiz.json"),
                       "quiz.json: questions[0]: no answer", attn::Error);
  auto unknown_variant = doc;
  unknown_variant["questions"][0]["variant"] = "nosuch";
  CHECK_THROWS_WITH_AS(attn::quiz_from_json(unknown_variant, "quiz.json"),
                       "quiz.json: questions[0]: score has no variant \"nosuch\"", attn::Error);
}

TEST_CASE("quiz JSON: the gradient and rope kinds read back with their inputs and answers") {
  const attn::Quiz quiz =
      make_quiz(5, 24, "Ada",
                attn::parse_kind_specs("gradient:softmax,gradient:masked,gradient:query,"
                                       "rope:rotate,rope:shift,rope:pairing"));
  const auto doc = as_json(quiz, attn::KeyMode::separate);
  const attn::Quiz back = attn::quiz_from_json(doc, "quiz.json");
  REQUIRE(back.questions.size() == 24);
  for (std::size_t n = 0; n < 24; ++n) {
    const auto &a = quiz.questions[n], &b = back.questions[n];
    CAPTURE(n);
    CHECK(b.variant == a.variant);
    CHECK(b.answer == a.answer);
    CHECK(b.weights == a.weights);
    CHECK(b.dalpha == a.dalpha);
    CHECK(b.mask_row == a.mask_row);
    CHECK(b.k == a.k);
    CHECK(b.q_position == a.q_position);
    CHECK(b.k_position == a.k_position);
    CHECK(b.formula == a.formula);
    REQUIRE(b.choices.size() == a.choices.size());
    for (std::size_t c = 0; c < a.choices.size(); ++c) {
      CHECK(b.choices[c].positions == a.choices[c].positions);
      CHECK(b.choices[c].pairs == a.choices[c].pairs);
    }
  }
  // A formula of the other convention makes the stored answer wrong: refused, not re-keyed.
  auto bad = doc;
  for (auto& q : bad["questions"])
    if (q["kind"] == "rope" && q["variant"] == "pairing") {
      const std::string f = q["given"]["formula"];
      const bool half = f == "hf_rotate_half" || f == "neox_formula" || f == "flash_half";
      q["given"]["formula"] = half ? "gptj_every_two" : "hf_rotate_half";
      break;
    }
  try {
    attn::quiz_from_json(bad, "quiz.json");
    FAIL("expected an error");
  } catch (const attn::Error& e) {
    CHECK(e.code() == attn::Exit::data);
    CHECK(std::string(e.what()).find("the stored answer does not match the question") !=
          std::string::npos);
  }
  auto unknown = doc;
  for (auto& q : unknown["questions"])
    if (q["kind"] == "rope" && q["variant"] == "pairing") {
      q["given"]["formula"] = "nosuch";
      break;
    }
  try {
    attn::quiz_from_json(unknown, "quiz.json");
    FAIL("expected an error");
  } catch (const attn::Error& e) {
    CHECK(e.code() == attn::Exit::data);
    CHECK(std::string(e.what()).find("no rope formula 'nosuch'") != std::string::npos);
  }
}

TEST_CASE("quiz JSON: a keyed sheet has its id and no seed; analyse keeps its model answer") {
  attn::QuizOptions o;
  o.seed = 7;
  o.count = 3;
  o.student = "Ada";
  o.kinds = attn::parse_kind_specs("score,analyse,mask:apply");
  o.secret = attn::ClassSecret{};
  o.secret->bytes.fill(5);
  const attn::Quiz quiz = attn::generate_quiz(o);
  const auto doc = as_json(quiz, attn::KeyMode::separate);
  CHECK(doc["sheet"] == quiz.sheet_id);
  CHECK_FALSE(doc.contains("seed"));
  CHECK_FALSE(doc.contains("class_seed"));
  CHECK(doc["kinds"] == nlohmann::json::array({"score", "analyse", "mask:apply"}));
  const attn::Quiz back = attn::quiz_from_json(doc, "quiz.json");
  CHECK(back.keyed);
  CHECK(back.sheet_id == quiz.sheet_id);
  bool analyse = false;
  for (std::size_t n = 0; n < quiz.questions.size(); ++n) {
    CHECK(back.questions[n].answer == quiz.questions[n].answer);
    if (quiz.questions[n].kind == QuestionKind::analyse) {
      analyse = true;
      CHECK(doc["questions"][n]["answer"]["rubric"].size() == 4);
      CHECK(back.points[n] == 4);
    }
  }
  CHECK(analyse);
}

TEST_CASE("data/exercises: every stored answer is what the library computes") {
  const fs::path dir = fs::path(ATTN_SOURCE_DIR) / "data" / "exercises";
  REQUIRE(fs::is_directory(dir));
  std::size_t questions = 0;
  std::set<QuestionKind> kinds;
  std::vector<fs::path> files{fs::path(ATTN_SOURCE_DIR) / "data" / "quiz-example.json"};
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".json") files.push_back(e.path());
  for (const auto& path : files) {
    CAPTURE(path.string());
    const auto doc = attn::parse_json(slurp(path), path.string());
    // quiz_from_json re-solves every question and refuses one whose stored answer differs.
    const attn::Quiz quiz = attn::quiz_from_json(doc, path.string());
    for (const auto& q : quiz.questions) {
      kinds.insert(q.kind);
      // The worked solution stored with it is the one the library's numbers give today.
      const auto& stored = doc["questions"][q.number - 1]["solution_tex"];
      CHECK(stored == nlohmann::json(attn::worked_solution(q)));
    }
    questions += quiz.questions.size();
  }
  CHECK(questions >= 20);
  CHECK(kinds.size() == 7);
}
