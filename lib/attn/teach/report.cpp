#include "attn/teach/report.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "attn/render/format.hpp"
#include "attn/teach/tex.hpp"

namespace attn {
namespace {

using nlohmann::ordered_json;

std::string answer_text(const Answer& a) {
  if (a.free()) return "(free response)";
  return a.numeric() ? text_value(a.values) : a.labels;
}

std::string points_text(double x) {
  return format_number(x, NumberStyle{3});
}

std::string percent_text(const GradeReport& r) {
  if (r.max_points <= 0) return {};
  return format_number(100.0 * r.points / r.max_points, NumberStyle{1});
}

std::string sheet_text(const GradeReport& r) {
  return r.keyed ? r.sheet_id : fmt::format("{}", r.seed);
}

// The notes of one question as one line of text, "Q3: (C): transposed: …".
std::string question_note(const Verdict& v) {
  if (v.outcome == Outcome::by_hand)
    return fmt::format("Q{}: to be marked by hand (up to {} points)", v.number,
                       points_text(v.max_points));
  if (v.outcome == Outcome::missing) return fmt::format("Q{}: no answer", v.number);
  if (v.outcome == Outcome::right) return {};
  std::string out = fmt::format("Q{}: ", v.number);
  if (v.notes.empty()) return out + "wrong";
  for (std::size_t n = 0; n < v.notes.size(); ++n)
    out += (n ? "; " : "") + markup_to_text(v.notes[n]);
  return out;
}

ordered_json answer_json(const Answer& a) {
  if (a.free()) return markup_to_text(a.model);
  if (!a.numeric()) return a.labels;
  const auto number = [](double x) {
    return std::isinf(x) ? ordered_json("-Infinity") : ordered_json(x);
  };
  const auto row = [&](std::size_t i) {
    ordered_json r = ordered_json::array();
    for (double x : a.values.row(i)) r.push_back(number(x));
    return r;
  };
  if (a.values.size() == 1) return number(a.values(0, 0));
  if (a.values.rows() == 1) return row(0);
  ordered_json rows = ordered_json::array();
  for (std::size_t i = 0; i < a.values.rows(); ++i) rows.push_back(row(i));
  return rows;
}

const char* outcome_name(Outcome o) {
  switch (o) {
    case Outcome::right:
      return "right";
    case Outcome::wrong:
      return "wrong";
    case Outcome::missing:
      return "missing";
    case Outcome::by_hand:
      return "by hand";
  }
  return "";
}

}  // namespace

std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string render_grades(const GradeReport& report) {
  const std::string who =
      report.keyed ? fmt::format("sheet {}{}", report.sheet_id,
                                 report.student ? fmt::format(" (student {})", *report.student)
                                                : std::string())
                   : fmt::format("sheet seed {}{}", report.seed,
                                 report.student ? fmt::format(" (student {})", *report.student)
                                                : std::string());
  std::string out = fmt::format(
      "attn check: {}, attn {}\n"
      "Tolerance: ±{} on every number (answers to 3 decimals); -inf must be -inf.\n\n",
      who, report.version, format_number(report.tolerance));
  for (const auto& v : report.verdicts) {
    const std::string expected = answer_text(v.expected);
    const char* mark = v.outcome == Outcome::right     ? "right"
                       : v.outcome == Outcome::wrong   ? "wrong"
                       : v.outcome == Outcome::by_hand ? "by hand"
                                                       : "no answer";
    out += fmt::format("{:>3}. {:<8} {}", v.number, to_string(v.kind), mark);
    if (v.outcome == Outcome::right) {
      out += fmt::format(": {}\n", expected);
      continue;
    }
    if (v.outcome == Outcome::by_hand) {
      out += fmt::format(": up to {} points; the model answer and rubric are in the key\n",
                         points_text(v.max_points));
      continue;
    }
    out += fmt::format(": expected {}", expected);
    if (v.given)
      out += fmt::format(", you gave {}", answer_text(*v.given));
    else if (v.raw)
      out += fmt::format(", you gave {}", v.raw->dump());
    out += "\n";
    for (const auto& n : v.notes) out += fmt::format("               {}\n", markup_to_text(n));
  }
  out += fmt::format("\nTotal: {}/{} right", report.right, report.graded);
  if (report.max_points != static_cast<double>(report.graded) ||
      report.points != static_cast<double>(report.right))
    out += fmt::format(", {} of {} points", points_text(report.points),
                       points_text(report.max_points));
  if (report.by_hand_points > 0)
    out += fmt::format(" (and {} points to mark by hand)", points_text(report.by_hand_points));
  return out + "\n";
}

std::string render_gradebook_text(const ClassGrades& grades) {
  std::vector<std::vector<std::string>> rows{{"student", "sheet", "points", "%", "not right"}};
  for (const GradeReport& r : grades.students) {
    std::string wrong;
    for (const Verdict& v : r.verdicts) {
      if (v.outcome == Outcome::right || v.outcome == Outcome::by_hand) continue;
      wrong += (wrong.empty() ? "" : ", ") + fmt::format("Q{}", v.number);
      if (!v.mistake.empty())
        wrong += fmt::format(" ({})", v.mistake);
      else if (v.outcome == Outcome::missing)
        wrong += " (no answer)";
    }
    rows.push_back({r.student.value_or("-"), sheet_text(r),
                    fmt::format("{}/{}", points_text(r.points), points_text(r.max_points)),
                    percent_text(r), wrong.empty() ? "-" : wrong});
  }
  std::vector<std::size_t> widths(rows.front().size(), 0);
  for (const auto& row : rows)
    for (std::size_t c = 0; c < row.size(); ++c)
      widths[c] = std::max(widths[c], display_width(row[c]));
  std::string out =
      fmt::format("attn check: {} students, {} questions each, tolerance ±{}\n\n",
                  grades.students.size(), grades.question_count, format_number(answer_tolerance));
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size()) line += std::string(widths[c] - display_width(row[c]) + 2, ' ');
    }
    out += line + "\n";
  }
  return out;
}

