// Numbers and matrices as text, the way the step-by-step output and the mask printer show them.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "attn/core/matrix.hpp"

namespace attn {

struct NumberStyle {
  int digits = 4;  // decimals at most (--digits)
};

// x with at most `digits` decimals and no trailing zeros: -0.5, 0.6225, 3. −∞ is "-inf".
// A non-zero value too small to show at that precision is written in scientific form (1e-07).
std::string format_number(double x, const NumberStyle& style = {});

// Columns a string takes on a terminal: every UTF-8 code point counts one ("…", "−", "░").
std::size_t display_width(std::string_view s);

// x as a factor in a product: negative values in parentheses, "(-0.5)".
std::string format_factor(double x, const NumberStyle& style = {});

struct TableStyle {
  NumberStyle number;
  std::vector<std::string> row_labels;  // one per row; empty → none
  std::vector<std::string> col_labels;  // one per column; empty → none
  std::size_t edge_items = 3;           // rows/columns kept at each edge when summarising
  std::size_t threshold = 1000;         // summarise matrices with more cells than this (NumPy's)
  std::size_t max_width = 0;            // elide middle columns of wider tables; 0: no limit
  std::string indent = "  ";
};

// A matrix as an aligned table: one line per row, numbers right-aligned and given the same
// number of decimals within the matrix; large matrices, or ones wider than max_width, keep their
// edges around "…".
std::string format_table(const Matrix& m, const TableStyle& style = {});

// Which of n rows or columns a summarised matrix shows: all of them, or (summarise and n > 2·edge)
// the first and last `edge` with nullopt marking the elided middle, as NumPy prints large arrays.
// Every view elides with this: tables, Markdown, LaTeX and heatmaps.
std::vector<std::optional<std::size_t>> shown_indices(std::size_t n, bool summarise,
                                                      std::size_t edge);

// Labels "prefix0", "prefix1", … for n rows or columns.
std::vector<std::string> index_labels(const std::string& prefix, std::size_t n);

}  // namespace attn
