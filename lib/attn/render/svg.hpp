// A standalone SVG picture of a matrix (mask, scores, weights) or of several heads side by side.
//
// One <rect> per cell filled with viridis (the scale policy of heatmap.hpp), holding a <title>
// with the cell's exact value (shortest round-trip decimal; "-inf" for a blocked cell, drawn
// grey) and id "cell-I-J" ("p1-cell-I-J" for the second panel); the tokens on both axes as
// <text>, under axis titles ("keys j" over the columns, "queries i" up the left side, ids
// "axis-cols" and "axis-rows"); a colour bar (a linearGradient through the nine viridis stops) with
// its range; a caption naming the mask and the scale. viewBox, width and height are set; no CSS, no
// external files; tokens and captions are XML-escaped. Checked by `xmllint --noout` and
// `rsvg-convert`.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "attn/core/matrix.hpp"
#include "attn/mask/expr.hpp"
#include "attn/render/format.hpp"
#include "attn/render/heatmap.hpp"

namespace attn {

struct SvgOptions {
  HeatScale scale = HeatScale::unit;
  std::vector<std::string> row_labels;  // empty → 0, 1, …
  std::vector<std::string> col_labels;  // empty → 0, 1, …
  AxisTitles axes;                      // what the rows and columns are
  std::string caption;                  // e.g. "attn weights, mask: causal"; the scale follows
  bool numbers = false;                 // each value written on its cell, black or white
  NumberStyle number;                   // for those numbers and the colour bar's range
  int cell = 28;                        // cell side in px
};

// & < > " ' as entities.
std::string xml_escape(std::string_view text);

std::string render_svg(const Matrix& m, const SvgOptions& options);
// A mask (true = may attend): HeatScale::mask whatever options.scale says.
std::string render_svg(const BoolMatrix& mask, const SvgOptions& options);
// Panels side by side, each under its title, sharing one colour bar (and, for
// HeatScale::matrix, one range).
std::string render_svg(std::span<const NamedMatrix> panels, const SvgOptions& options);

}  // namespace attn
