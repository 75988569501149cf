// Terminal heatmaps of a matrix, and the scale policy they share with the SVG renderer.
//
//   with colour     each cell a block of viridis colour (24-bit, 256 or 16 colours, per the
//                   ColorChoice), the value optionally printed on it in black or white;
//   no colour       shades ░▒▓█ when the locale is UTF-8, the ASCII ramp " .:-=+*#%@" otherwise
//                   or with `ascii`.
// Blocked cells (−∞) are a grey "·" ("x" in ASCII); NaN cells a "?". Rows and columns carry the
// tokens when given, else indices, and a line above the grid says what they are ("rows: queries
// i; columns: keys j"). A colour bar under the grid shows the scale and a line under it names it;
// neither is wider than 60 columns (with at most 4 decimals), so the legend fits a narrow terminal.
// Wider than `width` columns, the middle columns give way to "…"; more than `max_rows` rows, the
// middle rows do. Rows are never wrapped.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "attn/core/geometry.hpp"
#include "attn/core/matrix.hpp"
#include "attn/mask/expr.hpp"
#include "attn/render/color.hpp"
#include "attn/render/format.hpp"

namespace attn {

// How a value becomes a position t ∈ [0, 1] on the colour map.
enum class HeatScale {
  unit,    // weights: fixed 0–1, so pictures compare; values outside are clamped
  row,     // scores: each row from its smallest (t = 0) to its largest (t = 1) unmasked score
  matrix,  // any matrix: from the smallest to the largest finite value of all matrices shown
  mask,    // masks: every allowed cell t = 1
};

// "weights, fixed scale 0 to 1", "scores, normalised per row over unmasked cells", …
std::string_view scale_caption(HeatScale scale);

// The value range behind t; for HeatScale::row each row has its own.
struct ScaleRange {
  double lo = 0.0;
  double hi = 1.0;
};
// 0–1, except for HeatScale::matrix: the smallest and largest finite value over `ms` (0–1 when
// there is none).
ScaleRange scale_range(std::span<const Matrix> ms, HeatScale scale);

enum class CellKind { value, blocked, nan };
struct HeatCell {
  CellKind kind = CellKind::value;
  double t = 0.0;  // in [0, 1] for a value
};
// Where every cell of m falls, row after row. −∞ is blocked (masked); +∞ counts as the top.
// HeatScale::row with a row whose unmasked scores are all equal gives them all t = 1, since each
// is its row's largest.
std::vector<HeatCell> heat_cells(const Matrix& m, HeatScale scale, const ScaleRange& range);

// Splits "The,cat,sat,down" at the commas (--tokens); spaces around a token are kept out.
std::vector<std::string> split_tokens(std::string_view text);

struct AxisLabels {
  std::vector<std::string> rows;  // one per query row
  std::vector<std::string> cols;  // one per key column
};
// Tokens name the keys (there must be n_k of them, else they are ignored: both axes fall back to
// indices); query row i is labelled with the token at its position p, or with "i" if p lies
// outside the keys. Empty tokens → indices "0", "1", ….
AxisLabels axis_labels(const std::vector<std::string>& tokens, const Geometry& g);

// What the rows and the columns of a picture are: "queries i" and "keys j" for β, α and masks;
// "queries i" and "entries c of o" for the output. Empty: not said.
struct AxisTitles {
  std::string rows = "queries i";
  std::string cols = "keys j";
};
// "rows: queries i; columns: keys j"; empty when both titles are.
std::string axis_line(const AxisTitles& titles);

struct HeatmapOptions {
  HeatScale scale = HeatScale::unit;
  ColorChoice color;                    // decide_color(mode, Stream::out)
  bool ascii = false;                   // --ascii: the ASCII ramp, no colour, ASCII bytes only
  std::vector<std::string> row_labels;  // empty → 0, 1, …
  std::vector<std::string> col_labels;  // empty → 0, 1, …
  bool numbers = false;                 // print each value in its cell
  NumberStyle number;                   // --digits, for the numbers and the colour bar
  std::size_t width = 80;               // terminal columns; 0 = never elide columns
  std::size_t max_rows = 40;            // rows shown at most; 0 = never elide rows
  std::size_t max_label = 12;           // longer labels are cut, ending in "…"
  std::string title;                    // a line above the grid, when non-empty
  AxisTitles axes;                      // said once, above the grid (all heads share it)
  bool colorbar = true;                 // the scale line under the grid
};

// One matrix: title, axis line, column labels, one line per row, colour bar. Ends with a newline.
std::string render_heatmap(const Matrix& m, const HeatmapOptions& options);
// A mask (true = may attend), drawn with HeatScale::mask whatever options.scale says.
std::string render_heatmap(const BoolMatrix& mask, const HeatmapOptions& options);

struct NamedMatrix {
  std::string title;  // "head 0"
  Matrix m;
};
// Several heads under one title and axis line, one under the other, each under its own title,
// with one colour bar at the end
// (HeatScale::matrix uses one range for all, so colours compare across heads).
std::string render_heatmaps(std::span<const NamedMatrix> heads, const HeatmapOptions& options);

}  // namespace attn
