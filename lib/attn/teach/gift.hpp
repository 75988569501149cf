// GIFT, Moodle's plain-text question format (Question bank → Import → GIFT format), one category
// per sheet:
//   score, bias, {#=ANSWER:TOLERANCE ...} with each classic slip as a 0% answer and its feedback;
//   rope:rotate  −∞ as a short answer {=-inf =-Infinity}
//   weights,     GIFT has no multi-field question, so one numerical question per cell
//   output,
//   gradient
//   mask,        {=right#feedback ~wrong#the mistake ...}
//   scaling,
//   rope (shift, pairing)
//   order        a short answer: the letters in order
//   analyse      an essay {} with the model answer and rubric as general feedback (####)
// Text is [html] with math between \( … \); GIFT's special characters (~ = # { } : and the
// backslash) are escaped with a backslash.
#pragma once

#include <span>
#include <string>

#include "attn/teach/quiz.hpp"

namespace attn {

std::string render_gift(std::span<const Quiz> sheets);

// Text escaped for GIFT: a backslash before each of \ ~ = # { } :, and line breaks as spaces.
std::string gift_escape(std::string_view text);

}  // namespace attn
