#include "attn/render/format.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>

namespace attn {
namespace {

// Decimals needed to show x exactly at up to `digits` decimals (0 for whole numbers).
int decimals_needed(double x, int digits) {
  if (!std::isfinite(x)) return 0;
  std::string s = fmt::format("{:.{}f}", x, digits);
  const auto dot = s.find('.');
  if (dot == std::string::npos) return 0;
  const auto last = s.find_last_not_of('0');
  return last == dot ? 0 : static_cast<int>(last - dot);
}

bool too_small_to_show(double x, int digits) {
  return x != 0.0 && std::isfinite(x) && std::abs(x) < 0.5 * std::pow(10.0, -digits);
}

std::string format_fixed(double x, int decimals) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x < 0 ? "-inf" : "inf";
  std::string s = fmt::format("{:.{}f}", x, decimals);
  if (s.find_first_not_of("-0.") == std::string::npos && s.starts_with('-')) s.erase(0, 1);
  return s;  // "-0.0000" is shown as "0.0000"
}

}  // namespace

std::vector<std::optional<std::size_t>> shown_indices(std::size_t n, bool summarise,
                                                      std::size_t edge) {
  std::vector<std::optional<std::size_t>> out;
  if (!summarise || n <= 2 * edge) {
    for (std::size_t i = 0; i < n; ++i) out.emplace_back(i);
    return out;
  }
  for (std::size_t i = 0; i < edge; ++i) out.emplace_back(i);
  out.emplace_back(std::nullopt);
  for (std::size_t i = n - edge; i < n; ++i) out.emplace_back(i);
  return out;
}

std::size_t display_width(std::string_view s) {
  std::size_t w = 0;
  for (unsigned char c : s) w += (c & 0xC0) != 0x80;  // count all but continuation bytes
  return w;
}

std::string format_number(double x, const NumberStyle& style) {
  if (too_small_to_show(x, style.digits)) {
    std::string s = fmt::format("{:.{}e}", x, std::max(style.digits - 1, 0));
    // trim the mantissa's trailing zeros: 1.000e-07 → 1e-07
    const auto e = s.find('e');
    auto mantissa_end = s.find_last_not_of('0', e - 1);
    if (s[mantissa_end] == '.') --mantissa_end;
    return s.substr(0, mantissa_end + 1) + s.substr(e);
  }
  return format_fixed(x, decimals_needed(x, style.digits));
}

std::string format_factor(double x, const NumberStyle& style) {
  const std::string s = format_number(x, style);
  return x < 0 ? "(" + s + ")" : s;
}

std::vector<std::string> index_labels(const std::string& prefix, std::size_t n) {
  std::vector<std::string> labels;
  labels.reserve(n);
  for (std::size_t i = 0; i < n; ++i) labels.push_back(fmt::format("{}{}", prefix, i));
  return labels;
}

namespace {

std::size_t widest_line(std::string_view text) {
  std::size_t widest = 0;
  for (std::size_t start = 0; start < text.size();) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    widest = std::max(widest, display_width(text.substr(start, end - start)));
    start = end + 1;
  }
  return widest;
}

std::string table_text(const Matrix& m, const TableStyle& style, bool summarise_rows,
                       bool summarise_cols) {
  const auto rows = shown_indices(m.rows(), summarise_rows, style.edge_items);
  const auto cols = shown_indices(m.cols(), summarise_cols, style.edge_items);

  int decimals = 0;
  for (const auto& i : rows)
    for (const auto& j : cols)
      if (i && j) decimals = std::max(decimals, decimals_needed((m)(*i, *j), style.number.digits));

  // cells[r][c] as text, with "…" in the gaps; widths per column
  std::vector<std::vector<std::string>> cells;
  for (const auto& i : rows) {
    auto& line = cells.emplace_back();
    for (const auto& j : cols) line.push_back(i && j ? format_fixed(m(*i, *j), decimals) : "…");
  }
  const auto label = [](const std::vector<std::string>& labels,
                        const std::optional<std::size_t>& i) {
    return labels.empty() ? std::string() : i ? labels[*i] : std::string("…");
  };
  std::size_t label_width = 0;
  for (const auto& i : rows)
    label_width = std::max(label_width, display_width(label(style.row_labels, i)));
  std::vector<std::size_t> col_width(cols.size(), 0);
  for (std::size_t c = 0; c < cols.size(); ++c) {
    col_width[c] = display_width(label(style.col_labels, cols[c]));
    for (const auto& line : cells) col_width[c] = std::max(col_width[c], display_width(line[c]));
  }

  const auto pad = [&](const std::string& s, std::size_t w) {
    return std::string(w - std::min(w, display_width(s)), ' ') + s;
  };
  std::string out;
  const std::string row_gap = label_width > 0 ? std::string(label_width, ' ') + "  " : "";
  if (!style.col_labels.empty()) {
    out += style.indent + row_gap;
    for (std::size_t c = 0; c < cols.size(); ++c)
      out += (c ? "  " : "") + pad(label(style.col_labels, cols[c]), col_width[c]);
    out += '\n';
  }
  for (std::size_t r = 0; r < rows.size(); ++r) {
    out += style.indent;
    if (label_width > 0) out += pad(label(style.row_labels, rows[r]), label_width) + "  ";
    for (std::size_t c = 0; c < cols.size(); ++c)
      out += (c ? "  " : "") + pad(cells[r][c], col_width[c]);
    out += '\n';
  }
  return out;
}

}  // namespace

std::string format_table(const Matrix& m, const TableStyle& style) {
  const bool summarise = m.size() > style.threshold;
  std::string text = table_text(m, style, summarise, summarise);
  // Too wide for the terminal: keep the edge columns around "…", as NumPy does, rather than let
  // the terminal wrap rows in the middle of the matrix.
  if (style.max_width > 0 && !summarise && widest_line(text) > style.max_width)
    text = table_text(m, style, false, true);
  return text;
}

}  // namespace attn
