#include "attn/render/heatmap.hpp"

#include <doctest/doctest.h>

#include <limits>

#include "attn/core/error.hpp"

using attn::HeatmapOptions;
using attn::HeatScale;
using attn::Matrix;

namespace {

constexpr double kBlocked = -std::numeric_limits<double>::infinity();

HeatmapOptions plain(bool utf8) {
  HeatmapOptions o;
  o.color.enabled = false;
  o.color.utf8 = utf8;
  return o;
}

}  // namespace

TEST_CASE("heat_cells: the unit scale clamps, blocked and NaN cells are marked") {
  const Matrix m{{0.25, 1.5, kBlocked, std::numeric_limits<double>::quiet_NaN()}};
  const auto cells = attn::heat_cells(m, HeatScale::unit, {});
  REQUIRE(cells.size() == 4);
  CHECK(cells[0].t == 0.25);
  CHECK(cells[1].t == 1.0);
  CHECK(cells[2].kind == attn::CellKind::blocked);
  CHECK(cells[3].kind == attn::CellKind::nan);
}

TEST_CASE("heat_cells: the row scale spans each row's unmasked scores") {
  // row 0: min 1, max 3 over the finite cells → t = (x − 1)/2: 0, 1, 0.5; −∞ stays blocked
  // row 1: all equal → each is the row's largest, t = 1
  const Matrix m{{1, 3, 2, kBlocked}, {2, 2, 2, 2}};
  const auto cells = attn::heat_cells(m, HeatScale::row, {});
  CHECK(cells[0].t == 0.0);
  CHECK(cells[1].t == 1.0);
  CHECK(cells[2].t == 0.5);
  CHECK(cells[3].kind == attn::CellKind::blocked);
  for (std::size_t j = 4; j < 8; ++j) CHECK(cells[j].t == 1.0);
}

TEST_CASE("scale_range: the matrix scale spans every finite value of every matrix") {
  const std::vector<Matrix> ms{Matrix{{-1, kBlocked}}, Matrix{{4, 2}}};
  const auto r = attn::scale_range(ms, HeatScale::matrix);
  CHECK(r.lo == -1);
  CHECK(r.hi == 4);
  CHECK(attn::scale_range(ms, HeatScale::unit).hi == 1);
  // (2 − (−1)) / 5 = 0.6
  CHECK(attn::heat_cells(ms[1], HeatScale::matrix, r)[1].t == doctest::Approx(0.6));
}

TEST_CASE("split_tokens and axis_labels") {
  CHECK(attn::split_tokens("The, cat ,sat") == std::vector<std::string>{"The", "cat", "sat"});
  CHECK(attn::split_tokens("a,,b") == std::vector<std::string>{"a", "", "b"});
  CHECK(attn::split_tokens("").empty());
  const std::vector<std::string> tokens{"The", "cat", "sat", "down"};
  SUBCASE("bottom-right: two queries are the last two positions") {
    const auto l = attn::axis_labels(tokens, {2, 4, attn::Align::bottom_right});
    CHECK(l.rows == std::vector<std::string>{"sat", "down"});
    CHECK(l.cols == tokens);
  }
  SUBCASE("top-left: the first two") {
    CHECK(attn::axis_labels(tokens, {2, 4, attn::Align::top_left}).rows ==
          std::vector<std::string>{"The", "cat"});
  }
  SUBCASE("more queries than keys: the first row sits at p = −1 and keeps its index") {
    CHECK(attn::axis_labels({"a", "b"}, {3, 2, attn::Align::bottom_right}).rows ==
          std::vector<std::string>{"0", "a", "b"});
  }
  SUBCASE("no tokens: indices") {
    CHECK(attn::axis_labels({}, {1, 2}).cols == std::vector<std::string>{"0", "1"});
  }
  SUBCASE("the wrong number of tokens is a usage error") {
    try {
      attn::axis_labels({"a", "b"}, {3, 3});
      FAIL("no error");
    } catch (const attn::Error& e) {
      CHECK(e.code() == attn::Exit::usage);
      CHECK(std::string(e.what()) == "--tokens names 2 tokens but there are 3 keys");
    }
  }
}

