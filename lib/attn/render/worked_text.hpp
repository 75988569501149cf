// The pieces every worked solution is made of: numbers at the chosen digits, vectors, numbered
// step headings, small matrices inline and larger ones as tables, and the result in colour. The
// forward pass (render/text) and the backward pass (render/grad_text) write with these.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "attn/core/matrix.hpp"
#include "attn/render/format.hpp"

namespace attn {

struct TextOptions {
  NumberStyle number;
  // Cells are worked out one by one (each product, each exp) while the matrices are at most this
  // many cells and d_k, d_v at most `detail_width`; beyond that only the matrices are shown.
  std::size_t detail_cells = 16;
  std::size_t detail_width = 8;
  bool color = false;     // headings and the result in colour (SGR escapes)
  std::size_t width = 0;  // the terminal's columns: wider matrices elide their middle; 0: no limit
};

class WorkedText {
 public:
  explicit WorkedText(const TextOptions& options) : o_(options) {}

 protected:
  bool detailed(std::size_t cells, std::size_t width) const {
    return cells <= o_.detail_cells && width <= o_.detail_width;
  }
  std::string num(double x) const { return format_number(x, o_.number); }
  std::string factor(double x) const { return format_factor(x, o_.number); }
  // [1, -0.5, 2]
  std::string vec(std::span<const double> xs) const;
  // "a×b + c×d": each pair of factors multiplied, as a sum.
  std::string products(std::span<const double> a, std::span<const double> b) const;
  // "2 + 0.5 - 0.5 - 3": terms with their signs.
  std::string signed_terms(std::span<const double> terms) const;
  void line(std::string_view s = {});
  // With colour on, step headings in bold cyan and the result in bold green: the parts a reader
  // scans for.
  std::string strong(std::string_view s) const { return paint(s, "1;36"); }
  std::string answer(std::string_view s) const { return paint(s, "1;32"); }
  // "Step N. heading" after an empty line.
  void step(std::string_view heading);
  // "  name = 3", "  name = [1, 2]" for one short row, else a labelled table.
  void table(std::string_view name, const Matrix& m, const std::string& row_prefix,
             const std::string& col_prefix);
  // The answer: after an empty line, "name = …" in colour, inline or as a table.
  void answer_table(std::string_view name, const Matrix& m, const std::string& row_prefix,
                    const std::string& col_prefix);
  std::string take() { return std::move(out_); }
  const TextOptions& options() const { return o_; }

 private:
  std::string paint(std::string_view s, const char* sgr) const;

  const TextOptions& o_;
  std::string out_;
  int step_ = 0;
};

}  // namespace attn
