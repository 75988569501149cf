// The mask as a formula in PyTorch: read from MaskExpr's canonical text, evaluated by the semantics
// of the Python the translator prints (Python's floor division and modulo on integer tensors), and
// written out as that Python. The evaluation never calls MaskExpr, so an explicit tensor form is
// checked against MaskExpr::evaluate rather than assumed to agree with it. Internal to the mask
// layer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "attn/core/geometry.hpp"

namespace attn::detail {

struct Formula {
  enum class Kind { atom, negation, conjunction, disjunction };
  Kind kind = Kind::atom;
  std::string name;                // atoms: causal, window, …; `none` reads as `full`
  std::vector<std::int64_t> args;  // atoms: the numbers after the name
  std::vector<Formula> operands;
};

// Reads MaskExpr::to_string()'s text; anything else is an internal error.
Formula parse_formula(std::string_view canonical_text);

// Python's integer arithmetic, which PyTorch's // and % follow on integer tensors: the quotient
// rounds toward −∞ and the remainder takes the divisor's sign. (Kept apart from the mask
// language's own ⌊p/C⌋, so the check stays independent.)
std::int64_t python_floor_div(std::int64_t a, std::int64_t b);
std::int64_t python_mod(std::int64_t a, std::int64_t b);

// Whether the printed Python keeps (i, p, j): row i at position p, key j.
bool python_allows(const Formula& f, std::size_t i, std::int64_t p, std::int64_t j);

// Python text and its precedence: 1 = `a | b`, 2 = `a & b`, 3 = parenthesised or unary.
struct Code {
  std::string text;
  int level = 3;
};
// `mask_mod`: inside a FlexAttention mask_mod, where `full` is one value rather than an L × S
// tensor. `negative_positions`: some query sits before key 0, so `ids[p]` must be guarded.
Code python_code(const Formula& f, bool mask_mod, bool negative_positions);

// The lists the formula indexes: `lengths = torch.tensor([…])`, `ids = torch.tensor([…])`, one
// line each.
std::string python_constants(const Formula& f);

// `p = i  # query positions` or `p = i + (S - L)  # … (bottom-right)`, after `indent`.
std::string position_line(const Geometry& g, std::string_view indent);

}  // namespace attn::detail
