// Drawing an exercise's numbers and labels from a seeded generator: halves, tenths that sum to 1,
// small whole numbers, option letters and the variant. Every generator (teach/generate,
// generate_gradient, generate_rope) draws through these, so that one seed draws one sheet.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "attn/core/matrix.hpp"
#include "attn/teach/question.hpp"
#include "attn/teach/rng.hpp"

namespace attn {

// A multiple of 1/2 in [−2, 2]; draw_nonzero_half leaves out 0.
double draw_half(SeededRng& rng);
double draw_nonzero_half(SeededRng& rng);
// A 1×n row of draw_half.
Matrix draw_half_row(SeededRng& rng, std::size_t n);
// n ∈ {2, 3} positive whole numbers of tenths that sum to 10 (weights that sum to 1).
std::vector<std::int64_t> draw_tenths(SeededRng& rng, std::size_t n);
// A rows × cols matrix of whole numbers in [lo, hi].
Matrix draw_whole(SeededRng& rng, std::size_t rows, std::size_t cols, std::int64_t lo,
                  std::int64_t hi);

// "A", "B", … for option n (from 0).
std::string option_label(std::size_t n);

// The variant of a question: the forced one, else index `drawn()` of the kind's list (so that a
// forced variant draws nothing).
template <typename Draw>
std::string draw_variant(QuestionKind kind, const std::optional<std::string>& forced,
                         Draw&& drawn) {
  if (forced) return *forced;
  return std::string(question_variants(kind)[drawn()]);
}

}  // namespace attn
