#include "attn/render/svg.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "attn/render/color.hpp"
#include "attn/render/formats.hpp"

namespace attn {
namespace {

constexpr double kCharWidth = 7.2;    // an estimate of 12px sans-serif's average advance
constexpr double kDiagonal = 0.7071;  // column labels run at 45°
constexpr double kMargin = 12;
constexpr double kGap = 28;        // between panels
constexpr double kAxisTitle = 18;  // room for an axis title
constexpr double kBarWidth = 200, kBarHeight = 12;
constexpr std::string_view kBlockedFill = "#d9d9d9";

std::size_t chars(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}
std::size_t longest(const std::vector<std::string>& labels) {
  std::size_t n = 0;
  for (const auto& l : labels) n = std::max(n, chars(l));
  return n;
}
std::vector<std::string> or_indices(const std::vector<std::string>& given, std::size_t n) {
  return given.size() == n ? given : index_labels("", n);
}
std::string px(double x) {
  return fmt::format("{:g}", std::round(x * 10) / 10);
}

// The size of one panel and where its grid starts.
struct PanelBox {
  double width = 0, height = 0, grid_x = 0, grid_y = 0;
};

PanelBox measure(const NamedMatrix& p, const SvgOptions& o) {
  const auto rows = or_indices(o.row_labels, p.m.rows());
  const auto cols = or_indices(o.col_labels, p.m.cols());
  const double cell = o.cell;
  const double col_rise = static_cast<double>(longest(cols)) * kCharWidth * kDiagonal;
  PanelBox b;
  b.grid_x =
      (o.axes.rows.empty() ? 0 : kAxisTitle) + static_cast<double>(longest(rows)) * kCharWidth + 10;
  b.grid_y = (p.title.empty() ? 0 : 22) + (o.axes.cols.empty() ? 0 : kAxisTitle) + col_rise + 12;
  b.width = std::max(b.grid_x + static_cast<double>(p.m.cols()) * cell + col_rise,
                     static_cast<double>(chars(p.title)) * kCharWidth);
  b.height = b.grid_y + static_cast<double>(p.m.rows()) * cell;
  // the row title runs up the left edge, centred on the grid: it needs the grid at least as tall
  b.height = std::max(b.height, b.grid_y + static_cast<double>(chars(o.axes.rows)) * kCharWidth);
  b.width = std::max(b.width, b.grid_x + static_cast<double>(chars(o.axes.cols)) * kCharWidth);
  return b;
}

void panel(std::string& out, const NamedMatrix& p, const SvgOptions& o, const ScaleRange& range,
           double x0, double y0, const PanelBox& box, std::string_view id_prefix) {
  const auto rows = or_indices(o.row_labels, p.m.rows());
  const auto cols = or_indices(o.col_labels, p.m.cols());
  const auto cells = heat_cells(p.m, o.scale, range);
  const double cell = o.cell, gx = x0 + box.grid_x, gy = y0 + box.grid_y;
  out += fmt::format("<g>\n");
  if (!p.title.empty())
    out += fmt::format("<text x=\"{}\" y=\"{}\" font-weight=\"bold\">{}</text>\n", px(x0),
                       px(y0 + 14), xml_escape(p.title));
  const double grid_w = static_cast<double>(p.m.cols()) * cell;
  const double grid_h = static_cast<double>(p.m.rows()) * cell;
  if (!o.axes.cols.empty())
    out += fmt::format(
        "<text id=\"{}axis-cols\" x=\"{}\" y=\"{}\" text-anchor=\"middle\" "
        "font-style=\"italic\">{}</text>\n",
        id_prefix,
        px(std::max(gx + grid_w / 2,
                    x0 + static_cast<double>(chars(o.axes.cols)) * kCharWidth / 2)),
        px(y0 + (p.title.empty() ? 0 : 22) + 12), xml_escape(o.axes.cols));
  if (!o.axes.rows.empty()) {
    const double x = x0 + 12,
                 y = gy +
                     std::max(grid_h, static_cast<double>(chars(o.axes.rows)) * kCharWidth) / 2;
    out += fmt::format(
        "<text id=\"{0}axis-rows\" x=\"{1}\" y=\"{2}\" text-anchor=\"middle\" "
        "font-style=\"italic\" transform=\"rotate(-90 {1} {2})\">{3}</text>\n",
        id_prefix, px(x), px(y), xml_escape(o.axes.rows));
  }
  for (std::size_t j = 0; j < cols.size(); ++j) {
    const double x = gx + (static_cast<double>(j) + 0.5) * cell, y = gy - 6;
    out += fmt::format("<text x=\"{0}\" y=\"{1}\" transform=\"rotate(-45 {0} {1})\">{2}</text>\n",
                       px(x), px(y), xml_escape(cols[j]));
  }
  for (std::size_t i = 0; i < rows.size(); ++i)
    out += fmt::format(
        "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" dominant-baseline=\"central\">{}</text>\n",
        px(gx - 6), px(gy + (static_cast<double>(i) + 0.5) * cell), xml_escape(rows[i]));
  for (std::size_t i = 0; i < p.m.rows(); ++i) {
    for (std::size_t j = 0; j < p.m.cols(); ++j) {
      const HeatCell& c = cells[i * p.m.cols() + j];
      const double x = gx + static_cast<double>(j) * cell, y = gy + static_cast<double>(i) * cell;
      const Rgb fill = viridis(c.t);
      out += fmt::format(
          "<rect id=\"{}cell-{}-{}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" "
          "stroke=\"#ffffff\"><title>{}</title></rect>\n",
          id_prefix, i, j, px(x), px(y), cell, cell,
          c.kind == CellKind::value ? hex(fill) : std::string(kBlockedFill),
          format_exact(p.m(i, j)));
      if (o.numbers && c.kind == CellKind::value)
        out += fmt::format(
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" dominant-baseline=\"central\" "
            "font-size=\"10\" fill=\"{}\">{}</text>\n",
            px(x + cell / 2), px(y + cell / 2), hex(contrasting_text(fill)),
            xml_escape(format_number(p.m(i, j), o.number)));
    }
  }
  out += "</g>\n";
}

}  // namespace

std::string xml_escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string render_svg(const Matrix& m, const SvgOptions& options) {
  const NamedMatrix one{{}, m};
  return render_svg(std::span(&one, 1), options);
}

std::string render_svg(const BoolMatrix& mask, const SvgOptions& options) {
  SvgOptions o = options;
  o.scale = HeatScale::mask;
  return render_svg(to_additive(mask), o);
}

std::string render_svg(std::span<const NamedMatrix> panels, const SvgOptions& o) {
  std::vector<Matrix> ms;
  for (const auto& p : panels) ms.push_back(p.m);
  const ScaleRange range = scale_range(ms, o.scale);

  std::vector<PanelBox> boxes;
  double width = kMargin, grid_bottom = 0;
  for (const auto& p : panels) {
    boxes.push_back(measure(p, o));
    width += boxes.back().width + kGap;
    grid_bottom = std::max(grid_bottom, kMargin + boxes.back().height);
  }
  width += kMargin - kGap;

  // below the grids: the colour bar (or the mask's legend), its labels, the caption
  const std::string caption = o.caption.empty()
                                  ? std::string(scale_caption(o.scale))
                                  : fmt::format("{} · {}", o.caption, scale_caption(o.scale));
  const double bar_y = grid_bottom + 20;
  const double caption_y = bar_y + kBarHeight + 34;
  width = std::max({width, kMargin * 2 + static_cast<double>(chars(caption)) * kCharWidth,
                    kMargin * 2 + kBarWidth + 120});
  const double height = caption_y + kMargin;

  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {0} {1}\" width=\"{0}\" "
      "height=\"{1}\" font-family=\"DejaVu Sans, Verdana, sans-serif\" font-size=\"12\">\n",
      px(width), px(height));
  out += fmt::format("<title>{}</title>\n", xml_escape(caption));
  out += "<defs><linearGradient id=\"viridis\">";
  const auto stops = viridis_stops();
  for (std::size_t k = 0; k < stops.size(); ++k)
    out +=
        fmt::format("<stop offset=\"{:g}\" stop-color=\"{}\"/>",
                    static_cast<double>(k) / static_cast<double>(stops.size() - 1), hex(stops[k]));
  out += "</linearGradient></defs>\n";
  out +=
      fmt::format("<rect width=\"{}\" height=\"{}\" fill=\"#ffffff\"/>\n", px(width), px(height));

