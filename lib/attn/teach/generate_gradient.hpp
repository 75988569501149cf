// Drawing a gradient question: the backward pass of one softmax row by hand.
//   softmax  α over 3 keys (tenths), dα (whole numbers in [−2, 2]) → dβ
//   masked   the same over 4 keys, one of them blocked (α = 0 there) → dβ, 0 at the blocked key
//   query    α over 2 keys, dα, K (2 × 4, whole numbers in [−2, 2]), c = 1/√4 → dq = c dβ K
// The numbers are redrawn until every classic slip (teach/slips) gives a value apart from the
// answer and from the other slips, so that each mistake can be told from the others.
#pragma once

#include <optional>
#include <string>

#include "attn/teach/question.hpp"
#include "attn/teach/rng.hpp"

namespace attn {

Question make_gradient(SeededRng& rng, const std::optional<std::string>& variant);

}  // namespace attn
