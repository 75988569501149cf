#include "attn/render/format.hpp"

#include <doctest/doctest.h>

#include <limits>

using attn::Matrix;

TEST_CASE("format_number: at most `digits` decimals, no trailing zeros") {
  CHECK(attn::format_number(-0.5) == "-0.5");
  CHECK(attn::format_number(0.62245933) == "0.6225");  // rounded at the 4th decimal
  CHECK(attn::format_number(3.0) == "3");
  CHECK(attn::format_number(-0.0) == "0");  // no "-0"
  CHECK(attn::format_number(-std::numeric_limits<double>::infinity()) == "-inf");
  CHECK(attn::format_number(1e-7) == "1e-07");  // too small for 4 decimals: scientific
  CHECK(attn::format_number(2.0 / 3, {2}) == "0.67");
}

TEST_CASE("format_factor puts negative factors in parentheses") {
  CHECK(attn::format_factor(-1.5) == "(-1.5)");
  CHECK(attn::format_factor(2) == "2");
}

TEST_CASE("format_table aligns columns and gives every cell the same decimals") {
  // 0.5 needs 1 decimal and 0.25 needs 2, so every cell gets 2
  attn::TableStyle style;
  style.row_labels = {"q0", "q1"};
  style.col_labels = {"k0", "k1"};
  CHECK(attn::format_table(Matrix{{1, 0.5}, {0.25, -2}}, style) ==
        "        k0     k1\n"
        "  q0  1.00   0.50\n"
        "  q1  0.25  -2.00\n");
}

TEST_CASE("format_table keeps the edges of large matrices around …") {
  // 40 × 40 = 1600 cells > 1000 (NumPy's threshold): 3 edge items on each side
  Matrix m(40, 40);
  for (std::size_t i = 0; i < 40; ++i) m(i, i) = 1;
  const std::string text = attn::format_table(m);
  CHECK(text.starts_with("  1  0  0  …  0  0  0\n"));
  CHECK(text.find("  …  …  …  …  …  …  …\n") != std::string::npos);
}

TEST_CASE("format_table elides middle columns of a table wider than max_width") {
  // 1 × 30: "  0  1 … 29" is 2 + 30·2 + 29·2 = 120 columns wide, over a limit of 40
  Matrix m(1, 30);
  for (std::size_t j = 0; j < 30; ++j) m(0, j) = static_cast<double>(j % 10);
  attn::TableStyle style;
  CHECK(attn::format_table(m, style).size() > 40);
  style.max_width = 40;
  CHECK(attn::format_table(m, style) == "  0  1  2  …  7  8  9\n");
}
