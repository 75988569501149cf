// The worked solution of a solved exercise, one markup line per step, and the answer as markup.
// Every number comes from what solve() kept (the Trace's dot, root_d_k, scaled, exps, shifted(),
// row sums and weights; the bias cell and its distance): this file formats, it never computes.
#pragma once

#include <string>
#include <vector>

#include "attn/teach/question.hpp"

namespace attn {

std::vector<std::string> worked_solution(const Question& q);

// The answer as one markup line: "$\beta = -0.75$", "$\alpha = (0.2, 0.8)$", "B", or for a free
// response its model answer.
std::string answer_markup(const Question& q);

// The symbol of a numeric answer (markup math): \beta, \alpha, o, d\beta, dq, s, …; a cell of a
// vector answer is the symbol with a subscript (\alpha_{2}, dq_{3}).
std::string answer_symbol(const Question& q);

}  // namespace attn
