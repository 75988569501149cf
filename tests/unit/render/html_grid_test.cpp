#include "attn/render/html_grid.hpp"

#include <doctest/doctest.h>

#include <string>

#include "attn/core/rules.hpp"

using attn::HtmlGrid;
using attn::Matrix;

namespace {

std::size_t count(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

HtmlGrid weights_grid(const Matrix& m) {
  HtmlGrid g;
  g.id = "h0-alpha";
  g.symbol = "α";
  g.name = "weights";
  g.values = &m;
  g.scale = attn::HeatScale::unit;
  g.rows = {"The", "<b>"};
  g.cols = {"0", "cat"};
  g.story = "cell";
  g.json = "weights";
  return g;
}

}  // namespace

TEST_CASE("grid_table: one named, focusable, coloured cell per value") {
  // α = [[1, −∞], [0.5, 0]] on the unit scale: 1 → viridis(1) = #fde725 (black text), 0.5 →
  // #21918c (luminance 0.225 > 0.179: black text), 0 → #440154 (white text); −∞ → grey "blk"
  const Matrix w{{1, attn::neg_inf}, {0.5, 0}};
  attn::CellStyles styles;
  const std::string html = attn::grid_table(weights_grid(w), attn::NumberStyle{4}, styles);
  CAPTURE(html);
  CHECK(count(html, "<td class=") == 4);
  CHECK(count(html, "tabindex=\"0\"") == 1);  // one Tab stop: the first cell
  CHECK(count(html, "tabindex=\"-1\"") == 3);
  CHECK(html.find("<td class=\"k0\" tabindex=\"0\" data-i=\"0\" data-j=\"0\" aria-label=\"query 0 "
                  "(The), key 0: α = 1\">1</td>") != std::string::npos);
  CHECK(html.find("<td class=\"blk\" tabindex=\"-1\" data-i=\"0\" data-j=\"1\" aria-label=\"query "
                  "0 (The), key 1 (cat): α = -inf (blocked)\">-inf</td>") != std::string::npos);
  CHECK(html.find("aria-label=\"query 1 (&lt;b&gt;), key 0: α = 0.5\">0.5</td>") !=
        std::string::npos);
  CHECK(html.find("<th scope=\"row\" data-i=\"1\">&lt;b&gt;</th>") != std::string::npos);
  CHECK(html.find("<b>") == std::string::npos);
  CHECK(html.find("data-story=\"cell\" data-json=\"weights\"") != std::string::npos);
  CHECK(html.find("role=\"grid\"") != std::string::npos);
  // axis titles, and the colour bar: its ends, the scale, the blocked key
  CHECK(html.find("<span class=\"ax-c\">keys j →</span>") != std::string::npos);
  CHECK(html.find("<span class=\"ax-r\">queries i →</span>") != std::string::npos);
  CHECK(html.find("<span class=\"end\">0</span><span class=\"ramp\"></span><span "
                  "class=\"end\">1</span> <span class=\"scale\">weights, fixed scale 0 to "
                  "1</span>") != std::string::npos);
  CHECK(html.find("blocked (−∞)") != std::string::npos);
  CHECK(styles.css() ==
        ".k0{background:#fde725;color:#000000}\n"
        ".k1{background:#21918c;color:#000000}\n"
        ".k2{background:#440154;color:#ffffff}\n");
}

TEST_CASE("grid_table: the marked cells, the row scale, --digits") {
  // row scale: row 0 runs from 1 (t = 0) to 3 (t = 1), so 2 is t = 0.5
  const Matrix beta{{1, 2, 3}};
  HtmlGrid g;
  g.id = "b";
  g.symbol = "β";
  g.name = "scores";
  g.values = &beta;
  g.rows = {"0"};
  g.cols = {"0", "1", "2"};
  g.marked = {false, false, true};
  attn::CellStyles styles;
  const std::string html = attn::grid_table(g, attn::NumberStyle{2}, styles);
  CHECK(html.find("class=\"k2 max\"") != std::string::npos);
  CHECK(count(html, " max\"") == 1);
  CHECK(html.find("row min") != std::string::npos);
  CHECK(html.find("data-story") == std::string::npos);  // no derivations asked for
  CHECK(styles.css().find(".k1{background:#21918c;") != std::string::npos);
  const Matrix third{{1.0 / 3.0}};
  g.values = &third;
  g.cols = {"0"};
  g.marked = {};
  CHECK(attn::grid_table(g, attn::NumberStyle{2}, styles).find(">0.33</td>") != std::string::npos);
}

TEST_CASE("CellStyles: one class per colour, and the viridis ramp") {
  attn::CellStyles styles;
  CHECK(styles.class_of({1, 2, 3}) == "k0");
  CHECK(styles.class_of({4, 5, 6}) == "k1");
  CHECK(styles.class_of({1, 2, 3}) == "k0");
  CHECK(attn::ramp_css() ==
        ".ramp{background:linear-gradient(to right,#440154,#472d7b,#3b528b,#2c728e,#21918c,"
        "#28ae80,#5ec962,#addc30,#fde725)}\n");
}

TEST_CASE("canvas_data: one character per cell, 64 levels of t") {
  // unit scale: 0 → level 0 "0", 0.5 → round(31.5) = 32 → "w" (0–9, then a = 10 … w = 32),
  // 1 → level 63 "-"; blocked "."
  const Matrix w{{0, 0.5}, {1, attn::neg_inf}};
  const auto data = attn::canvas_data(weights_grid(w));
  CHECK(data["cells"] == "0w-.");
  CHECK(data["rows"] == 2);
  CHECK(data["cols"] == 2);
  CHECK(data["palette"].size() == 64);
  CHECK(data["palette"].front() == "#440154");
  CHECK(data["palette"].back() == "#fde725");
  CHECK(data["blocked"] == "#d9d9d9");
  attn::CellStyles styles;
  const std::string html = attn::grid_canvas(weights_grid(w), attn::NumberStyle{}, styles);
  CHECK(html.find("<canvas class=\"heat-canvas\" data-canvas=\"h0-alpha\" width=\"2\" "
                  "height=\"2\" role=\"img\"") != std::string::npos);
  CHECK(html.find("<td") == std::string::npos);
}
