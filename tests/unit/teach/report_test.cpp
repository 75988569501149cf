#include "attn/teach/report.hpp"

#include <doctest/doctest.h>

using attn::Matrix;
using attn::Outcome;

namespace {

attn::GradeReport report_of(std::string student, double points) {
  attn::GradeReport r;
  r.keyed = true;
  r.sheet_id = "AAAA-BBBB";
  r.student = std::move(student);
  r.file = "a.json";
  r.version = "0.1.0";
  attn::Verdict right;
  right.number = 1;
  right.outcome = Outcome::right;
  right.expected.values = Matrix{{0.5}};
  right.points = 1;
  attn::Verdict wrong;
  wrong.number = 2;
  wrong.kind = attn::QuestionKind::weights;
  wrong.outcome = Outcome::wrong;
  wrong.expected.values = Matrix{{0.25, 0.75}};
  wrong.given = attn::Answer{Matrix{{0.5, 0.5}}, "", "", {}};
  wrong.mistake = "wrong_axis";
  wrong.notes = {"you normalised, \"badly\""};
  wrong.points = points;
  r.verdicts = {right, wrong};
  r.right = 1;
  r.graded = 2;
  r.points = 1 + points;
  r.max_points = 2;
  return r;
}

}  // namespace

TEST_CASE("csv_field: RFC 4180 quoting") {
  CHECK(attn::csv_field("plain") == "plain");
  CHECK(attn::csv_field("a,b") == "\"a,b\"");
  CHECK(attn::csv_field("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(attn::csv_field("two\nlines") == "\"two\nlines\"");
}

TEST_CASE("gradebook_csv: one row per student, points per question, CRLF lines") {
  attn::ClassGrades g;
  g.question_count = 2;
  g.students = {report_of("Ada, the first", 0.5)};
  g.students[0].warnings = {"w1", "w2"};
  CHECK(attn::gradebook_csv(g) ==
        "student,sheet,Q1,Q2,total,max,percent,notes,warnings,file\r\n"
        "\"Ada, the first\",AAAA-BBBB,1,0.5,1.5,2,75,\"Q2: you normalised, \"\"badly\"\"\",w1 | "
        "w2,a.json\r\n");
}

TEST_CASE("gradebook_json and the text summary") {
  attn::ClassGrades g;
  g.question_count = 2;
  g.students = {report_of("Ada", 0)};
  g.errors = {{"bad.json", "bad.json: malformed", "fix it"}};
  const auto j = attn::gradebook_json(g);
  CHECK(j["format"] == "attn-gradebook");
  CHECK(j["students"][0]["questions"][1]["mistake"] == "wrong_axis");
  CHECK(j["students"][0]["questions"][1]["right"] == false);
  CHECK(j["students"][0]["questions"][0]["expected"] == 0.5);
  CHECK(j["students"][0]["percent"] == 50.0);
  CHECK(j["errors"][0]["file"] == "bad.json");
  const std::string text = attn::render_gradebook_text(g);
  CHECK(text.find("Ada      AAAA-BBBB  1/2     50  Q2 (wrong_axis)") != std::string::npos);
}

TEST_CASE("render_grades: one student's report") {
  const std::string text = attn::render_grades(report_of("Ada", 0));
  CHECK(text ==
        "attn check: sheet AAAA-BBBB (student Ada), attn 0.1.0\n"
        "Tolerance: ±0.01 on every number (answers to 3 decimals); -inf must be -inf.\n\n"
        "  1. score    right: 0.5\n"
        "  2. weights  wrong: expected [0.25, 0.75], you gave [0.5, 0.5]\n"
        "               you normalised, \"badly\"\n\n"
        "Total: 1/2 right\n");
}
