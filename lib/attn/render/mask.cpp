#include "attn/render/mask.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "attn/render/json.hpp"

namespace attn {
namespace {

// Display columns: UTF-8 continuation bytes take none (■, ⬚, −, ∞ and × are one column each).
std::size_t width(std::string_view s) {
  return static_cast<std::size_t>(std::ranges::count_if(
      s, [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string pad_left(std::string_view s, std::size_t w) {
  return std::string(w - std::min(w, width(s)), ' ') + std::string(s);
}
std::string pad_right(std::string_view s, std::size_t w) {
  return std::string(s) + std::string(w - std::min(w, width(s)), ' ');
}

std::size_t cell_width(MaskStyle style) {
  return std::max(width(mask_cell(style, true)), width(mask_cell(style, false)));
}

// The cells of row i, each right-aligned to `w`, separated by one space.
std::string row_text(const BoolMatrix& m, std::size_t i, MaskStyle style, std::size_t w) {
  std::string out;
  for (std::size_t j = 0; j < m.cols(); ++j) {
    if (j) out += ' ';
    out += pad_left(mask_cell(style, m(i, j)), w);
  }
  return out;
}

std::string_view legend(MaskStyle style) {
  switch (style) {
    case MaskStyle::symbol:
      return "■ may attend, ⬚ blocked";
    case MaskStyle::boolean:
      return "1 may attend, 0 blocked";
    case MaskStyle::additive:
      return "0 may attend, −∞ blocked: M is added to the scores";
    case MaskStyle::score:
      return "Score may attend, −∞ blocked";
  }
  return "";
}

std::string indent_lines(std::string_view text, std::string_view indent) {
  std::string out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    out += std::string(indent) + std::string(text.substr(start, end - start)) + "\n";
    start = end + 1;
  }
  return out;
}

nlohmann::ordered_json bool_rows(const BoolMatrix& m) {
  auto rows = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < m.rows(); ++i) {
    auto row = nlohmann::ordered_json::array();
    for (std::size_t j = 0; j < m.cols(); ++j) row.push_back(m(i, j));
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace

std::string_view mask_cell(MaskStyle style, bool allowed) {
  switch (style) {
    case MaskStyle::symbol:
      return allowed ? "■" : "⬚";
    case MaskStyle::boolean:
      return allowed ? "1" : "0";
    case MaskStyle::additive:
      return allowed ? "0" : "−∞";
    case MaskStyle::score:
      return allowed ? "Score" : "−∞";
  }
  return "?";
}

std::string mask_title(std::string_view expr, const Geometry& g) {
  std::string title = fmt::format("{} — {}×{}", expr, g.n_q, g.n_k);
  if (g.n_q == g.n_k) return title;
  const std::int64_t offset = g.offset();
  const std::string where = offset == 0  ? "p = i"
                            : offset > 0 ? fmt::format("p = i + {}", offset)
                                         : fmt::format("p = i − {}", -offset);
  return fmt::format("{}, {}: query i sits at position {}", title, align_name(g.align), where);
}

std::string render_mask(const BoolMatrix& mask, const Geometry& g, std::string_view expr,
                        MaskStyle style) {
  const bool show_p = g.offset() != 0;
  // Column widths: row index, position, cells (wide enough for the key indices), count.
  const std::size_t wi = std::max<std::size_t>(1, fmt::formatted_size("{}", g.n_q - 1));
  std::size_t wp = 1;
  if (show_p)
    wp = std::max(fmt::formatted_size("{}", g.position(0)),
                  fmt::formatted_size("{}", g.position(g.n_q - 1)));
  const std::size_t wc = std::max(cell_width(style), fmt::formatted_size("{}", g.n_k - 1));

  std::string out = mask_title(expr, g) + "\n";
  out += "  " + pad_left("i", wi) + (show_p ? "  " + pad_left("p", wp) : "") + "  ";
  for (std::size_t j = 0; j < g.n_k; ++j)
    out += (j ? " " : "") + pad_left(fmt::format("{}", j), wc);
  out += "  keys\n";
  for (std::size_t i = 0; i < mask.rows(); ++i) {
    const std::size_t seen = mask.count_row(i);
    out += "  " + pad_left(fmt::format("{}", i), wi);
    if (show_p) out += "  " + pad_left(fmt::format("{}", g.position(i)), wp);
    out += "  " + row_text(mask, i, style, wc) + "  " + fmt::format("{}", seen);
    out += seen == 0 ? "  every key blocked\n" : "\n";
  }
  out += std::string(legend(style)) + "\n";
  return out;
}

std::string render_side_by_side(const std::vector<std::string>& titles,
                                const std::vector<const BoolMatrix*>& matrices, MaskStyle style,
                                std::string_view indent) {
  const BoolMatrix& first = *matrices.front();
  const BoolMatrix& last = *matrices.back();
  const std::size_t wc = cell_width(style);
  const std::size_t panel = first.cols() * (wc + 1) - 1;
  std::vector<std::size_t> widths;
  for (std::size_t k = 0; k <= matrices.size(); ++k)
    widths.push_back(std::max(panel, k < titles.size() ? width(titles[k]) : 0));
  const std::string gap = "   ";

  std::string out(indent);
  for (std::size_t k = 0; k <= matrices.size(); ++k)
    out += (k ? gap : "") + pad_right(k < titles.size() ? titles[k] : "", widths[k]);
  while (out.ends_with(' ')) out.pop_back();
  out += '\n';
  for (std::size_t i = 0; i < first.rows(); ++i) {
    std::string line(indent);
    for (std::size_t k = 0; k < matrices.size(); ++k)
      line += (k ? gap : "") + pad_right(row_text(*matrices[k], i, style, wc), widths[k]);
    std::string differ;
    for (std::size_t j = 0; j < first.cols(); ++j)
      differ += (j ? " " : "") + pad_left(first(i, j) == last(i, j) ? "·" : "×", wc);
    line += gap + differ;
    out += line + "\n";
  }
  return out;
}

std::string render_translation(const Translation& t, const BoolMatrix& attn, MaskStyle style) {
  std::string out = std::string(library_title(t.library)) + "\n";
  out += indent_lines(t.spelling.code, "    ");
  if (t.exact) {
    out += t.native ? "  ✓ gives attn's mask\n"
                    : "  ✓ gives attn's mask, as an explicit tensor (no native form)\n";
  } else {
    out += "  ✗ does NOT give attn's mask:\n";
    out += render_side_by_side({"attn's mask", "this code", "differs"}, {&attn, &t.spelling.matrix},
                               style);
  }
  for (const std::string& note : t.notes) out += "  note: " + note + "\n";
  if (t.naive) {
    out += "  ✗ careful: this gives a different mask:\n";
    out += indent_lines(t.naive->code, "    ");
    out += render_side_by_side({"attn's mask", "that code", "differs"}, {&attn, &t.naive->matrix},
                               style);
  }
  return out;
}

nlohmann::ordered_json mask_to_json(const BoolMatrix& mask, const Geometry& g,
                                    std::string_view expr) {
  nlohmann::ordered_json j;
  j["mask"] = bool_rows(mask);
  j["expr"] = expr;
  j["align"] = align_name(g.align);
  auto visible = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < mask.rows(); ++i) visible.push_back(mask.count_row(i));
  j["visible"] = std::move(visible);
  return j;
}

nlohmann::ordered_json translation_to_json(const Translation& t) {
  nlohmann::ordered_json j;
  j["library"] = library_name(t.library);
  j["code"] = t.spelling.code;
  j["exact"] = t.exact;
  j["native"] = t.native;
  j["mask"] = bool_rows(t.spelling.matrix);
  j["notes"] = t.notes;
  if (t.naive) j["naive"] = {{"code", t.naive->code}, {"mask", bool_rows(t.naive->matrix)}};
  return j;
}

namespace {

std::string bias_table(const Matrix& b, const NumberStyle& number) {
  TableStyle style;
  style.number = number;
  style.row_labels = index_labels("q", b.rows());
  style.col_labels = index_labels("k", b.cols());
  return format_table(b, style);
}

std::string_view agreement_line(BiasAgreement a, bool native) {
  switch (a) {
    case BiasAgreement::exact:
      return native ? "  ✓ gives attn's bias\n"
                    : "  ✓ gives attn's bias, as an explicit tensor (no native form)\n";
    case BiasAgreement::row_constant:
      return "  ✓ gives attn's attention: the bias differs by a constant in each row, which "
             "softmax cancels\n";
    case BiasAgreement::differs:
      return "  ✗ does NOT give attn's bias; it adds:\n";
  }
  return "";
}

}  // namespace

std::string render_bias_translation(const BiasTranslation& t, const NumberStyle& number) {
  std::string out = std::string(alibi_title(t.library)) + "\n";
  out += indent_lines(t.spelling.code, "    ");
  out += agreement_line(t.agreement, t.native);
  if (t.agreement == BiasAgreement::differs)
    out += indent_lines(bias_table(t.spelling.bias, number), "  ");
  for (const std::string& note : t.notes) out += "  note: " + note + "\n";
  if (t.naive) {
    out += "  ✗ careful: the library's own ALiBi gives a different bias:\n";
    out += indent_lines(t.naive->code, "    ");
    out += "    it adds:\n";
    out += indent_lines(bias_table(t.naive->bias, number), "  ");
  }
  return out;
}

nlohmann::ordered_json bias_translation_to_json(const BiasTranslation& t) {
  nlohmann::ordered_json j;
  j["library"] = library_name(t.library);
  j["code"] = t.spelling.code;
  j["agreement"] = agreement_name(t.agreement);
  j["native"] = t.native;
  j["bias"] = matrix_to_json(t.spelling.bias);
  j["notes"] = t.notes;
  if (t.naive)
    j["naive"] = {{"code", t.naive->code},
                  {"agreement", agreement_name(t.naive_agreement)},
                  {"bias", matrix_to_json(t.naive->bias)}};
  return j;
}

}  // namespace attn
