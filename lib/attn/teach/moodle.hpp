// Moodle XML, for Moodle's question-bank import (Question bank → Import → Moodle XML format):
//   score, bias, one number: type "numerical" with the tolerance, and each classic slip as a
//   rope:rotate  0% answer whose feedback names it; −∞: "shortanswer" accepting -inf, -Infinity, −∞
//   weights,     several numbers: type "cloze", one NUMERICAL field per cell with the tolerance
//   output,
//   gradient
//   mask,        type "multichoice", one right option (100%), the others 0% with feedback naming
//   scaling,     the mistake each stands for; options in the sheet's order, lettered ABCD
//   rope (shift, pairing)
//   order        type "shortanswer": the letters in order
//   analyse      type "essay", with the model answer and rubric as the grader's information
// Every question carries its worked solution as general feedback and its points as defaultgrade.
// Questions are filed in one category per sheet (each student's sheet its own category) or one per
// kind, where each distinct question (each student's variant, as far as the numbers differ) is
// one entry. Math is LaTeX between \( … \), for Moodle's MathJax filter.
#pragma once

#include <span>
#include <string>

#include "attn/teach/quiz.hpp"

namespace attn {

enum class MoodleCategories { sheet, kind };

std::string render_moodle(std::span<const Quiz> sheets, MoodleCategories categories);

// The category a sheet's questions are filed in: "$course$/top/attn/Ada Lovelace (7K3Q-M2XD)".
std::string sheet_category(const Quiz& quiz);
// A question's title in an LMS: "Q3 mask (Ada Lovelace)".
std::string lms_question_name(const Quiz& quiz, const Question& q);
// A number as the LMS formats read it: fixed point, no exponent, trailing zeros trimmed.
std::string lms_number(double x);

}  // namespace attn
