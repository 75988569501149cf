// Helpers shared by the mask layer's unit tests: printing matrices and ranges in failures, masks
// from expression text, and the messages of the errors that parsing or evaluating throws.
#pragma once

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <string>
#include <string_view>

#include "attn/core/error.hpp"
#include "attn/mask/expr.hpp"

namespace doctest {
template <>
struct StringMaker<attn::BoolMatrix> {
  static String convert(const attn::BoolMatrix& m) {
    std::string text = fmt::format("{}×{}", m.rows(), m.cols());
    for (std::size_t i = 0; i < m.rows(); ++i) {
      text += "\n  ";
      for (std::size_t j = 0; j < m.cols(); ++j) text += m(i, j) ? '1' : '0';
    }
    return text.c_str();
  }
};
template <>
struct StringMaker<attn::KeyRange> {
  static String convert(const attn::KeyRange& r) {
    return fmt::format("[{}, {})", r.begin, r.end).c_str();
  }
};
}  // namespace doctest

namespace attn::testing {

inline constexpr Align br = Align::bottom_right;
inline constexpr Align tl = Align::top_left;

inline BoolMatrix mask(std::string_view expr, std::size_t n_q, std::size_t n_k, Align align = br) {
  return MaskExpr::parse(expr).evaluate(Geometry{n_q, n_k, align});
}

// The message of the usage error that parsing `text` throws.
inline std::string parse_error(std::string_view text) {
  try {
    (void)MaskExpr::parse(text);
  } catch (const Error& e) {
    CHECK(e.code() == Exit::usage);
    return e.what();
  }
  return "(parsed without error)";
}

// The message of the data error that evaluating `text` for g throws.
inline std::string evaluate_error(std::string_view text, Geometry g) {
  try {
    (void)MaskExpr::parse(text).evaluate(g);
  } catch (const Error& e) {
    CHECK(e.code() == Exit::data);
    return e.what();
  }
  return "(evaluated without error)";
}

}  // namespace attn::testing
