#include "attn/render/heatmap.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "attn/core/error.hpp"
#include "attn/core/rules.hpp"

namespace attn {
namespace {

// Ten levels of ink, lightest first (the classic ASCII-art ramp), and four shades plus blank.
constexpr std::string_view kAsciiRamp = " .:-=+*#%@";
constexpr std::string_view kShades[] = {" ", "░", "▒", "▓", "█"};
constexpr Rgb kGrey{128, 128, 128};
constexpr std::size_t kBarCells = 20;                      // colour bar width in colour
constexpr std::size_t kShadeRepeat = 5, kAsciiRepeat = 2;  // each level's width in the bar
constexpr std::size_t kLegendWidth = 60;                   // no line of the legend is wider

enum class Look { color, shade, ascii };

// The first n code points of s.
std::string first_code_points(std::string_view s, std::size_t n) {
  std::size_t seen = 0, i = 0;
  for (; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80 && seen++ == n) break;
  }
  return std::string(s.substr(0, i));
}

std::string right(std::string_view s, std::size_t w) {
  return std::string(w - std::min(w, display_width(s)), ' ') + std::string(s);
}
std::string left(std::string_view s, std::size_t w) {
  return std::string(s) + std::string(w - std::min(w, display_width(s)), ' ');
}
std::string repeat(std::string_view s, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}
void rtrim(std::string& s) {
  while (!s.empty() && s.back() == ' ') s.pop_back();
}

// Indices to show out of n, keeping `edge` at each end when there is one.
std::vector<std::optional<std::size_t>> shown(std::size_t n, std::optional<std::size_t> edge) {
  return shown_indices(n, edge.has_value(), edge.value_or(0));
}

// Everything about drawing that follows from the options, worked out once.
class Painter {
 public:
  explicit Painter(const HeatmapOptions& o)
      : o_(o),
        look_(o.ascii           ? Look::ascii
              : o.color.enabled ? Look::color
              : o.color.utf8    ? Look::shade
                                : Look::ascii),
        utf8_(!o.ascii && o.color.utf8) {}

  bool utf8() const { return utf8_; }
  std::string_view ellipsis() const { return utf8_ ? "…" : "..."; }
  std::string_view blocked_mark() const { return utf8_ ? "·" : "x"; }

  std::string label(std::string_view s) const {
    if (display_width(s) <= o_.max_label || o_.max_label < 2) return std::string(s);
    return first_code_points(s, o_.max_label - 1) + (utf8_ ? "…" : "~");
  }

  std::string number(double x) const { return format_number(x, o_.number); }

  // One cell, `w` columns wide.
  std::string cell(const HeatCell& c, double x, std::size_t w) const {
    if (c.kind != CellKind::value) {
      const std::string mark(c.kind == CellKind::blocked ? blocked_mark() : "?");
      const std::size_t gap = w - std::min(w, display_width(mark));
      return std::string(gap / 2, ' ') + (look_ == Look::color ? paint_fg(kGrey, mark) : mark) +
             std::string(gap - gap / 2, ' ');
    }
    if (look_ == Look::color) {
      const auto [bg, shown_rgb] = background(c.t);
      std::string text = o_.numbers ? " " + right(number(x), w - 2) + " " : std::string(w, ' ');
      if (o_.numbers)
        text = sgr(contrasting_text(shown_rgb), o_.color.depth, Layer::foreground) + text;
      return bg + text + std::string(sgr_reset);
    }
    const std::string g = glyph(c.t);
    return o_.numbers ? g + " " + right(number(x), w - 2) : repeat(g, w);
  }

