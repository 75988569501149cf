#include "attn/teach/sheet.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

using attn::KeyMode;
using attn::SheetFormat;

namespace {

attn::Quiz make_quiz(std::uint64_t seed, std::size_t count,
                     std::optional<std::string> student = std::nullopt, std::string kinds = "") {
  attn::QuizOptions o;
  o.seed = seed;
  o.count = count;
  o.student = std::move(student);
  if (!kinds.empty()) o.kinds = attn::parse_kind_specs(kinds);
  return attn::generate_quiz(o);
}

std::size_t count_of(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + part.size()))
    ++n;
  return n;
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("the same seed gives a byte-identical sheet and key, in every format") {
  for (auto format : {SheetFormat::text, SheetFormat::markdown, SheetFormat::latex,
                      SheetFormat::json, SheetFormat::moodle, SheetFormat::gift})
    for (auto key : {KeyMode::inline_key, KeyMode::separate, KeyMode::only, KeyMode::none})
      CHECK(attn::render_quiz(make_quiz(7, 14), format, key) ==
            attn::render_quiz(make_quiz(7, 14), format, key));
}

TEST_CASE("a practice sheet names its seed, says anyone can print its key, and how") {
  const attn::Quiz quiz = make_quiz(7, 7);
  const std::string text = attn::render_quiz(quiz, SheetFormat::text, KeyMode::separate);
  CHECK(count_of(text, "Seed 7, attn " + quiz.version +
                           ". A practice sheet: anyone can print its key.") == 2);  // sheet, key
  CHECK(has(text, "Regenerate with: attn quiz --seed 7 --count 7\n"));
  const attn::Quiz ada = make_quiz(7, 6, "Ada");
  const std::string sheet = attn::render_quiz(ada, SheetFormat::text, KeyMode::none);
  CHECK(has(sheet, fmt::format("Student: Ada. Class seed 7, sheet seed {}", ada.seed)));
  CHECK(has(sheet, "--student Ada --practice"));
}

TEST_CASE("a sheet made with the secret shows no seed and no command that would rebuild its key") {
  attn::QuizOptions o;
  o.seed = 2026;
  o.count = 8;
  o.kinds = attn::parse_kind_specs("score,bias,mask,weights,output,order,scaling,analyse");
  o.secret = attn::ClassSecret{};
  o.secret->bytes.fill(0x5a);
  o.student = "Ada Lovelace";
  const attn::Quiz quiz = attn::generate_quiz(o);
  for (auto format :
       {SheetFormat::text, SheetFormat::markdown, SheetFormat::latex, SheetFormat::json}) {
    const std::string sheet = attn::render_quiz(quiz, format, KeyMode::none);
    CAPTURE(static_cast<int>(format));
    CHECK_FALSE(has(sheet, std::to_string(quiz.seed)));
    CHECK_FALSE(has(sheet, "2026"));
    CHECK_FALSE(has(sheet, "attn quiz --"));
    CHECK_FALSE(has(sheet, "Regenerate"));
    CHECK_FALSE(has(sheet, "practice"));
    CHECK(has(sheet, quiz.sheet_id));
  }
  const std::string text = attn::render_quiz(quiz, SheetFormat::text, KeyMode::none);
  CHECK(has(text,
            fmt::format("Student: Ada Lovelace. Sheet {}, attn {}.", quiz.sheet_id, quiz.version)));
  CHECK(has(text, fmt::format("Hand in your answers as JSON: {{\"student\": \"Ada Lovelace\", "
                              "\"sheet\": \"{}\", \"answers\": {{\"1\": ...}}}}",
                              quiz.sheet_id)));
}

TEST_CASE("the Markdown sheet's math is balanced and shows no raw -inf") {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    CAPTURE(seed);
    const std::string md =
        attn::render_quiz(make_quiz(seed, 14), SheetFormat::markdown, KeyMode::inline_key);
    CHECK(count_of(md, "$`") == count_of(md, "`$"));
    CHECK(count_of(md, "```") == 2 * count_of(md, "```math"));  // every block is closed
    CHECK(md.find("-inf") == std::string::npos);
    // every $ belongs to a $`…`$ pair
    CHECK(count_of(md, "$") == 2 * count_of(md, "$`"));
  }
}

TEST_CASE("mask:apply options print Score and -∞ as the course does") {
  const attn::Quiz quiz = make_quiz(1, 1, std::nullopt, "mask:apply");
  const std::string text = attn::render_quiz(quiz, SheetFormat::text, KeyMode::none);
  const std::size_t n = quiz.questions[0].geometry.n_q;
  // The right option: row 0 keeps one score, the last row keeps all n.
  CHECK(has(text, "Score  -∞     -∞"));
  CHECK(has(text, "Score  Score  Score"));
  // 4 options of n × n cells, and the prompt names both once
  CHECK(count_of(text, "Score") + count_of(text, "-∞") == 4 * n * n + 2);
  const std::string md = attn::render_quiz(quiz, SheetFormat::markdown, KeyMode::none);
  CHECK(has(md, "\\text{Score} & -\\infty"));
}

TEST_CASE("an analyse question is answered in words, and its key has a rubric") {
  const attn::Quiz quiz = make_quiz(3, 1, std::nullopt, "analyse");
  const std::string key = attn::render_quiz(quiz, SheetFormat::text, KeyMode::only);
  CHECK(has(key, "Answer: see the model answer and rubric (marked by hand)"));
  CHECK(has(key, "Model answer: Without the factor"));
  CHECK(has(key, "Rubric (4 points, marked by hand):"));
}
