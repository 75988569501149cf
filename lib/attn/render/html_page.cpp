#include "attn/render/html_page.hpp"

#include "attn/render/svg.hpp"

namespace attn {

std::string script_safe(std::string json) {
  // '<' occurs only inside JSON strings, where \u003c reads back as the same character
  std::string out;
  out.reserve(json.size());
  for (char c : json) out += c == '<' ? std::string("\\u003c") : std::string(1, c);
  return out;
}

}  // namespace attn

namespace attn::html {

std::vector<std::string> or_indices(const std::vector<std::string>& labels, std::size_t n) {
  return labels.size() == n ? labels : index_labels("", n);
}

std::string page_title(std::string_view text) {
  constexpr std::size_t kLongest = 70;
  std::string cut(text);
  std::string out = xml_escape(cut);
  while (display_width(out) > kLongest && !cut.empty()) {
    // the last code point: its continuation bytes (10xxxxxx), then its first byte
    while (!cut.empty() && (static_cast<unsigned char>(cut.back()) & 0xC0) == 0x80) cut.pop_back();
    if (!cut.empty()) cut.pop_back();
    out = xml_escape(cut) + "…";
  }
  return out;
}

std::string plural(std::size_t n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

std::string number_table(const Matrix& m, std::string_view caption,
                         const std::vector<std::string>& rows, const NumberStyle& number) {
  std::string out = fmt::format(
      "<div class=\"scroll\">\n<table class=\"num\">\n<caption>{}</caption>\n", caption);
  out += "<thead><tr><th scope=\"col\"><span class=\"vh\">row</span></th>";
  for (std::size_t c = 0; c < m.cols(); ++c) out += fmt::format("<th scope=\"col\">{}</th>", c);
  out += "</tr></thead>\n<tbody>\n";
  for (std::size_t i = 0; i < m.rows(); ++i) {
    out += fmt::format("<tr><th scope=\"row\">{}</th>", xml_escape(rows[i]));
    for (double x : m.row(i)) out += "<td>" + xml_escape(format_number(x, number)) + "</td>";
    out += "</tr>\n";
  }
  return out + "</tbody>\n</table>\n</div>\n";
}

}  // namespace attn::html