  // The colour bar's ramp, kBarCells wide (plus frame for glyphs).
  std::string bar() const {
    std::string out;
    if (look_ == Look::color) {
      for (std::size_t i = 0; i < kBarCells; ++i)
        out += background(static_cast<double>(i) / (kBarCells - 1)).first + " ";
      return out + std::string(sgr_reset);
    }
    // every level but blank, equally wide: ░░░░░▒▒▒▒▒▓▓▓▓▓█████ or ..::--==++**##%%@@
    const std::size_t levels =
        look_ == Look::shade ? std::size(kShades) - 1 : kAsciiRamp.size() - 1;
    const std::size_t each = look_ == Look::shade ? kShadeRepeat : kAsciiRepeat;
    for (std::size_t k = 1; k <= levels; ++k)
      out += repeat(glyph(static_cast<double>(k) / static_cast<double>(levels)), each);
    return "|" + out + "|";
  }

  // Columns of bar(): the colour cells, or the glyphs between two '|'.
  std::size_t bar_width() const {
    if (look_ == Look::color) return kBarCells;
    return look_ == Look::shade ? (std::size(kShades) - 1) * kShadeRepeat + 2
                                : (kAsciiRamp.size() - 1) * kAsciiRepeat + 2;
  }

  std::size_t blocked_legend_width() const {
    return display_width(blocked_mark()) + std::string_view(" blocked (-inf)").size();
  }

  std::string blocked_legend() const {
    const std::string mark(blocked_mark());
    return (look_ == Look::color ? paint_fg(kGrey, mark) : mark) + " blocked (-inf)";
  }

 private:
  std::string paint_fg(Rgb c, const std::string& text) const {
    return sgr(c, o_.color.depth, Layer::foreground) + text + std::string(sgr_reset);
  }

  // The background escape for t, and the colour the terminal will actually show.
  std::pair<std::string, Rgb> background(double t) const {
    if (o_.color.depth == ColorDepth::ansi16) {
      const int i = viridis_ansi16(t);
      return {sgr_ansi16(i, Layer::background), ansi16_rgb(i)};
    }
    const Rgb c = viridis(t);
    return {sgr(c, o_.color.depth, Layer::background), displayed(c, o_.color.depth)};
  }

  // Blank only for t = 0; any other value gets at least the lightest mark, level ⌈t·(n − 1)⌉.
  std::string glyph(double t) const {
    const std::size_t n = look_ == Look::shade ? std::size(kShades) : kAsciiRamp.size();
    const auto level =
        std::min(static_cast<std::size_t>(std::ceil(t * static_cast<double>(n - 1))), n - 1);
    return look_ == Look::shade ? std::string(kShades[level]) : std::string(1, kAsciiRamp[level]);
  }

