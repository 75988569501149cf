// The pieces every sheet format shares: the header, the answers template a student hands in, the
// inputs shown with a question, and a choice's matrix as markup math.
#pragma once

#include <string>
#include <vector>

#include "attn/core/matrix.hpp"
#include "attn/teach/question.hpp"
#include "attn/teach/quiz.hpp"

namespace attn {

// The header's lines, plain (each renderer escapes them): who and what the sheet is, then how to
// regenerate it (practice) or how to hand in answers (keyed).
std::vector<std::string> header_lines(const Quiz& quiz);
// The answers file a student of a keyed sheet hands in, as one line of JSON with "..." for the
// answers (ASCII, so that the LaTeX sheet stays ASCII).
std::string answers_template(const Quiz& quiz);

// A named input shown with a question: q, k, β, α, V; for gradient α, M, dα, K.
struct Display {
  std::string tex_name;
  Matrix value;
};
std::vector<Display> displays(const Question& q);

// The option's matrix as markup math: 1/0, or Score/−∞ for the mask:apply variant.
std::string choice_bmatrix(const Question& q, const Choice& c);

}  // namespace attn
