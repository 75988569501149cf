// The pieces every sheet format shares: what the header says, and the answers template.
#include "attn/teach/sheet_parts.hpp"

#include <doctest/doctest.h>

namespace {

attn::Quiz bare(bool keyed) {
  attn::Quiz q;
  q.class_seed = 2026;
  q.student = "Ada Lovelace";
  q.seed = 99;
  q.keyed = keyed;
  q.sheet_id = keyed ? "K7Q2-M4PX" : "";
  q.version = "0.1.0";
  return q;
}

}  // namespace

TEST_CASE("header_lines: a practice sheet names its seeds and how to regenerate it") {
  const auto lines = attn::header_lines(bare(false));
  REQUIRE(lines.size() == 2);
  CHECK(lines[0] ==
        "Student: Ada Lovelace. Class seed 2026, sheet seed 99, attn 0.1.0. A practice sheet: "
        "anyone can print its key.");
  CHECK(lines[1].starts_with("Regenerate with: attn quiz --seed 2026"));
}

TEST_CASE("header_lines: a keyed sheet names its id and the hand-in format, never a seed") {
  const auto lines = attn::header_lines(bare(true));
  REQUIRE(lines.size() == 2);
  CHECK(lines[0] == "Student: Ada Lovelace. Sheet K7Q2-M4PX, attn 0.1.0.");
  CHECK(lines[1] ==
        R"(Hand in your answers as JSON: {"student": "Ada Lovelace", "sheet": "K7Q2-M4PX", )"
        R"("answers": {"1": ...}})");
  for (const auto& line : lines) {
    CHECK(line.find("99") == std::string::npos);
    CHECK(line.find("2026") == std::string::npos);
  }
}
