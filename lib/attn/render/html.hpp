// `--html FILE`: one self-contained web page of a computation (score, weights, attend) or of a
// mask, for a class to open and explore. The CSS and the script are inline (render/html/, embedded
// at build time); the page loads nothing, from anywhere.
//
//   the page    the inputs q, k, v with their tokens; then each step of the trace in order (dot
//               products, scale, bias, softcap, mask, scores, softmax, output), each under its
//               formula as a heatmap (render/html_grid.hpp) with query and key axis titles and a
//               colour bar; a head switcher for multi-head runs, and the heads' joint output.
//   the data    a JSON block the script reads: for every cell (i, j) of each head, the text
//               `--explain I,J` prints (explain_cell); for every query row, explain_row; for every
//               entry of o, explain_output_entry; for a mask, the lines `attn mask --explain I,J`
//               prints. The script only shows and navigates: it never computes a number.
//   large       with more than `explorable` queries or keys, the heatmaps are drawn on canvases and
//               the page carries no derivations; it says so.
#pragma once

#include <cstddef>
#include <string>

#include "attn/core/geometry.hpp"
#include "attn/core/heads.hpp"
#include "attn/core/trace.hpp"
#include "attn/mask/expr.hpp"
#include "attn/render/format.hpp"
#include "attn/render/heatmap.hpp"
#include "attn/render/html_page.hpp"

namespace attn {

// The page of a run of `attn score`, `attn weights` or `attn attend`.
std::string render_html(const Run& run, const HtmlOptions& options = {});

// The page of `attn mask EXPR`: the mask, each cell explained by label.explain.
std::string render_mask_html(const BoolMatrix& mask, const Geometry& g, const MaskLabel& label,
                             const HtmlOptions& options = {});

}  // namespace attn
