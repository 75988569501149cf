// "Did you mean …": the nearest known word to a mistyped one.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace attn {

// Levenshtein distance: insertions, deletions and substitutions each cost 1.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word`, if it is close enough to be a plausible typo
// (distance at most 2, and less than the word's length); ties go to the earlier candidate.
std::optional<std::string> nearest(std::string_view word, std::span<const std::string_view> candidates);

}  // namespace attn
