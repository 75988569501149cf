#include "attn/render/html_grid.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <span>

#include "attn/core/rules.hpp"
#include "attn/render/svg.hpp"

namespace attn {
namespace {

// The canvas's 64 levels of t, as one character each (the "base64url" alphabet).
constexpr std::string_view kLevels =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-";
constexpr std::string_view kBlockedFill = "#d9d9d9";  // as in the SVG

// "query 1 (cat)", or "query 1" when the label is the index itself.
std::string place(const std::string& noun, std::size_t n, const std::string& label) {
  return label == std::to_string(n) ? fmt::format("{} {}", noun, n)
                                    : fmt::format("{} {} ({})", noun, n, label);
}

std::string bar(const HtmlGrid& g, const ScaleRange& range, const NumberStyle& number,
                CellStyles& styles, bool any_blocked) {
  const std::string blocked =
      "<span class=\"key\"><span class=\"swatch blk\"></span> blocked (−∞)</span>";
  if (g.scale == HeatScale::mask)
    return fmt::format(
        "<p class=\"bar\"><span class=\"key\"><span class=\"swatch {}\"></span> may attend</span> "
        "{}</p>\n",
        styles.class_of(viridis(1.0)), blocked);
  std::string lo = "0", hi = "1";
  if (g.scale == HeatScale::row) lo = "row min", hi = "row max";
  if (g.scale == HeatScale::matrix)
    lo = format_number(range.lo, number), hi = format_number(range.hi, number);
  return fmt::format(
      "<p class=\"bar\"><span class=\"end\">{}</span><span class=\"ramp\"></span><span "
      "class=\"end\">{}</span> <span class=\"scale\">{}</span>{}</p>\n",
      xml_escape(lo), xml_escape(hi), scale_caption(g.scale), any_blocked ? " " + blocked : "");
}

std::string figure_open(const HtmlGrid& g) {
  return fmt::format(
      "<figure class=\"grid\" id=\"{}\">\n<figcaption><span class=\"sym\">{}</span> {}"
      "</figcaption>\n",
      g.id, xml_escape(g.symbol), xml_escape(g.name));
}

std::string axis_titles(const HtmlGrid& g) {
  return fmt::format("<span class=\"ax-c\">{} →</span>\n<span class=\"ax-r\">{} →</span>\n",
                     xml_escape(g.axes.cols), xml_escape(g.axes.rows));
}

const Matrix& coloured(const HtmlGrid& g) {
  return g.colours ? *g.colours : *g.values;
}

}  // namespace

std::string CellStyles::class_of(Rgb fill) {
  const auto at = std::find(fills_.begin(), fills_.end(), fill);
  if (at != fills_.end()) return fmt::format("k{}", at - fills_.begin());
  fills_.push_back(fill);
  return fmt::format("k{}", fills_.size() - 1);
}

std::string CellStyles::css() const {
  std::string out;
  for (std::size_t n = 0; n < fills_.size(); ++n)
    out += fmt::format(".k{}{{background:{};color:{}}}\n", n, hex(fills_[n]),
                       hex(contrasting_text(fills_[n])));
  return out;
}

std::string ramp_css() {
  std::string stops;
  for (const Rgb& c : viridis_stops()) stops += (stops.empty() ? "" : ",") + hex(c);
  return fmt::format(".ramp{{background:linear-gradient(to right,{})}}\n", stops);
}

std::string grid_table(const HtmlGrid& g, const NumberStyle& number, CellStyles& styles) {
  const Matrix& m = *g.values;
  const ScaleRange range = scale_range(std::span(&coloured(g), 1), g.scale);
  const auto cells = heat_cells(coloured(g), g.scale, range);
  std::string out = figure_open(g);
  out += "<div class=\"plot\">\n" + axis_titles(g);
  out += fmt::format(
      "<div class=\"scroll\">\n<table class=\"heat\" role=\"grid\" aria-label=\"{} {}: rows are "
      "{}, columns are {}\"{}{}>\n",
      xml_escape(g.symbol), xml_escape(g.name), xml_escape(g.axes.rows), xml_escape(g.axes.cols),
      g.story.empty() ? "" : fmt::format(" data-story=\"{}\"", g.story),
      g.json.empty() ? "" : fmt::format(" data-json=\"{}\"", g.json));
  out += fmt::format("<thead><tr><th scope=\"col\"><span class=\"vh\">{} \\ {}</span></th>",
                     xml_escape(g.axes.rows), xml_escape(g.axes.cols));
  for (const auto& c : g.cols) out += fmt::format("<th scope=\"col\">{}</th>", xml_escape(c));
  out += "</tr></thead>\n<tbody>\n";
  bool any_blocked = false;
  for (std::size_t i = 0; i < m.rows(); ++i) {
    out += fmt::format("<tr><th scope=\"row\" data-i=\"{}\">{}</th>", i, xml_escape(g.rows[i]));
    for (std::size_t j = 0; j < m.cols(); ++j) {
      const std::size_t n = i * m.cols() + j;
      const HeatCell& c = cells[n];
      std::string cls = c.kind == CellKind::blocked ? "blk"
                        : c.kind == CellKind::nan   ? "nan"
                                                    : styles.class_of(viridis(c.t));
      any_blocked = any_blocked || c.kind == CellKind::blocked;
      if (!g.marked.empty() && g.marked[n]) cls += " max";
      const std::string value = format_number(m(i, j), number);
      out += fmt::format(
          "<td class=\"{}\" tabindex=\"{}\" data-i=\"{}\" data-j=\"{}\" aria-label=\"{}, {}: {} = "
          "{}{}\">{}</td>",
          cls, n == 0 ? 0 : -1, i, j, xml_escape(place(g.row_noun, i, g.rows[i])),
          xml_escape(place(g.col_noun, j, g.cols[j])), xml_escape(g.symbol), xml_escape(value),
          c.kind == CellKind::blocked ? " (blocked)" : "", xml_escape(value));
    }
    out += "</tr>\n";
  }
  out += "</tbody>\n</table>\n</div>\n</div>\n";
  return out + bar(g, range, number, styles, any_blocked) + "</figure>\n";
}

std::string grid_canvas(const HtmlGrid& g, const NumberStyle& number, CellStyles& styles) {
  const Matrix& m = coloured(g);
  const ScaleRange range = scale_range(std::span(&m, 1), g.scale);
  bool any_blocked = false;
  for (double x : m.values()) any_blocked = any_blocked || x == neg_inf;
  std::string out = figure_open(g);
  out += "<div class=\"plot\">\n" + axis_titles(g);
  out += fmt::format(
      "<div class=\"scroll\">\n<canvas class=\"heat-canvas\" data-canvas=\"{}\" width=\"{}\" "
      "height=\"{}\" role=\"img\" aria-label=\"{} {}: a heatmap of {} rows ({}) and {} columns "
      "({})\"></canvas>\n</div>\n</div>\n",
      g.id, m.cols(), m.rows(), xml_escape(g.symbol), xml_escape(g.name), m.rows(),
      xml_escape(g.axes.rows), m.cols(), xml_escape(g.axes.cols));
  return out + bar(g, range, number, styles, any_blocked) + "</figure>\n";
}

nlohmann::ordered_json canvas_data(const HtmlGrid& g) {
  const Matrix& m = coloured(g);
  const ScaleRange range = scale_range(std::span(&m, 1), g.scale);
  const auto cells = heat_cells(m, g.scale, range);
  auto palette = nlohmann::ordered_json::array();
  const auto top = static_cast<double>(kLevels.size() - 1);
  for (std::size_t k = 0; k < kLevels.size(); ++k)
    palette.push_back(hex(viridis(static_cast<double>(k) / top)));
  std::string text;
  text.reserve(cells.size());
  for (const HeatCell& c : cells) {
    if (c.kind == CellKind::blocked) {
      text += '.';
    } else if (c.kind == CellKind::nan) {
      text += '?';
    } else {
      const auto level = static_cast<std::size_t>(std::lround(c.t * top));
      text += kLevels[std::min(level, kLevels.size() - 1)];
    }
  }
  return {{"rows", m.rows()},
          {"cols", m.cols()},
          {"palette", std::move(palette)},
          {"blocked", kBlockedFill},
          {"cells", std::move(text)}};
}

}  // namespace attn
