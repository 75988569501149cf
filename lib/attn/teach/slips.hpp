// The classic slips on a numeric exercise, each recomputed with the library: what a student who
// forgot 1/√d_k, normalised over the wrong axis or paired the weights with the wrong values would
// get. `check` names the slip a wrong answer matches; the LMS exports give each as feedback.
#pragma once

#include <string>
#include <vector>

#include "attn/core/matrix.hpp"
#include "attn/teach/question.hpp"

namespace attn {

struct Slip {
  std::string id;    // "no_scale", "wrong_axis", …
  Matrix value;      // what the slip gives
  std::string note;  // markup: what was done wrong
};

// The slips of a solved score, bias, weights or output question, most common first; empty for
// the other kinds. A slip may give the right answer on a particular question (forgetting a bias
// of 0): callers skip those.
std::vector<Slip> numeric_slips(const Question& q);

// Whether every slip of a solved question is apart from its answer and from every other slip by
// more than twice the tolerance, so that no answer matches two of them and none is right. The
// generators of the newer kinds (gradient, rope) redraw until it holds.
bool slips_distinct(const Question& q);

}  // namespace attn
