// The rotary-embedding translator's report as text and JSON (`attn explain rope --as LIB`):
// the worked example, each library's code with whether it gives attn's rotation, the scores the
// other pairing gives, and the checkpoint permutation. Rendering only; the numbers come from
// rope_example() and translate_rope().
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "attn/mask/translate_rope.hpp"
#include "attn/render/format.hpp"

namespace attn {

// The example's heading, then each translation, then the permutation that converts checkpoints.
std::string render_rope_translations(const RopeExample& example,
                                     const std::vector<RopeTranslation>& translations,
                                     const NumberStyle& number);

// {"style", "dim", "base", "positions", "q", "k", "q_rotated", "k_rotated", "scores",
//  "other_style", "other_scores", "to_half", "permutation_holds",
//  "translations": [{"library", "code", "exact", "native", "q_rotated", "k_rotated", "notes",
//  "careful"}]}
nlohmann::ordered_json rope_translations_to_json(const RopeExample& example,
                                                 const std::vector<RopeTranslation>& translations);

}  // namespace attn