  const HeatmapOptions& o_;
  Look look_;
  bool utf8_;
};

// The labels for n rows or columns: the given ones, or indices.
std::vector<std::string> labels_or_indices(const std::vector<std::string>& given, std::size_t n) {
  return given.size() == n ? given : index_labels("", n);
}

// The grid of one matrix: column labels, then one line per row.
std::string render_grid(const Matrix& m, const HeatmapOptions& o, const Painter& p,
                        const ScaleRange& range, bool& any_blocked) {
  const auto cells = heat_cells(m, o.scale, range);
  const auto row_labels = labels_or_indices(o.row_labels, m.rows());
  auto col_labels = labels_or_indices(o.col_labels, m.cols());
  for (auto& l : col_labels) l = p.label(l);

  std::size_t lw = 0;
  for (const auto& l : row_labels) lw = std::max(lw, display_width(p.label(l)));
  std::size_t w = 2;
  for (const auto& l : col_labels) w = std::max(w, display_width(l));
  if (o.numbers)
    for (std::size_t k = 0; k < cells.size(); ++k)
      if (cells[k].kind == CellKind::value)
        w = std::max(w, display_width(p.number(m.values()[k])) + 2);

  // Columns that fit in o.width: lw + 1 + 2k·(w + 1) + ellipsis ≤ width.
  const std::size_t ew = display_width(p.ellipsis());
  std::optional<std::size_t> col_edge;
  const std::size_t full = lw + 1 + m.cols() * (w + 1) - 1;
  if (o.width > 0 && full > o.width) {
    const std::size_t room = o.width > lw + 1 + ew ? o.width - lw - 1 - ew : 0;
    col_edge = std::max<std::size_t>(1, room / (2 * (w + 1)));
  }
  std::optional<std::size_t> row_edge;
  if (o.max_rows > 0 && m.rows() > o.max_rows) row_edge = std::max<std::size_t>(1, o.max_rows / 2);
  const auto cols = shown(m.cols(), col_edge);
  const auto rows = shown(m.rows(), row_edge);

  std::string out;
  std::string header = std::string(lw, ' ');
  for (const auto& j : cols)
    header += " " + (j ? left(col_labels[*j], w) : std::string(p.ellipsis()));
  rtrim(header);
  out += header + "\n";
  for (const auto& i : rows) {
    if (!i) {
      out += right(p.utf8() ? "⋮" : "...", lw) + "\n";
      continue;
    }
    std::string line = right(p.label(row_labels[*i]), lw);
    for (const auto& j : cols) {
      if (!j) {
        line += " " + std::string(p.ellipsis());
        continue;
      }
      const auto& c = cells[*i * m.cols() + *j];
      any_blocked = any_blocked || c.kind == CellKind::blocked;
      line += " " + p.cell(c, m(*i, *j), w);
    }
    rtrim(line);
    out += line + "\n";
  }
  return out;
}

// The bar and its ends (and the blocked mark when one is shown), then the caption on a line of its
// own, so that neither line is wider than 60 columns.
std::string render_colorbar(const HeatmapOptions& o, const Painter& p, const ScaleRange& range,
                            bool any_blocked) {
  if (o.scale == HeatScale::mask)
    return p.cell({CellKind::value, 1.0}, 0.0, 2) + " may attend  " + p.blocked_legend() + "\n";
  std::string lo = "0", hi = "1";
  if (o.scale == HeatScale::row) lo = "row min", hi = "row max";
  if (o.scale == HeatScale::matrix) lo = p.number(range.lo), hi = p.number(range.hi);
  std::string line = fmt::format("{} {} {}", lo, p.bar(), hi);
  if (any_blocked) {
    // on the bar's line when it fits, else on a line of its own (wide numbers at the ends)
    const std::size_t width = display_width(lo) + 1 + p.bar_width() + 1 + display_width(hi) + 3 +
                              p.blocked_legend_width();
    line += (width <= kLegendWidth ? "   " : "\n") + p.blocked_legend();
  }
  return line + "\n" + std::string(scale_caption(o.scale)) + "\n";
}

}  // namespace

std::string axis_line(const AxisTitles& titles) {
  if (titles.rows.empty() && titles.cols.empty()) return {};
  if (titles.cols.empty()) return "rows: " + titles.rows;
  if (titles.rows.empty()) return "columns: " + titles.cols;
  return fmt::format("rows: {}; columns: {}", titles.rows, titles.cols);
}

std::string_view scale_caption(HeatScale scale) {
  switch (scale) {
    case HeatScale::unit:
      return "weights, fixed scale 0 to 1";
    case HeatScale::row:
      return "scores, normalised per row over unmasked cells";
    case HeatScale::matrix:
      return "smallest to largest value";
    case HeatScale::mask:
      break;
  }
  return "mask: may attend or blocked";
}

ScaleRange scale_range(std::span<const Matrix> ms, HeatScale scale) {
  if (scale != HeatScale::matrix) return {};
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const auto& m : ms)
    for (double x : m.values())
      if (std::isfinite(x)) lo = std::min(lo, x), hi = std::max(hi, x);
  if (lo > hi) return {};
  return {lo, hi};
}

