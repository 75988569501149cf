// Exercise sheets, answer keys and grades as text, GitHub Markdown, LaTeX and JSON. Rendering
// only: every number shown was computed by quiz.cpp (solve) or grade.cpp.
//
// The quiz JSON (`attn quiz --format json`), read back by `attn check --quiz`; keys in this order:
//   {"format": "attn-quiz", "format_version": 1,
//    "version": "0.1.0",               attn's version (no commit: the same sheet from any build)
//    "class_seed": 7, "student": "Ada" | null,
//    "seed": 123,                      the seed the questions were drawn from (student_seed())
//    "kinds": ["score", …], "tolerance": 0.01,
//    "questions": [{
//      "number": 1, "kind": "score", "variant": "bias",
//      "prompt": "plain text", "prompt_tex": "text with $LaTeX$ math",
//      "given": {…the inputs, by kind:
//         score   "q", "k" (arrays), "d_k", "bias" (number, optional), "mask" (0 or "-Infinity")
//         bias    "score", "tokens", "query", "key", and "heads", "head", "slope" (alibi) or
//                 "max_distance", "table" (relative, b for distances −K … K)
//         weights "scores" (array of rows; "-Infinity" = blocked)
//         output  "weights" (array), "v" (array of rows)
//         mask    "mask" (the right expression), "n_q", "n_k", "align"
//         scaling "d_k" (variance variants)},
//      "choices": [{"label": "A", "text": "…", "text_tex": "…", "matrix": [[true, false], …],
//                   "value": 64, "id": "correct" | a mistake id | a step id}],   (mask, order,
//                                                                                 scaling)
//      "answer": -0.5 | "-Infinity" | [0.1, …] | [[…], …] | "B" | "CAEBD",
//      "solution": ["plain text line", …], "solution_tex": ["…", …]}]}
// With --key none, "answer", "solution", "solution_tex" and the choices' "id" are left out.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "attn/teach/grade.hpp"
#include "attn/teach/quiz.hpp"

namespace attn {

enum class SheetFormat { text, markdown, latex, json };
// Where the answers go: after each question, after all questions, alone, or nowhere.
enum class KeyMode { inline_key, separate, only, none };

// The markup of prompts ($…$ around LaTeX math) as Unicode text: $\beta = q \cdot k /
// \sqrt{d_k}$ → β = q · k / √d_k.
std::string markup_to_text(std::string_view markup);
// As GitHub Markdown: math in $`…`$, which GitHub never mistakes for emphasis.
std::string markup_to_markdown(std::string_view markup);
// As LaTeX: text escaped, math kept.
std::string markup_to_latex(std::string_view markup);

// The worked solution of a solved question, one markup line per step.
std::vector<std::string> worked_solution(const Question& q);

// The whole sheet (and key) in one format. LaTeX is a standalone document for pdflatex (amsmath).
std::string render_quiz(const Quiz& quiz, SheetFormat format, KeyMode key);
nlohmann::ordered_json quiz_to_json(const Quiz& quiz, KeyMode key);

// `attn check`'s report: each question right or wrong, the expected value, the mistake, a total.
std::string render_grades(const GradeReport& report);

}  // namespace attn