  double x = kMargin;
  for (std::size_t p = 0; p < panels.size(); ++p) {
    const std::string prefix = panels.size() > 1 ? fmt::format("p{}-", p) : std::string();
    panel(out, panels[p], o, range, x, kMargin, boxes[p], prefix);
    x += boxes[p].width + kGap;
  }

  const double bx = kMargin;
  const auto swatch = [&](double sx, std::string_view fill, std::string_view label) {
    return fmt::format(
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"/>"
        "<text x=\"{}\" y=\"{}\" dominant-baseline=\"central\">{}</text>\n",
        px(sx), px(bar_y), kBarHeight, kBarHeight, fill, px(sx + kBarHeight + 6),
        px(bar_y + kBarHeight / 2), label);
  };
  out += "<g>\n";
  if (o.scale == HeatScale::mask) {
    out += swatch(bx, hex(viridis(1.0)), "may attend");
    out += swatch(bx + 110, kBlockedFill, "blocked (−∞)");
  } else {
    std::string lo = "0", hi = "1";
    if (o.scale == HeatScale::row) lo = "row min", hi = "row max";
    if (o.scale == HeatScale::matrix)
      lo = format_number(range.lo, o.number), hi = format_number(range.hi, o.number);
    out +=
        fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"url(#viridis)\"/>\n",
                    px(bx), px(bar_y), kBarWidth, kBarHeight);
    out += fmt::format("<text x=\"{}\" y=\"{}\">{}</text>\n", px(bx), px(bar_y + kBarHeight + 14),
                       xml_escape(lo));
    out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n",
                       px(bx + kBarWidth), px(bar_y + kBarHeight + 14), xml_escape(hi));
    out += swatch(bx + kBarWidth + 16, kBlockedFill, "blocked (−∞)");
  }
  out += fmt::format("<text x=\"{}\" y=\"{}\">{}</text>\n", px(bx), px(caption_y),
                     xml_escape(caption));
  out += "</g>\n</svg>\n";
  return out;
}

}  // namespace attn
