// A sheet and its key as a LaTeX document for paper (pdflatex, amsmath): a name and date line,
// the points of each question, an answer box after each, long vectors that wrap, and the options
// of a multiple-choice question side by side in one box that never splits across pages.
#pragma once

#include <string>

#include "attn/teach/quiz.hpp"

namespace attn {

std::string render_latex(const Quiz& quiz, KeyMode key);

}  // namespace attn
