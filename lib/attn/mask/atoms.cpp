#include "attn/mask/atoms.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <unordered_map>

#include "attn/core/error.hpp"

namespace attn::detail {
namespace {

constexpr std::array<AtomSpec, 10> atom_specs{{
    {"full", AtomKind::full, Params::none, {}, {}, ""},
    {"none", AtomKind::full, Params::none, {}, {}, ""},
    {"causal", AtomKind::causal, Params::none, {}, {}, ""},
    {"window", AtomKind::window, Params::one, {"size", 1}, {}, "a size, as in window:3"},
    {"local", AtomKind::local, Params::one, {"width", 0}, {}, "a width, as in local:1"},
    {"prefix", AtomKind::prefix, Params::one, {"length", 0}, {}, "a length, as in prefix:2"},
    {"valid",
     AtomKind::valid,
     Params::list,
     {"length", 0},
     {},
     "a length, as in valid:3, or one per query row, as in valid:3,2,4"},
    {"document",
     AtomKind::document,
     Params::list,
     {"segment id", 0},
     {},
     "a segment id per key, as in document:0,0,1,1"},
    {"chunk", AtomKind::chunk, Params::one, {"size", 1}, {}, "a size, as in chunk:2"},
    {"dilated",
     AtomKind::dilated,
     Params::pair,
     {"width", 0},
     {"step", 1},
     "a width and a step, as in dilated:2:2"},
}};

constexpr auto names = [] {
  std::array<std::string_view, atom_specs.size()> out{};
  for (std::size_t k = 0; k < atom_specs.size(); ++k) out[k] = atom_specs[k].name;
  return out;
}();

// The canonical spelling: `full` rather than `none`.
const AtomSpec& spec_of(AtomKind kind) {
  return *std::ranges::find(atom_specs, kind, &AtomSpec::kind);
}

// ⌊a/b⌋ for b > 0, rounding toward −∞ (C++'s / rounds toward zero).
std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}

// L for row i: the single length, or the i-th of one per row.
std::int64_t valid_length(const Atom& atom, std::size_t i) {
  if (atom.args.size() == 1) return atom.args[0];
  if (i >= atom.args.size()) {
    throw data_error(
        fmt::format("--mask: valid gives {} lengths, one per query row, so row {} "
                    "has none",
                    atom.args.size(), i));
  }
  return atom.args[i];
}

// Position x has a segment when 0 ≤ x < number of ids.
bool has_segment(const Atom& document, std::int64_t x) {
  return x >= 0 && x < static_cast<std::int64_t>(document.args.size());
}
std::int64_t segment(const Atom& document, std::int64_t x) {
  return document.args[static_cast<std::size_t>(x)];
}

}  // namespace

// ---- The table ---------------------------------------------------------------------------------

const AtomSpec* find_spec(std::string_view name) {
  const auto it = std::ranges::find(atom_specs, name, &AtomSpec::name);
  return it == atom_specs.end() ? nullptr : &*it;
}

std::span<const std::string_view> atom_names() {
  return names;
}

std::string_view syntax_line() {
  return "mask atoms: full (or none), causal, window:W, local:W, prefix:P, valid:L (or "
         "valid:L1,L2,… one per query row), document:ID,ID,… (one per key), chunk:C, "
         "dilated:W:D; combine with & (and), | (or), ! (not) and parentheses";
}

std::vector<KeyRange> segment_extents(const std::vector<std::int64_t>& ids) {
  std::unordered_map<std::int64_t, KeyRange> extent_of_id;
  for (std::size_t x = 0; x < ids.size(); ++x) {
    auto [it, inserted] = extent_of_id.try_emplace(ids[x], KeyRange{x, x + 1});
    if (!inserted) it->second.end = x + 1;
  }
  std::vector<KeyRange> extents(ids.size());
  for (std::size_t x = 0; x < ids.size(); ++x) extents[x] = extent_of_id.at(ids[x]);
  return extents;
}

// ---- One atom
// ------------------------------------------------------------------------------------

std::string atom_text(const Atom& atom) {
  const AtomSpec& spec = spec_of(atom.kind);
  if (atom.args.empty()) return std::string(spec.name);
  const std::string_view separator = spec.params == Params::pair ? ":" : ",";
  return fmt::format("{}:{}", spec.name, fmt::join(atom.args, separator));
}

bool atom_allows(const Atom& atom, std::size_t i, std::int64_t p, std::int64_t j) {
  const std::vector<std::int64_t>& a = atom.args;
  switch (atom.kind) {
    case AtomKind::full:
      return true;
    case AtomKind::causal:  // j ≤ p
      return j <= p;
    case AtomKind::window:  // p − W < j ≤ p
      return p - a[0] < j && j <= p;
    case AtomKind::local:  // |p − j| ≤ W
      return std::abs(p - j) <= a[0];
    case AtomKind::prefix:  // j < P or j ≤ p
      return j < a[0] || j <= p;
    case AtomKind::valid:  // j < L
      return j < valid_length(atom, i);
    case AtomKind::document:  // ids[p] = ids[j], both defined
      return has_segment(atom, p) && has_segment(atom, j) && segment(atom, p) == segment(atom, j);
    case AtomKind::chunk:  // ⌊p/C⌋ = ⌊j/C⌋
      return floor_div(p, a[0]) == floor_div(j, a[0]);
    case AtomKind::dilated:  // |p − j| ≤ W and D divides p − j
      return std::abs(p - j) <= a[0] && (p - j) % a[1] == 0;
  }
  return false;
}

