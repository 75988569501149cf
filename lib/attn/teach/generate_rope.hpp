// Drawing a rope question (rotary position embeddings with d = 2: one pair of dimensions, whose
// frequency is θ = base⁰ = 1 radian per position):
//   rotate   q and k (halves) at positions m > n ≥ 1: rotate both, compute s = q'·k'; the numbers
//            are redrawn until each classic slip (degrees, only q, the wrong way, no rotation)
//            gives a value apart from the answer and from the others
//   shift    q and k at (m, n): which (m', n') gives the same score — (m + t, n + t), against the
//            swapped, the query-only and the doubled positions, redrawn until each distractor's
//            score differs from the right one by more than twice the tolerance
//   pairing  a formula of a library or paper (d = 4): which pairs of dimensions it rotates — the
//            three ways to pair four dimensions: half, interleaved and mirrored
#pragma once

#include <optional>
#include <string>

#include "attn/teach/question.hpp"
#include "attn/teach/rng.hpp"

namespace attn {

Question make_rope(SeededRng& rng, const std::optional<std::string>& variant);

}  // namespace attn
