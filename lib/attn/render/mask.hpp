// Masks as text and JSON: the `attn mask` printer and the translator's reports, for masks and for
// ALiBi (`attn bias alibi --as`). Rendering only; the matrices come from MaskExpr::evaluate,
// translate() and translate_alibi().
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "attn/core/geometry.hpp"
#include "attn/mask/expr.hpp"
#include "attn/mask/translate.hpp"
#include "attn/mask/translate_alibi.hpp"
#include "attn/render/format.hpp"

namespace attn {

// How a cell is written. symbol (the default) keeps one glyph per cell, so the shape of the mask
// shows at a glance and columns stay narrow; it is also what Hugging Face's attention_visualizer
// prints.
enum class MaskStyle {
  symbol,    // ■ may attend, ⬚ blocked
  boolean,   // 1 / 0, SDPA's bool attn_mask
  additive,  // 0 / −∞, the matrix M added to the scores, as textbooks write it
  score,     // Score / −∞, the form multiple-choice questions use
};

// The text of one cell.
std::string_view mask_cell(MaskStyle style, bool allowed);

// The title line, e.g. "causal & window:3 — 4×6, bottom-right: query i sits at position p = i + 2".
std::string mask_title(std::string_view expr, const Geometry& g);

// A header line, one line per query row (its index i, its position p when p ≠ i, one cell per key,
// and the number of keys it sees, flagged when 0), and a legend.
std::string render_mask(const BoolMatrix& mask, const Geometry& g, std::string_view expr,
                        MaskStyle style);

// Matrices next to each other under their titles, with a last panel marking with × the cells where
// the last matrix differs from the first. All must have the same shape.
std::string render_side_by_side(const std::vector<std::string>& titles,
                                const std::vector<const BoolMatrix*>& matrices, MaskStyle style,
                                std::string_view indent = "    ");

// One library's translation: its title, the code, whether it gives attn's mask, the notes, and the
// naive spelling next to attn's mask when the two differ.
std::string render_translation(const Translation& t, const BoolMatrix& attn, MaskStyle style);

// {"mask": [[true, …], …], "expr": "causal", "align": "bottom-right", "visible": [1, 2, …]}
nlohmann::ordered_json mask_to_json(const BoolMatrix& mask, const Geometry& g,
                                    std::string_view expr);
// {"library", "code", "exact", "native", "mask", "notes", and "naive": {"code", "mask"} if any}
nlohmann::ordered_json translation_to_json(const Translation& t);

// One library's ALiBi translation: its title, the code, whether it gives attn's bias (exactly, or
// up to a constant per row), the bias it adds when that differs, the notes, and the library's own
// ALiBi with its bias when that is not attn's.
std::string render_bias_translation(const BiasTranslation& t, const NumberStyle& number);
// {"library", "code", "agreement": "exact" | "row-constant" | "differs", "native", "bias",
//  "notes", and "naive": {"code", "agreement", "bias"} if any}
nlohmann::ordered_json bias_translation_to_json(const BiasTranslation& t);

}  // namespace attn