// document or dilated (see is_interval).
Interval atom_interval(const Atom& atom, std::size_t i, std::int64_t p) {
  constexpr std::int64_t unbounded = std::numeric_limits<std::int64_t>::max();
  const std::vector<std::int64_t>& a = atom.args;
  switch (atom.kind) {
    case AtomKind::full:
      return {0, unbounded};
    case AtomKind::causal:  // j ≤ p
      return {0, p + 1};
    case AtomKind::window:  // p − W < j ≤ p
      return {p - a[0] + 1, p + 1};
    case AtomKind::local:  // p − W ≤ j ≤ p + W
    case AtomKind::dilated:
      return {p - a[0], p + a[0] + 1};
    case AtomKind::prefix:  // j < max(P, p + 1)
      return {0, std::max(a[0], p + 1)};
    case AtomKind::valid:  // j < L
      return {0, valid_length(atom, i)};
    case AtomKind::document: {  // the first to the last position sharing p's id
      if (!has_segment(atom, p)) return {0, 0};
      const KeyRange extent = atom.segment_extent[static_cast<std::size_t>(p)];
      return {static_cast<std::int64_t>(extent.begin), static_cast<std::int64_t>(extent.end)};
    }
    case AtomKind::chunk: {  // C·⌊p/C⌋ ≤ j < C·⌊p/C⌋ + C
      const std::int64_t start = floor_div(p, a[0]) * a[0];
      return {start, start + a[0]};
    }
  }
  return {0, 0};
}

// Whether atom_interval is exact: every key inside it is allowed.
bool is_interval(AtomKind kind) {
  return kind != AtomKind::document && kind != AtomKind::dilated;
}

KeyRange clip(Interval interval, std::size_t n_k) {
  const auto n = static_cast<std::int64_t>(n_k);
  const std::int64_t lo = std::clamp<std::int64_t>(interval.lo, 0, n);
  const std::int64_t hi = std::clamp<std::int64_t>(interval.hi, 0, n);
  if (hi <= lo) return {};
  return {static_cast<std::size_t>(lo), static_cast<std::size_t>(hi)};
}

// The sentence after "allowed by window:3: " or "blocked by window:3: ".
std::string atom_reason(const Atom& atom, std::size_t i, std::int64_t p, std::int64_t j) {
  const std::vector<std::int64_t>& a = atom.args;
  const bool allowed = atom_allows(atom, i, p, j);
  switch (atom.kind) {
    case AtomKind::full:
      return "every key is allowed";
    case AtomKind::causal:
      return fmt::format("j = {} {} p = {}", j, allowed ? "≤" : ">", p);
    case AtomKind::window:
      if (j > p) return fmt::format("j = {} > p = {}", j, p);
      return allowed ? fmt::format("0 ≤ p − j = {} < {}", p - j, a[0])
                     : fmt::format("p − j = {} is not < {}", p - j, a[0]);
    case AtomKind::local:
      return fmt::format("|p − j| = {} {} {}", std::abs(p - j), allowed ? "≤" : ">", a[0]);
    case AtomKind::prefix:
      if (j < a[0]) return fmt::format("j = {} < P = {}", j, a[0]);
      if (j <= p) return fmt::format("j = {} ≤ p = {}", j, p);
      return fmt::format("j = {} ≥ P = {} and j = {} > p = {}", j, a[0], j, p);
    case AtomKind::valid: {
      const std::string row = a.size() == 1 ? "" : fmt::format(" (the length for row {})", i);
      return fmt::format("j = {} {} L = {}{}", j, allowed ? "<" : "≥", valid_length(atom, i), row);
    }
    case AtomKind::document:
      if (!has_segment(atom, p)) return fmt::format("position p = {} has no segment id", p);
      if (!has_segment(atom, j)) return fmt::format("key j = {} has no segment id", j);
      return fmt::format("ids[p = {}] = {} {} ids[j = {}] = {}", p, segment(atom, p),
                         allowed ? "=" : "≠", j, segment(atom, j));
    case AtomKind::chunk:
      return fmt::format("⌊p/{}⌋ = {} {} ⌊j/{}⌋ = {}", a[0], floor_div(p, a[0]),
                         allowed ? "=" : "≠", a[0], floor_div(j, a[0]));
    case AtomKind::dilated:
      if (std::abs(p - j) > a[0]) return fmt::format("|p − j| = {} > {}", std::abs(p - j), a[0]);
      return fmt::format("|p − j| = {} ≤ {} and p − j = {} {} divisible by {}", std::abs(p - j),
                         a[0], p - j, allowed ? "is" : "is not", a[1]);
  }
  return {};
}

void check_atom_fits(const Atom& atom, const Geometry& g) {
  if (atom.kind == AtomKind::valid && atom.args.size() > 1 && atom.args.size() != g.n_q) {
    throw data_error(
        fmt::format("--mask: valid gives {} lengths but there are {} query rows; give "
                    "one length per row, or a single length for every row",
                    atom.args.size(), g.n_q));
  }
  if (atom.kind != AtomKind::document) return;
  if (atom.args.size() < g.n_k) {
    throw data_error(
        fmt::format("--mask: document gives {} segment ids but there are {} keys; "
                    "give one id per key position",
                    atom.args.size(), g.n_k));
  }
  if (g.n_q == 0) return;
  const std::int64_t last = g.position(g.n_q - 1);
  if (last >= static_cast<std::int64_t>(atom.args.size())) {
    throw data_error(
        fmt::format("--mask: document gives {} segment ids but query row {} sits at "
                    "position {} ({} alignment); give an id for every position up "
                    "to {}",
                    atom.args.size(), g.n_q - 1, last, align_name(g.align), last));
  }
}

}  // namespace attn::detail
