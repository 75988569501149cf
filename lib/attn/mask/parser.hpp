// Reading a mask expression into its tree (tree.hpp): recursive descent over
//   or     := and ('|' and)*
//   and    := unary ('&' unary)*
//   unary  := '!' unary | '(' or ')' | atom
//   atom   := name (':' number ((',' | ':') number)*)?
// with whitespace allowed between any two tokens. Internal to the mask layer; MaskExpr::parse is
// the public entry point.
#pragma once

#include <cstddef>
#include <string_view>

#include "attn/mask/tree.hpp"

namespace attn::detail {

// Levels of ( and ! the parser follows, so parsing cannot exhaust the stack.
inline constexpr std::size_t max_nesting = 256;

// Throws attn::Error (Exit::usage) "--mask: …" naming the 1-based column (in UTF-8 characters) of
// the problem, with the nearest atom for a mistyped name.
NodePtr parse_tree(std::string_view text);

}  // namespace attn::detail
