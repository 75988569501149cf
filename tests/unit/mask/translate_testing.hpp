// Helpers shared by the translator's unit tests: masks as one line of 0/1 rows, and translating an
// expression on a shape.
#pragma once

#include <string>
#include <string_view>

#include "attn/mask/translate.hpp"

namespace attn::testing {

// Rows of 0/1 joined by '/', e.g. "100/110/111", so a failure prints the whole matrix.
inline std::string rows(const BoolMatrix& m) {
  std::string text;
  for (std::size_t i = 0; i < m.rows(); ++i) {
    if (i) text += '/';
    for (std::size_t j = 0; j < m.cols(); ++j) text += m(i, j) ? '1' : '0';
  }
  return text;
}

inline Translation tr(Library lib, std::string_view expr, std::size_t n_q, std::size_t n_k,
                      Align align = Align::bottom_right) {
  return translate(MaskExpr::parse(expr), Geometry{n_q, n_k, align}, lib);
}

inline bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

}  // namespace attn::testing
