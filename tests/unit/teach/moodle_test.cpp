#include "attn/teach/moodle.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;

namespace {

attn::Quiz sheet(std::optional<std::string> student, std::string kinds, std::uint64_t seed = 7) {
  attn::QuizOptions o;
  o.seed = seed;
  o.count = 8;
  o.kinds = attn::parse_kind_specs(kinds);
  o.student = std::move(student);
  return attn::generate_quiz(o);
}

std::size_t count_of(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + part.size()))
    ++n;
  return n;
}

}  // namespace

TEST_CASE("lms_number: fixed point, no exponent") {
  CHECK(attn::lms_number(-0.75) == "-0.75");
  CHECK(attn::lms_number(2) == "2");
  CHECK(attn::lms_number(1e-7) == "0");
  CHECK(attn::lms_number(0.0001234) == "0.000123");
  CHECK(attn::lms_number(100) == "100");
}

TEST_CASE("Moodle XML: one category per sheet, each question typed by its answer") {
  const std::string kinds = "score:plain,score:mask,mask,weights,output,order,scaling,analyse";
  const std::vector<attn::Quiz> sheets{sheet("Ada", kinds), sheet("Bob", kinds)};
  const std::string xml = attn::render_moodle(sheets, attn::MoodleCategories::sheet);
  CHECK(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<quiz>\n"));
  CHECK(count_of(xml, "<question type=\"category\">") == 2);
  CHECK(xml.find(fmt::format("<text>$course$/top/attn/Ada (seed {})</text>", sheets[0].seed)) !=
        std::string::npos);
  CHECK(count_of(xml, "<question type=\"multichoice\">") == 4);  // mask and scaling, twice
  CHECK(count_of(xml, "<question type=\"cloze\">") == 4);        // weights and output
  CHECK(count_of(xml, "<question type=\"essay\">") == 2);
  CHECK(count_of(xml, "<graderinfo format=\"html\">") == 2);
  CHECK(count_of(xml, "<question type=\"numerical\">") +
            count_of(xml, "<question type=\"shortanswer\">") ==
        6);  // two scores and the order question, twice (a blocked score is a short answer)
  // Written to a file, a real XML parser reads it, where xmllint is installed.
  if (std::system("command -v xmllint >/dev/null 2>&1") == 0) {
    const fs::path p = fs::temp_directory_path() / fmt::format("attn-moodle-{}.xml", ::getpid());
    std::ofstream(p) << xml;
    CHECK(std::system(fmt::format("xmllint --noout '{}'", p.string()).c_str()) == 0);
    fs::remove(p);
  }
}

TEST_CASE("Moodle XML: categories per kind hold each distinct question once") {
  // The order question of every student has the same five steps, shuffled per student; the
  // same sheet given twice adds nothing.
  const attn::Quiz ada = sheet("Ada", "score,order");
  const std::vector<attn::Quiz> sheets{ada, ada, sheet("Bob", "score,order")};
  const std::string xml = attn::render_moodle(sheets, attn::MoodleCategories::kind);
  CHECK(count_of(xml, "<question type=\"category\">") == 2);
  CHECK(xml.find("<text>$course$/top/attn/score</text>") != std::string::npos);
  CHECK(count_of(xml, "<name><text>score ") <= 2 * 4);
  const std::string once =
      attn::render_moodle(std::vector<attn::Quiz>{ada}, attn::MoodleCategories::kind);
  CHECK(count_of(once, "<name><text>") ==
        count_of(xml, "<name><text>") -
            count_of(attn::render_moodle(std::vector<attn::Quiz>{sheets[2]},
                                         attn::MoodleCategories::kind),
                     "<name><text>"));
}
