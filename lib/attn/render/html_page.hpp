// What every web page of attn (render/html.hpp, render/html_grad.hpp) is made of: its options, the
// page itself, which collects the colour classes, the canvases' data and the derivations while its
// parts are written, and writes the document around them; and the small pieces its views share
// (titles, plain number tables). Used by html.cpp (the forward pages) and html_grad.cpp (the
// backward page).
#pragma once

#include <fmt/format.h>

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "attn/core/geometry.hpp"
#include "attn/core/matrix.hpp"
#include "attn/core/version.hpp"
#include "attn/render/format.hpp"
#include "attn/render/heatmap.hpp"
#include "attn/render/html_assets.hpp"
#include "attn/render/html_grid.hpp"

namespace attn {

// What every page takes from the command line.
struct HtmlOptions {
  NumberStyle number;           // --digits: the values in the cells and in the derivations
  AxisLabels labels;            // --tokens: rows (queries) and columns (keys); empty → indices
  std::size_t explorable = 64;  // more queries or keys than this: heatmaps only
};

// Text for a <script type="application/json"> block: "</" and "<!--" cannot end or open anything.
std::string script_safe(std::string json);

}  // namespace attn

namespace attn::html {

using Json = nlohmann::ordered_json;

// `labels` when there is one per row, else "0", "1", …
std::vector<std::string> or_indices(const std::vector<std::string>& labels, std::size_t n);

// The <title>: at most 70 characters as written in the page (entities count in full), as a browser
// tab and a bookmark show it; a longer one is cut and ends in "…".
std::string page_title(std::string_view text);

// "1 query", "3 queries".
std::string plural(std::size_t n, std::string_view one, std::string_view many);

// A matrix of numbers as a plain table (the inputs q, k, v).
std::string number_table(const Matrix& m, std::string_view caption,
                         const std::vector<std::string>& rows, const NumberStyle& number);

// Everything one page collects while its parts are written: the colour classes, the canvases'
// data and each head's derivations.
class Page {
 public:
  Page(const HtmlOptions& o, const Geometry& g)
      : o_(o),
        explorable_(g.n_q <= o.explorable && g.n_k <= o.explorable),
        queries_(or_indices(o.labels.rows, g.n_q)),
        keys_(or_indices(o.labels.cols, g.n_k)) {}

  bool explorable() const { return explorable_; }
  const std::vector<std::string>& queries() const { return queries_; }
  const std::vector<std::string>& keys() const { return keys_; }
  const NumberStyle& number() const { return o_.number; }

  // A grid of n_q rows: an explorable table, or a canvas when it is too large.
  std::string grid(const HtmlGrid& g) {
    const Matrix& m = *g.values;
    if (explorable_ && m.cols() <= o_.explorable) return grid_table(g, o_.number, styles_);
    canvases_[g.id] = canvas_data(g);
    return grid_canvas(g, o_.number, styles_);
  }
  // A grid whose cells are the queries against the keys.
  HtmlGrid scores_grid(std::string id, std::string symbol, std::string name, const Matrix& m,
                       HeatScale scale) const {
    HtmlGrid g;
    g.id = std::move(id);
    g.symbol = std::move(symbol);
    g.name = std::move(name);
    g.values = &m;
    g.scale = scale;
    g.rows = queries_;
    g.cols = keys_;
    g.story = explorable_ ? "cell" : "";
    return g;
  }

  Json& data() { return data_; }

  std::string document(std::string_view title, std::string_view header, std::string_view main,
                       std::string_view aside) {
    data_["explorable"] = explorable_;
    data_["canvases"] = canvases_;
    std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
    out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    out += fmt::format("<meta name=\"generator\" content=\"attn {}\">\n", version());
    out += fmt::format("<title>{}</title>\n", page_title(title));
    out += fmt::format("<style>\n{}</style>\n", html_page_css());
    out += fmt::format("<style>\n{}{}</style>\n", ramp_css(), styles_.css());
    out += "</head>\n<body>\n";
    out += fmt::format("<header>\n{}</header>\n", header);
    out += fmt::format("<div class=\"layout\">\n<main id=\"steps\">\n{}</main>\n{}</div>\n", main,
                       aside);
    out += fmt::format(
        "<footer><p>Made by attn {}. Every number on this page was computed by attn and is "
        "only shown here: the page computes nothing.</p></footer>\n",
        version());
    out += fmt::format("<script type=\"application/json\" id=\"attn-data\">{}</script>\n",
                       script_safe(data_.dump(-1, ' ', false, Json::error_handler_t::replace)));
    out += fmt::format("<script>\n{}</script>\n</body>\n</html>\n", html_page_js());
    return out;
  }

  // The panel where the derivations appear; `rows`: the page also explains query rows.
  std::string aside(bool rows) const {
    if (!explorable_) return {};
    std::string out =
        "<aside class=\"side\" aria-label=\"Derivations\" tabindex=\"0\">\n"
        "<h2 id=\"cell-title\">Cell</h2>\n"
        "<pre class=\"story\" id=\"cell-story\" aria-live=\"polite\">Hover over or focus a cell "
        "to see how it was computed.</pre>\n";
    if (rows)
      out +=
          "<h2 id=\"row-title\">Row</h2>\n"
          "<pre class=\"story\" id=\"row-story\" aria-live=\"polite\">Click a cell, or press "
          "Enter on it, to follow its query row through the softmax to the output.</pre>\n";
    return out + "</aside>\n";
  }

  // How to explore; `rows`: cells select their query row.
  std::string how_to(bool rows) const {
    if (explorable_)
      return fmt::format(
          "<p class=\"how\">Hover over or focus any cell to see every term of its derivation. "
          "The arrow keys move between the cells of a heatmap (Home and End to a row's ends){}."
          "</p>\n",
          rows ? "; Enter or a click selects the cell's query row" : "");
    return fmt::format(
        "<p class=\"note\">With more than {} queries or keys the page shows the heatmaps without "
        "per-cell derivations: run attn on fewer tokens to explore each cell.</p>\n",
        o_.explorable);
  }

 private:
  const HtmlOptions& o_;
  bool explorable_;
  std::vector<std::string> queries_, keys_;
  CellStyles styles_;
  Json canvases_ = Json::object();
  Json data_ = Json::object();
};

}  // namespace attn::html