std::string gradebook_csv(const ClassGrades& grades) {
  std::vector<std::string> header{"student", "sheet"};
  for (std::size_t n = 1; n <= grades.question_count; ++n) header.push_back(fmt::format("Q{}", n));
  for (const char* h : {"total", "max", "percent", "notes", "warnings", "file"})
    header.push_back(h);
  const auto line = [](const std::vector<std::string>& fields) {
    std::string out;
    for (std::size_t n = 0; n < fields.size(); ++n) out += (n ? "," : "") + csv_field(fields[n]);
    return out + "\r\n";
  };
  std::string out = line(header);
  for (const GradeReport& r : grades.students) {
    std::vector<std::string> f{r.student.value_or(""), sheet_text(r)};
    std::string notes;
    for (const Verdict& v : r.verdicts) {
      f.push_back(v.outcome == Outcome::by_hand ? std::string() : points_text(v.points));
      const std::string note = question_note(v);
      if (!note.empty()) notes += (notes.empty() ? "" : " | ") + note;
    }
    std::string warnings;
    for (const auto& w : r.warnings) warnings += (warnings.empty() ? "" : " | ") + w;
    f.push_back(points_text(r.points));
    f.push_back(points_text(r.max_points));
    f.push_back(percent_text(r));
    f.push_back(notes);
    f.push_back(warnings);
    f.push_back(r.file);
    out += line(f);
  }
  return out;
}

ordered_json gradebook_json(const ClassGrades& grades) {
  ordered_json students = ordered_json::array();
  for (const GradeReport& r : grades.students) {
    ordered_json questions = ordered_json::array();
    for (const Verdict& v : r.verdicts) {
      ordered_json q;
      q["number"] = v.number;
      q["kind"] = to_string(v.kind);
      q["variant"] = v.variant;
      q["outcome"] = outcome_name(v.outcome);
      q["right"] = v.outcome == Outcome::right;
      q["expected"] = answer_json(v.expected);
      q["given"] = v.raw ? ordered_json::parse(v.raw->dump()) : ordered_json(nullptr);
      q["points"] = v.outcome == Outcome::by_hand ? ordered_json(nullptr) : ordered_json(v.points);
      q["max_points"] = v.max_points;
      if (v.outcome == Outcome::wrong && v.expected.numeric() && v.expected.values.size() > 1)
        q["share_right"] = v.share;
      q["mistake"] = v.mistake.empty() ? ordered_json(nullptr) : ordered_json(v.mistake);
      ordered_json notes = ordered_json::array();
      for (const auto& n : v.notes) notes.push_back(markup_to_text(n));
      q["notes"] = notes;
      if (v.outcome == Outcome::by_hand) {
        ordered_json rubric = ordered_json::array();
        for (const auto& item : v.expected.rubric)
          rubric.push_back({{"points", item.points}, {"text", markup_to_text(item.text)}});
        q["rubric"] = rubric;
      }
      questions.push_back(q);
    }
    ordered_json s;
    s["student"] = r.student ? ordered_json(*r.student) : ordered_json(nullptr);
    s["sheet"] = sheet_text(r);
    s["file"] = r.file.empty() ? ordered_json(nullptr) : ordered_json(r.file);
    s["right"] = r.right;
    s["graded"] = r.graded;
    s["points"] = r.points;
    s["max_points"] = r.max_points;
    s["percent"] =
        r.max_points > 0 ? ordered_json(100.0 * r.points / r.max_points) : ordered_json(nullptr);
    s["by_hand_points"] = r.by_hand_points;
    s["warnings"] = r.warnings;
    s["questions"] = questions;
    students.push_back(s);
  }
  ordered_json errors = ordered_json::array();
  for (const FileError& e : grades.errors)
    errors.push_back({{"file", e.file}, {"error", e.message}, {"hint", e.hint}});
  ordered_json doc;
  doc["format"] = "attn-gradebook";
  doc["format_version"] = 1;
  doc["tolerance"] = answer_tolerance;
  doc["questions"] = grades.question_count;
  doc["students"] = students;
  doc["errors"] = errors;
  return doc;
}

}  // namespace attn
