// The rotary embedding's options as the user gives them: --rope with --rope-base, --rope-style,
// --rope-dim, --rope-scale, --q-positions and --k-positions, over the JSON document's
// "rope": true | {"base": …, "style": "half"|"interleaved", "dim": …, "scale": …,
// "q_positions": […], "k_positions": […]}.
#pragma once

#include <cstddef>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>

#include "attn/core/rope.hpp"

namespace attn {

struct RopeArgs {
  bool enabled = false;                    // --rope
  std::optional<double> base;              // --rope-base B
  std::optional<RopeStyle> style;          // --rope-style half|interleaved
  std::optional<std::size_t> dim;          // --rope-dim R
  std::optional<double> scale;             // --rope-scale s
  std::optional<std::string> q_positions;  // --q-positions 3,4,5
  std::optional<std::string> k_positions;  // --k-positions 0,1,2,3,4,5
};

// The options, or nothing when neither --rope nor the document asks for a rotation. A --rope-…
// flag without --rope (or the document's "rope") is a usage error naming it; a document value of
// the wrong type, an unknown key in "rope", or a position that is not a whole number is a data
// error naming the key or the cell.
std::optional<RopeOptions> load_rope(const RopeArgs& args, const nlohmann::json& doc);

// The same from the flags alone, for tensor files (which come without a document).
std::optional<RopeOptions> load_rope(const RopeArgs& args);

}  // namespace attn
