#include "attn/render/worked_text.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <vector>

namespace attn {

std::string WorkedText::vec(std::span<const double> xs) const {
  std::vector<std::string> parts;
  for (double x : xs) parts.push_back(num(x));
  return fmt::format("[{}]", fmt::join(parts, ", "));
}

std::string WorkedText::products(std::span<const double> a, std::span<const double> b) const {
  std::vector<std::string> parts;
  for (std::size_t n = 0; n < a.size(); ++n)
    parts.push_back(fmt::format("{}×{}", factor(a[n]), factor(b[n])));
  return fmt::format("{}", fmt::join(parts, " + "));
}

std::string WorkedText::signed_terms(std::span<const double> terms) const {
  std::string out;
  for (std::size_t n = 0; n < terms.size(); ++n)
    out += n == 0 ? num(terms[n])
                  : fmt::format(" {} {}", terms[n] < 0 ? "-" : "+", num(std::abs(terms[n])));
  return out;
}

void WorkedText::line(std::string_view s) {
  out_ += s;
  out_ += '\n';
}

std::string WorkedText::paint(std::string_view s, const char* sgr) const {
  return o_.color ? fmt::format("\x1b[{}m{}\x1b[0m", sgr, s) : std::string(s);
}

void WorkedText::step(std::string_view heading) {
  line();
  line(strong(fmt::format("Step {}. {}", ++step_, heading)));
}

void WorkedText::table(std::string_view name, const Matrix& m, const std::string& row_prefix,
                       const std::string& col_prefix) {
  if (m.rows() == 1 && m.cols() == 1) return line(fmt::format("  {} = {}", name, num(m(0, 0))));
  if (m.rows() == 1 && m.cols() <= 8) return line(fmt::format("  {} = {}", name, vec(m.row(0))));
  line(fmt::format("  {} =", name));
  TableStyle style{o_.number, index_labels(row_prefix, m.rows()),
                   index_labels(col_prefix, m.cols())};
  style.indent = "    ";
  style.max_width = o_.width;
  out_ += format_table(m, style);
}

void WorkedText::answer_table(std::string_view name, const Matrix& m, const std::string& row_prefix,
                              const std::string& col_prefix) {
  line();
  if (m.rows() == 1 && m.cols() <= 8) {
    line(answer(fmt::format("{} = {}", name, m.cols() == 1 ? num(m(0, 0)) : vec(m.row(0)))));
    return;
  }
  line(answer(fmt::format("{} =", name)));
  TableStyle style{
      o_.number, index_labels(row_prefix, m.rows()),
      col_prefix.empty() ? std::vector<std::string>{} : index_labels(col_prefix, m.cols())};
  style.max_width = o_.width;
  out_ += format_table(m, style);
}

}  // namespace attn
