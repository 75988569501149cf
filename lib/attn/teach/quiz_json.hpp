// The quiz as JSON (`attn quiz --format json`), read back by `attn check --quiz`. Keys in this
// order:
//   {"format": "attn-quiz", "format_version": 1,
//    "version": "0.1.0",               attn's version (no commit: the same sheet from any build)
//    "class_seed": 7, "student": "Ada" | null,
//    "seed": 123,                      the seed the questions were drawn from (practice sheets)
//    "sheet": "7K3Q-M2XD",             instead of both seeds, on sheets made with a class secret
//    "kinds": ["score", "mask:causal", …], "same_structure": true (only when set),
//    "tolerance": 0.01, "points": [1, 1, …],
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
//         scaling "d_k" (variance variants)
//         analyse "d_k", "keys", "trials", "seed" (the experiment's), "figures": {…measured}
//         gradient "weights", "dalpha" (arrays), "mask" (masked: 0 or "-Infinity" per key),
//                 "k" (query: array of rows), "d_k" (query)
//         rope    "q", "k" (2-d arrays), "d": 2, "base": 10000, "m", "n" (rotate, shift);
//                 "d": 4, "formula" (pairing: an id of the formulas in teach/question)},
//      "choices": [{"label": "A", "text": "…", "text_tex": "…", "matrix": [[true, false], …],
//                   "value": 64, "positions": [5, 3] (rope:shift),
//                   "pairs": [[0, 2], [1, 3]] (rope:pairing),
//                   "id": "correct" | a mistake id | a step id}],  (mask, order, scaling, rope)
//      "answer": -0.5 | "-Infinity" | [0.1, …] | [[…], …] | "B" | "CAEBD"
//                | {"model": "…", "model_tex": "…", "rubric": [{"points": 1, "text": "…",
//                   "text_tex": "…"}]}                                           (analyse)
//      "solution": ["plain text line", …], "solution_tex": ["…", …]}]}
// With --key none, "answer", "solution", "solution_tex" and the choices' "id" are left out.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "attn/teach/quiz.hpp"

namespace attn {

nlohmann::ordered_json quiz_to_json(const Quiz& quiz, KeyMode key);

// Reads a quiz written by quiz_to_json and re-solves every question; `what` names the file in
// errors. A missing key, a wrong type or a stored answer that disagrees with the library is a data
// error naming the question.
Quiz quiz_from_json(const nlohmann::json& doc, std::string_view what);

}  // namespace attn
