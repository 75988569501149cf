// Mask expressions: which keys each query may attend, written as a small boolean language over
// named atoms (`causal & window:3`, `prefix:2 | local:1`, `!(causal)`), parsed once and evaluated
// for any shape. True means "may attend", the polarity of PyTorch SDPA's bool attn_mask,
// FlexAttention's mask_mod and Hugging Face's masking_utils.
//
// Query row i sits at position p = Geometry::position(i); key column j is its own position.
// Atoms (true = may attend; ⌊·⌋ is floor division, whatever the sign of p):
//   full, none     every key
//   causal         j ≤ p
//   window:W       p − W < j ≤ p            (W keys including the query's own position; W ≥ 1)
//   local:W        |p − j| ≤ W              (2W + 1 keys; W ≥ 0)
//   prefix:P       j < P or j ≤ p           (prefix-LM)
//   valid:L        j < L                    (valid:3,2,4 gives one L per query row i)
//   document:IDS   ids[p] = ids[j]          (both must have an id: 0 ≤ p, j < number of ids)
//   chunk:C        ⌊p/C⌋ = ⌊j/C⌋            (C ≥ 1)
//   dilated:W:D    |p − j| ≤ W and D divides p − j   (D ≥ 1)
// Operators, loosest first: `|` (or), `&` (and), `!` (not); parentheses group.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "attn/core/geometry.hpp"
#include "attn/core/trace.hpp"
#include "attn/mask/bool_matrix.hpp"
#include "attn/mask/key_range.hpp"

namespace attn {

// The atom names, for completion and "did you mean": full, none, causal, window, local, prefix,
// valid, document, chunk, dilated.
std::span<const std::string_view> mask_atom_names();
// One line listing the atoms and operators, for --help and error hints.
std::string_view mask_syntax();

namespace detail {
struct MaskNode;
}

// A parsed mask expression. Immutable; copies share the parsed tree.
class MaskExpr {
 public:
  // No mask (`full`).
  MaskExpr();

  // Throws attn::Error (Exit::usage) with a message naming the 1-based column of the problem.
  static MaskExpr parse(std::string_view text);
  static MaskExpr full();
  static MaskExpr causal();

  // Whether query row i, at position p, may attend key j. The row index matters only to
  // valid:L1,L2,…; throws data_error when such a list has no length for row i.
  bool allows(std::size_t i, std::int64_t p, std::int64_t j) const;

  // Throws data_error when the parameters do not fit the shape: valid:L1,L2,… must give one
  // length per query row, and document:IDS one id per key and per query position.
  void check_fits(const Geometry& g) const;

  // The n_q × n_k mask (true = may attend); calls check_fits first.
  BoolMatrix evaluate(const Geometry& g) const;

  // Keys outside this range are certainly blocked for row i, clipped to [0, n_k); a tiled kernel
  // skips blocks outside it. Exact for a single interval-shaped atom; & intersects, | takes the
  // hull, ! gives [0, n_k).
  KeyRange span(const Geometry& g, std::size_t i) const;

  // Canonical text: "causal & window:3", "prefix:2 | local:1", "!causal"; `none` becomes `full`.
  std::string to_string() const;
  // True for `full` (or `none`) alone.
  bool is_full() const;

  // Why cell (i, j) is allowed or blocked: one line per distinct atom, e.g.
  // "blocked by window:3: p − j = 3 is not < 3", then a verdict line. Throws data_error when the
  // cell is outside the shape or the parameters do not fit it.
  std::vector<std::string> explain(const Geometry& g, std::size_t i, std::size_t j) const;

  // The distinct atom texts in order of first appearance, e.g. {"causal", "window:3"}.
  std::vector<std::string> atoms() const;

  // Same canonical text.
  friend bool operator==(const MaskExpr& a, const MaskExpr& b) {
    return a.to_string() == b.to_string();
  }

 private:
  explicit MaskExpr(std::shared_ptr<const detail::MaskNode> root) : root_(std::move(root)) {}

  std::shared_ptr<const detail::MaskNode> root_;
};

// The expression as the trace labels it: its canonical text, and explain() for each cell.
MaskLabel mask_label(const MaskExpr& expr);

}  // namespace attn