TEST_CASE("render_heatmap without colour, UTF-8: shades") {
  // weights [[1, −∞], [0.25, 0.75]] on the unit scale; level ⌈4t⌉ of " ░▒▓█":
  // 1 → 4 █, 0.25 → 1 ░, 0.75 → 3 ▓; −∞ → "·" centred in the two-column cell ("· ")
  // label column 1 wide, then " " + each 2-wide cell; trailing spaces trimmed
  auto o = plain(true);
  o.row_labels = o.col_labels = {"a", "b"};
  const Matrix w{{1, kBlocked}, {0.25, 0.75}};
  CHECK(attn::render_heatmap(w, o) ==
        "rows: queries i; columns: keys j\n"
        "  a  b\n"
        "a ██ ·\n"
        "b ░░ ▓▓\n"
        "0 |░░░░░▒▒▒▒▒▓▓▓▓▓█████| 1   · blocked (-inf)\n"
        "weights, fixed scale 0 to 1\n");
}

TEST_CASE("render_heatmap in ASCII: the ramp, x for blocked") {
  // level ⌈9t⌉ of " .:-=+*#%@": 1 → 9 '@', 0.25 → ⌈2.25⌉ = 3 '-', 0.75 → ⌈6.75⌉ = 7 '#'
  const Matrix w{{1, kBlocked}, {0.25, 0.75}};
  const std::string expected =
      "rows: queries i; columns: keys j\n"
      "  0  1\n"
      "0 @@ x\n"
      "1 -- ##\n"
      "0 |..::--==++**##%%@@| 1   x blocked (-inf)\n"
      "weights, fixed scale 0 to 1\n";
  CHECK(attn::render_heatmap(w, plain(false)) == expected);
  auto o = plain(true);
  o.color.enabled = true;
  o.ascii = true;  // --ascii wins over colour and UTF-8
  CHECK(attn::render_heatmap(w, o) == expected);
}

TEST_CASE("render_heatmap with 256 colours") {
  // 0.5 → viridis stop 4, #21918C, nearest cube entry 30 (see color_test); blocked is the grey
  // 244 dot; the bar runs from viridis(0) = entry 53 to viridis(1) = entry 220
  HeatmapOptions o;
  o.color = {true, attn::ColorDepth::xterm256, true};
  o.axes = {"", ""};  // no axis line: the grid comes first
  const std::string out = attn::render_heatmap(Matrix{{0.5, kBlocked}}, o);
  const auto first_newline = out.find('\n');
  const auto second_newline = out.find('\n', first_newline + 1);
  CHECK(out.substr(0, first_newline) == "  0  1");
  CHECK(out.substr(first_newline + 1, second_newline - first_newline - 1) ==
        "0 \x1b[48;5;30m  \x1b[0m \x1b[38;5;244m·\x1b[0m");
  const std::string bar = out.substr(second_newline + 1);
  CHECK(bar.starts_with("0 \x1b[48;5;53m "));
  CHECK(bar.find("\x1b[48;5;220m \x1b[0m 1   \x1b[38;5;244m·\x1b[0m blocked (-inf)\n"
                 "weights, fixed scale 0 to 1\n") != std::string::npos);
}

TEST_CASE("render_heatmap numbers: black on light cells, white on dark ones") {
  // 0.5 → #21918C, luminance 0.225 > 0.179 → black text; "0.5" + a space each side = 5 columns
  // 0 → #440154 → white text; "0" right-aligned in the same 5 columns
  HeatmapOptions o;
  o.color = {true, attn::ColorDepth::truecolor, true};
  o.numbers = true;
  o.colorbar = false;
  o.axes = {"", ""};
  CHECK(attn::render_heatmap(Matrix{{0.5, 0}}, o) ==
        "  0     1\n"
        "0 \x1b[48;2;33;145;140m\x1b[38;2;0;0;0m 0.5 \x1b[0m "
        "\x1b[48;2;68;1;84m\x1b[38;2;255;255;255m   0 \x1b[0m\n");
}