std::vector<HeatCell> heat_cells(const Matrix& m, HeatScale scale, const ScaleRange& range) {
  std::vector<HeatCell> out;
  out.reserve(m.size());
  for (std::size_t i = 0; i < m.rows(); ++i) {
    ScaleRange r = range;
    if (scale == HeatScale::row) {
      r = {std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()};
      for (double x : m.row(i))
        if (std::isfinite(x)) r.lo = std::min(r.lo, x), r.hi = std::max(r.hi, x);
    }
    for (double x : m.row(i)) {
      if (std::isnan(x)) {
        out.push_back({CellKind::nan, 0.0});
      } else if (x == neg_inf) {
        out.push_back({CellKind::blocked, 0.0});
      } else if (scale == HeatScale::mask || std::isinf(x)) {
        out.push_back({CellKind::value, 1.0});
      } else if (scale == HeatScale::unit) {
        out.push_back({CellKind::value, std::clamp(x, 0.0, 1.0)});
      } else {
        // the row's (or matrix's) largest is 1; a row of equal scores is all largest
        const double t = r.hi > r.lo ? (x - r.lo) / (r.hi - r.lo) : 1.0;
        out.push_back({CellKind::value, std::clamp(t, 0.0, 1.0)});
      }
    }
  }
  return out;
}

std::vector<std::string> split_tokens(std::string_view text) {
  std::vector<std::string> out;
  if (text.find_first_not_of(' ') == std::string_view::npos) return out;
  std::size_t start = 0;
  while (true) {
    const auto comma = text.find(',', start);
    auto token = text.substr(start, comma == std::string_view::npos ? comma : comma - start);
    const auto b = token.find_first_not_of(' ');
    const auto e = token.find_last_not_of(' ');
    out.emplace_back(b == std::string_view::npos ? std::string_view() : token.substr(b, e - b + 1));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

AxisLabels axis_labels(const std::vector<std::string>& tokens, const Geometry& g) {
  if (tokens.empty()) return {index_labels("", g.n_q), index_labels("", g.n_k)};
  if (tokens.size() != g.n_k)
    throw usage_error(fmt::format("--tokens names {} token{} but there {} {} key{}", tokens.size(),
                                  tokens.size() == 1 ? "" : "s", g.n_k == 1 ? "is" : "are", g.n_k,
                                  g.n_k == 1 ? "" : "s"),
                      "give one token per key, separated by commas: --tokens The,cat,sat");
  AxisLabels out{{}, tokens};
  for (std::size_t i = 0; i < g.n_q; ++i) {
    const auto p = g.position(i);
    out.rows.push_back(p >= 0 && static_cast<std::size_t>(p) < g.n_k
                           ? tokens[static_cast<std::size_t>(p)]
                           : std::to_string(i));
  }
  return out;
}

std::string render_heatmap(const Matrix& m, const HeatmapOptions& options) {
  const NamedMatrix one{"", m};
  return render_heatmaps(std::span(&one, 1), options);
}

std::string render_heatmap(const BoolMatrix& mask, const HeatmapOptions& options) {
  HeatmapOptions o = options;
  o.scale = HeatScale::mask;
  return render_heatmap(to_additive(mask), o);
}

std::string render_heatmaps(std::span<const NamedMatrix> heads, const HeatmapOptions& options) {
  const Painter painter(options);
  std::vector<Matrix> ms;
  for (const auto& h : heads) ms.push_back(h.m);
  const ScaleRange range = scale_range(ms, options.scale);
  std::string out;
  if (!options.title.empty()) out += options.title + "\n";
  if (const std::string axes = axis_line(options.axes); !axes.empty()) out += axes + "\n";
  bool any_blocked = false;
  for (std::size_t h = 0; h < heads.size(); ++h) {
    if (h > 0) out += "\n";
    if (!heads[h].title.empty()) out += heads[h].title + "\n";
    out += render_grid(heads[h].m, options, painter, range, any_blocked);
  }
  if (options.colorbar) out += render_colorbar(options, painter, range, any_blocked);
  return out;
}

}  // namespace attn
