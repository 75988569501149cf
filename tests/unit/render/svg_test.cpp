#include "attn/render/svg.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <limits>
#include <string>

#include "attn/io/output_file.hpp"

using attn::Matrix;
using attn::SvgOptions;

namespace {

constexpr double kBlocked = -std::numeric_limits<double>::infinity();

// The text of the <title> inside the element with this id, or "" if there is none.
std::string title_of(const std::string& svg, const std::string& id) {
  const auto at = svg.find("id=\"" + id + "\"");
  if (at == std::string::npos) return "";
  const auto open = svg.find("<title>", at), close = svg.find("</title>", at);
  if (open == std::string::npos || close < open) return "";
  return svg.substr(open + 7, close - open - 7);
}

// The value of attribute `name` on the element with this id.
std::string attribute_of(const std::string& svg, const std::string& id, const std::string& name) {
  const auto at = svg.find("id=\"" + id + "\"");
  const auto end = svg.find('>', at);
  const auto a = svg.find(" " + name + "=\"", at);
  if (at == std::string::npos || a > end) return "";
  const auto start = a + name.size() + 3;
  return svg.substr(start, svg.find('"', start) - start);
}

bool have(const char* tool) {
  return std::system(fmt::format("command -v {} >/dev/null 2>&1", tool).c_str()) == 0;
}

}  // namespace

TEST_CASE("render_svg: one rect per cell, its title the exact value") {
  const Matrix w{{0.1, kBlocked}, {1.0 / 3.0, 0.5}};
  const std::string svg = attn::render_svg(w, SvgOptions{});
  // 1/3 as the shortest decimal that reads back as the same double: 16 threes
  CHECK(title_of(svg, "cell-1-0") == "0.3333333333333333");
  CHECK(std::stod(title_of(svg, "cell-1-0")) == 1.0 / 3.0);
  CHECK(title_of(svg, "cell-0-0") == "0.1");
  CHECK(title_of(svg, "cell-0-1") == "-inf");
  CHECK(attribute_of(svg, "cell-0-1", "fill") == "#d9d9d9");  // blocked: grey
  CHECK(attribute_of(svg, "cell-1-1", "fill") == "#21918c");  // 0.5: viridis stop 4
  CHECK(attribute_of(svg, "cell-1-1", "width") == "28");
  std::size_t rects = 0;
  for (auto p = svg.find("<rect id=\"cell-"); p != std::string::npos;
       p = svg.find("<rect id=\"cell-", p + 1))
    ++rects;
  CHECK(rects == 4);
  CHECK(svg.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg "));
  CHECK(svg.find("viewBox=\"0 0 ") != std::string::npos);
  CHECK(svg.find("<style") == std::string::npos);  // no CSS
  CHECK(svg.find("href") == std::string::npos);    // nothing external
  CHECK(svg.find("weights, fixed scale 0 to 1") != std::string::npos);
}

TEST_CASE("render_svg escapes tokens and captions") {
  SvgOptions o;
  o.row_labels = o.col_labels = {"<b>", "a&b"};
  o.caption = "mask: causal & window:3";
  const std::string svg = attn::render_svg(Matrix{{1, 0}, {0, 1}}, o);
  CHECK(svg.find("&lt;b&gt;") != std::string::npos);
  CHECK(svg.find("a&amp;b") != std::string::npos);
  CHECK(svg.find("mask: causal &amp; window:3 · weights, fixed scale 0 to 1") != std::string::npos);
  CHECK(svg.find("<b>") == std::string::npos);
  CHECK(attn::xml_escape("\"'<>&") == "&quot;&apos;&lt;&gt;&amp;");
}

TEST_CASE("render_svg: a mask, and heads side by side") {
  const std::string mask = attn::render_svg(attn::BoolMatrix{{1, 0}, {1, 1}}, SvgOptions{});
  CHECK(title_of(mask, "cell-0-1") == "-inf");
  CHECK(title_of(mask, "cell-1-1") == "0");
  CHECK(attribute_of(mask, "cell-1-1", "fill") == "#fde725");  // allowed: the top of viridis
  CHECK(mask.find("may attend") != std::string::npos);

  SvgOptions o;
  o.scale = attn::HeatScale::matrix;
  const std::vector<attn::NamedMatrix> heads{{"head 1", Matrix{{0, 1}}},
                                             {"head 2", Matrix{{2, 4}}}};
  const std::string svg = attn::render_svg(heads, o);
  CHECK(title_of(svg, "p1-cell-0-1") == "4");
  // one range over both heads, 0 … 4: head 2's 2 is t = 0.5, viridis stop 4
  CHECK(attribute_of(svg, "p1-cell-0-0", "fill") == "#21918c");
  CHECK(attribute_of(svg, "p0-cell-0-0", "fill") == "#440154");
  CHECK(svg.find(">head 2</text>") != std::string::npos);
}

TEST_CASE("render_svg output is well-formed XML that rsvg-convert draws") {
  const auto dir =
      std::filesystem::temp_directory_path() / ("attn-svg-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  SvgOptions o;
  o.row_labels = o.col_labels = {"The", "cat", "<sat>"};
  o.numbers = true;
  o.caption = "weights & mask";
  const Matrix w{{1, kBlocked, kBlocked}, {0.25, 0.75, kBlocked}, {0.1, 0.2, 0.7}};
  const auto file = dir / "w.svg";
  attn::write_file_atomically(file, attn::render_svg(w, o));
  if (have("xmllint"))
    CHECK(std::system(fmt::format("xmllint --noout '{}'", file.string()).c_str()) == 0);
  else
    MESSAGE("xmllint not installed (Debian: libxml2-utils): well-formedness not checked");
  if (have("rsvg-convert"))
    CHECK(std::system(
              fmt::format("rsvg-convert '{}' -o '{}'", file.string(), (dir / "w.png").string())
                  .c_str()) == 0);
  else
    MESSAGE("rsvg-convert not installed (Debian: librsvg2-bin): rendering not checked");
  std::filesystem::remove_all(dir);
}

TEST_CASE("render_svg names its axes: keys over the columns, queries up the left side") {
  const std::string svg = attn::render_svg(Matrix{{1, 0}, {0, 1}}, SvgOptions{});
  CHECK(svg.find("<text id=\"axis-cols\"") != std::string::npos);
  CHECK(svg.find(">keys j</text>") != std::string::npos);
  CHECK(svg.find(">queries i</text>") != std::string::npos);
  CHECK(attribute_of(svg, "axis-rows", "transform").starts_with("rotate(-90 "));

  SvgOptions o;
  o.axes = {"", "entries c & d"};
  const std::string out = attn::render_svg(Matrix{{1, 0}}, o);
  CHECK(out.find("axis-rows") == std::string::npos);
  CHECK(out.find(">entries c &amp; d</text>") != std::string::npos);
}