TEST_CASE("render_heatmap elides the middle columns beyond the width, and long matrices") {
  // 30 columns of 1, labels 0…29 (cells 2 wide), row label 1 wide, ASCII ellipsis 3 wide:
  // a line is 1 + 1 + 2k·3 + 3 columns, ≤ 20 for k = ⌊15/6⌋ = 2 at each edge
  auto o = plain(false);
  o.width = 20;
  o.colorbar = false;
  o.axes = {"", ""};
  CHECK(attn::render_heatmap(Matrix(1, 30, 1.0), o) ==
        "  0  1  ... 28 29\n"
        "0 @@ @@ ... @@ @@\n");
  o.width = 0;
  o.max_rows = 2;  // one row at each end
  CHECK(attn::render_heatmap(Matrix(5, 1, 1.0), o) ==
        "  0\n"
        "0 @@\n"
        "...\n"
        "4 @@\n");
}

TEST_CASE("render_heatmap of a mask, and long labels") {
  auto o = plain(true);
  o.row_labels = o.col_labels = {"tokenisation", "x"};
  o.max_label = 5;  // "tokenisation" → "toke…"
  CHECK(attn::render_heatmap(attn::BoolMatrix{{1, 0}, {1, 1}}, o) ==
        "rows: queries i; columns: keys j\n"
        "      toke… x\n"
        "toke… █████   ·\n"
        "    x █████ █████\n"
        "██ may attend  · blocked (-inf)\n");
}

TEST_CASE("render_heatmaps: one title per head, one shared colour bar") {
  // matrix scale over both heads: 0 … 2, so head 0's 0 is t = 0 (blank) and head 1's 2 is t = 1
  auto o = plain(false);
  o.scale = HeatScale::matrix;
  const std::vector<attn::NamedMatrix> heads{{"head 0", Matrix{{0}}}, {"head 1", Matrix{{2}}}};
  o.axes = {"queries i", "entries c of o"};
  CHECK(attn::render_heatmaps(heads, o) ==
        "rows: queries i; columns: entries c of o\n"
        "head 0\n"
        "  0\n"
        "0\n"
        "\n"
        "head 1\n"
        "  0\n"
        "0 @@\n"
        "0 |..::--==++**##%%@@| 2\n"
        "smallest to largest value\n");
}

TEST_CASE("axis_line says what the rows and the columns are") {
  CHECK(attn::axis_line({}) == "rows: queries i; columns: keys j");
  CHECK(attn::axis_line({"queries i", ""}) == "rows: queries i");
  CHECK(attn::axis_line({"", "keys j"}) == "columns: keys j");
  CHECK(attn::axis_line({"", ""}).empty());
}

namespace {

// Terminal columns of a line once its SGR escapes (ESC [ … m) are removed.
std::size_t visible_width(const std::string& line) {
  std::string plain_text;
  for (std::size_t k = 0; k < line.size(); ++k) {
    if (line[k] == '\x1b') {
      k = line.find('m', k);
      continue;
    }
    plain_text += line[k];
  }
  return attn::display_width(plain_text);
}

}  // namespace

TEST_CASE("the legend under a heatmap fits a 60-column terminal") {
  // every scale, with a blocked cell, in colour, in shades and in ASCII, at 4 decimals; the
  // matrix scale's ends are the widest numbers 4 decimals give here, -12345.6789 and 12345.6789
  const Matrix m{{-12345.6789, kBlocked}, {12345.6789, 0.5}};
  for (const auto scale : {HeatScale::unit, HeatScale::row, HeatScale::matrix, HeatScale::mask}) {
    for (const int look : {0, 1, 2}) {
      auto o = plain(look != 2);
      o.color = {look == 0, attn::ColorDepth::truecolor, look != 2};
      o.scale = scale;
      o.axes = {"", ""};
      const std::string out = attn::render_heatmap(m, o);
      // the legend: everything after the grid's three lines (header and two rows)
      std::size_t at = 0;
      for (int line = 0; line < 3; ++line) at = out.find('\n', at) + 1;
      for (std::size_t end = out.find('\n', at); end != std::string::npos;
           at = end + 1, end = out.find('\n', at)) {
        const std::string line = out.substr(at, end - at);
        CAPTURE(look);
        CAPTURE(line);
        CHECK(visible_width(line) <= 60);
      }
    }
  }
}
