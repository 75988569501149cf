// A sheet and its key as a document: text and GitHub Markdown here, LaTeX in sheet_latex, the
// JSON contract in quiz_json, Moodle XML in moodle and GIFT in gift (the pieces they share are in
// sheet_parts). Rendering only: every number shown was computed by solve().
//
// The header says what kind of sheet it is. A practice sheet names its seed and the command that
// regenerates it (anyone can print its key); a sheet made with the class secret names the student
// and its sheet id, and how to hand in answers, and nothing that would reproduce its key.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "attn/teach/question.hpp"
#include "attn/teach/quiz.hpp"

namespace attn {

enum class SheetFormat { text, markdown, latex, json, moodle, gift };

// The whole sheet (and key) in one format. LaTeX is a standalone document for pdflatex (amsmath);
// Moodle XML and GIFT always hold the key (an LMS needs it), whatever `key` says.
std::string render_quiz(const Quiz& quiz, SheetFormat format, KeyMode key);

}  // namespace attn
