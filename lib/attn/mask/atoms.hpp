// The atoms of the mask language, one at a time: the table of names and parameters the parser
// reads, how an atom is written back, which keys it allows, the interval outside which it blocks
// every key, the sentence that explains one cell, and whether its parameters fit a shape.
// MaskExpr (expr.hpp) combines atoms with & | !; this header is internal to the mask layer.
//
// Query row i sits at position p; key column j at position j (see expr.hpp for the table).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "attn/core/geometry.hpp"
#include "attn/mask/key_range.hpp"

namespace attn::detail {

enum class AtomKind { full, causal, window, local, prefix, valid, document, chunk, dilated };

struct Atom {
  AtomKind kind = AtomKind::full;
  // The numbers as written: window W; local W; prefix P; valid L or one L per row;
  // document one id per position; chunk C; dilated W, D.
  std::vector<std::int64_t> args;
  // document only: for each position, [first, last + 1) of the positions sharing its id.
  std::vector<KeyRange> segment_extent;
};

// ---- The table: names and parameters -----------------------------------------------------------

inline constexpr std::int64_t max_parameter = 1'000'000'000;

enum class Params { none, one, list, pair };

struct ParamSpec {
  std::string_view name;  // "size", for "window size must be from 1 to …"
  std::int64_t least = 0;
};

struct AtomSpec {
  std::string_view name;
  AtomKind kind;
  Params params;
  ParamSpec first;         // list forms use it for every entry
  ParamSpec second;        // pair forms only
  std::string_view needs;  // completes "window needs …"
};

// The spec of `name` (`none` is a second name for `full`), or nullptr.
const AtomSpec* find_spec(std::string_view name);
// Every name, in table order: full, none, causal, window, local, prefix, valid, document, chunk,
// dilated.
std::span<const std::string_view> atom_names();
// One line listing the atoms and operators (MaskExpr's mask_syntax).
std::string_view syntax_line();

// For each position x, [first, last + 1) of the positions with the id ids[x].
std::vector<KeyRange> segment_extents(const std::vector<std::int64_t>& ids);

// ---- One atom
// ------------------------------------------------------------------------------------

// The canonical text: "window:3", "valid:3,2,4", "dilated:2:2"; `full` rather than `none`.
std::string atom_text(const Atom& atom);

// Whether row i at position p may attend key j. Throws data_error when valid:L1,L2,… has no
// length for row i.
bool atom_allows(const Atom& atom, std::size_t i, std::int64_t p, std::int64_t j);

// A half-open interval of key positions [lo, hi), before clipping to the keys that exist.
struct Interval {
  std::int64_t lo = 0;
  std::int64_t hi = 0;
};
// Keys outside the interval are blocked; inside it every key is allowed too, unless the atom is
// document or dilated (see is_interval).
Interval atom_interval(const Atom& atom, std::size_t i, std::int64_t p);
// Whether atom_interval is exact: every key inside it is allowed.
bool is_interval(AtomKind kind);
// The interval as key columns [0, n_k).
KeyRange clip(Interval interval, std::size_t n_k);

// The sentence after "allowed by window:3: " or "blocked by window:3: ", e.g.
// "p − j = 3 is not < 3".
std::string atom_reason(const Atom& atom, std::size_t i, std::int64_t p, std::int64_t j);

// Throws data_error unless valid:L1,L2,… has one length per query row and document:IDS an id for
// every key and every query position of g.
void check_atom_fits(const Atom& atom, const Geometry& g);

}  // namespace attn::detail
