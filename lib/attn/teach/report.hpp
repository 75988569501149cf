// Grades as documents: one student's report as text (`attn check` with one answers file), and a
// class's gradebook as a text summary, as CSV (RFC 4180: one row per student, opens in LibreOffice
// and pandas) and as JSON (per student, per question). Rendering only.
//
// The gradebook CSV's columns: student, sheet (the sheet id, or a practice sheet's seed),
// Q1 … Qn (the points earned; empty for a free response, for the teacher to fill in), total, max
// (over the automatically graded questions), percent, notes (each wrong question's mistake, and the
// free responses to mark), warnings (a file that does not match its sheet), file.
#pragma once

#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "attn/teach/gradebook.hpp"

namespace attn {

// One student's report: each question right or wrong, the expected value, the mistake, a total.
std::string render_grades(const GradeReport& report);

// The class: one line per student (total, percentage, the questions wrong), then the errors.
std::string render_gradebook_text(const ClassGrades& grades);
std::string gradebook_csv(const ClassGrades& grades);
nlohmann::ordered_json gradebook_json(const ClassGrades& grades);

// One CSV field as RFC 4180 writes it: quoted (with doubled quotes) when it holds a comma, a
// quote or a line break.
std::string csv_field(std::string_view text);

}  // namespace attn
