// One heatmap of the web page (render/html.hpp), as markup:
//
//   a table     up to `explorable` rows and columns: one <td> per cell, coloured by the scale
//               policy of heatmap.hpp (viridis; blocked cells grey) and showing its value at
//               --digits, with an accessible name ("query 1 (cat), key 0 (The): α = 0.3302"),
//               data-i and data-j for the page's script, tokens as row and column headers under
//               axis titles, and a colour bar;
//   a canvas    larger: one pixel per cell, painted by the page's script from canvas_data's colour
//               indices; no values and no derivations.
// Colours become classes (".k3{background:#21918c;color:#000}") collected in CellStyles, so that
// the page has no inline styles.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "attn/core/matrix.hpp"
#include "attn/render/color.hpp"
#include "attn/render/format.hpp"
#include "attn/render/heatmap.hpp"

namespace attn {

struct HtmlGrid {
  std::string id;                  // unique in the page: "h0-alpha"
  std::string symbol;              // "α"
  std::string name;                // "weights"
  const Matrix* values = nullptr;  // shown as text
  const Matrix* colours = nullptr;  // coloured by this instead (α with −∞ where blocked); or values
  HeatScale scale = HeatScale::row;
  std::vector<std::string> rows, cols;  // one label per row and column
  AxisTitles axes;                      // "queries i", "keys j"
  std::string row_noun = "query";       // in each cell's name: "query 1 (cat), key 0 (The)"
  std::string col_noun = "key";
  std::string story;  // the derivations its cells show, data-story: "cell", "entry", "joint" or ""
  std::string json;   // the --json matrix it shows, data-json: "scores", "weights", … or ""
  std::vector<bool> marked;  // cells given class "max" (row i's largest score), row after row
};

// The colour classes of one page, in the order first used.
class CellStyles {
 public:
  // "k0", "k1", …: the class of a cell filled with `fill` (text black or white, whichever
  // contrasts more).
  std::string class_of(Rgb fill);
  // One rule per class.
  std::string css() const;

 private:
  std::vector<Rgb> fills_;
};

// The viridis ramp as a CSS gradient, for the colour bars: ".ramp{background:linear-gradient(…)}".
std::string ramp_css();

// The grid as a <figure> holding its table, axis titles and colour bar. The first cell is the one
// the Tab key reaches (tabindex 0), the others are reached with the arrow keys (tabindex -1).
std::string grid_table(const HtmlGrid& grid, const NumberStyle& number, CellStyles& styles);

// The grid as a <figure> holding a <canvas data-canvas="ID"> (ID the grid's id) and its colour bar.
std::string grid_canvas(const HtmlGrid& grid, const NumberStyle& number, CellStyles& styles);
// What the page's script paints the canvas with: {"rows", "cols", "palette": [64 viridis colours
// from t = 0 to 1, "#rrggbb"], "blocked": grey, "cells": one character per cell, row after row:
// "0"–"9", "a"–"z", "A"–"Z", "_", "-" for the 64 levels of t, "." blocked, "?" NaN}.
nlohmann::ordered_json canvas_data(const HtmlGrid& grid);

}  // namespace attn
