#include "attn/teach/sheet_parts.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "attn/render/format.hpp"
#include "attn/teach/solution.hpp"
#include "attn/teach/tex.hpp"

namespace attn {

std::vector<std::string> header_lines(const Quiz& quiz) {
  std::vector<std::string> out;
  if (quiz.keyed) {
    out.push_back(quiz.student ? fmt::format("Student: {}. Sheet {}, attn {}.", *quiz.student,
                                             quiz.sheet_id, quiz.version)
                               : fmt::format("Sheet {}, attn {}.", quiz.sheet_id, quiz.version));
    out.push_back("Hand in your answers as JSON: " + answers_template(quiz));
    return out;
  }
  if (quiz.student)
    out.push_back(fmt::format(
        "Student: {}. Class seed {}, sheet seed {}, attn {}. A practice sheet: anyone can print "
        "its key.",
        *quiz.student, quiz.class_seed, quiz.seed, quiz.version));
  else
    out.push_back(fmt::format("Seed {}, attn {}. A practice sheet: anyone can print its key.",
                              quiz.seed, quiz.version));
  out.push_back("Regenerate with: " + regenerate_command(quiz));
  return out;
}

std::string answers_template(const Quiz& quiz) {
  std::string out = "{";
  if (quiz.student) out += "\"student\": " + nlohmann::json(*quiz.student).dump() + ", ";
  out += "\"sheet\": " + nlohmann::json(quiz.sheet_id).dump();
  return out + ", \"answers\": {\"1\": ...}}";
}

std::vector<Display> displays(const Question& q) {
  std::vector<Display> out;
  if (q.kind == QuestionKind::gradient) {
    if (q.weights) out.push_back({"\\alpha", *q.weights});
    if (q.mask_row) out.push_back({"M", *q.mask_row});
    if (q.dalpha) out.push_back({"d\\alpha", *q.dalpha});
    if (q.k) out.push_back({"K", *q.k});
    return out;
  }
  if (q.q) out.push_back({"q", *q.q});
  if (q.k) out.push_back({"k", *q.k});
  if (q.scores) out.push_back({"\\beta", *q.scores});
  if (q.weights) out.push_back({"\\alpha", *q.weights});
  if (q.v) out.push_back({"V", *q.v});
  return out;
}

std::string choice_bmatrix(const Question& q, const Choice& c) {
  return q.variant == "apply" ? tex_applied_bmatrix(*c.matrix) : tex_bmatrix(*c.matrix);
}

}  // namespace attn
