#include "attn/mask/expr.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdlib>
#include <limits>
#include <optional>
#include <stdexcept>
#include <unordered_map>
#include <variant>

#include "attn/core/error.hpp"
#include "attn/core/rules.hpp"
#include "attn/core/suggest.hpp"

namespace attn {

// The parsed tree. And and Or are n-ary and never hold a child of their own kind, so a long
// chain `a & b & c & …` is one node and the tree is only as deep as the nesting of ( and !.
namespace detail {

enum class AtomKind { full, causal, window, local, prefix, valid, document, chunk, dilated };

struct Atom {
  AtomKind kind = AtomKind::full;
  // The numbers as written: window W; local W; prefix P; valid L or one L per row;
  // document one id per position; chunk C; dilated W, D.
  std::vector<std::int64_t> args;
  // document only: for each position, [first, last + 1) of the positions sharing its id.
  std::vector<KeyRange> segment_extent;
};

using NodePtr = std::shared_ptr<const MaskNode>;

struct Not {
  NodePtr operand;
};
struct And {
  std::vector<NodePtr> operands;
};
struct Or {
  std::vector<NodePtr> operands;
};

struct MaskNode {
  std::variant<Atom, Not, And, Or> value;
};

}  // namespace detail

namespace {

using detail::And;
using detail::Atom;
using detail::AtomKind;
using detail::MaskNode;
using detail::NodePtr;
using detail::Not;
using detail::Or;

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

// ---- The atoms: names, parameters, and how they are written --------------------------------

constexpr std::int64_t max_parameter = 1'000'000'000;
constexpr std::size_t max_nesting = 256;  // levels of ( and !, so parsing cannot exhaust the stack

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

constexpr auto atom_names = [] {
  std::array<std::string_view, atom_specs.size()> names{};
  for (std::size_t k = 0; k < atom_specs.size(); ++k) names[k] = atom_specs[k].name;
  return names;
}();

const AtomSpec* find_spec(std::string_view name) {
  const auto it = std::ranges::find(atom_specs, name, &AtomSpec::name);
  return it == atom_specs.end() ? nullptr : &*it;
}

// The canonical spelling: `full` rather than `none`.
const AtomSpec& spec_of(AtomKind kind) {
  return *std::ranges::find(atom_specs, kind, &AtomSpec::kind);
}

std::string atom_text(const Atom& atom) {
  const AtomSpec& spec = spec_of(atom.kind);
  if (atom.args.empty()) return std::string(spec.name);
  const std::string_view separator = spec.params == Params::pair ? ":" : ",";
  return fmt::format("{}:{}", spec.name, fmt::join(atom.args, separator));
}

// For each position x, [first, last + 1) of the positions with the id ids[x].
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

// ---- Parsing ---------------------------------------------------------------------------------

NodePtr make_node(Atom atom) {
  return std::make_shared<const MaskNode>(MaskNode{std::move(atom)});
}
NodePtr make_not(NodePtr operand) {
  return std::make_shared<const MaskNode>(MaskNode{Not{std::move(operand)}});
}

// Op{operands}, with operands that are themselves Op spliced in: (a & b) & c = a & b & c.
template <class Op>
NodePtr combine(std::vector<NodePtr> operands) {
  if (operands.size() == 1) return std::move(operands.front());
  Op op;
  for (NodePtr& operand : operands) {
    if (const auto* same = std::get_if<Op>(&operand->value)) {
      op.operands.insert(op.operands.end(), same->operands.begin(), same->operands.end());
    } else {
      op.operands.push_back(std::move(operand));
    }
  }
  return std::make_shared<const MaskNode>(MaskNode{std::move(op)});
}

// A parameter as written, before its range is checked.
struct Number {
  std::string_view text;
  std::optional<std::int64_t> value;  // empty when beyond the range of int64
  std::size_t at = 0;                 // offset of the number in the expression
  char separator = ':';               // ':' or ',' before it
  std::size_t separator_at = 0;
};

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}
bool is_delimiter(char c) {
  return is_space(c) || std::string_view("&|!(),:").find(c) != std::string_view::npos;
}

// Recursive descent over
//   or     := and ('|' and)*
//   and    := unary ('&' unary)*
//   unary  := '!' unary | '(' or ')' | atom
//   atom   := name (':' number ((',' | ':') number)*)?
// with whitespace allowed between any two tokens.
class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  NodePtr parse() {
    skip_space();
    if (done()) throw error("the expression is empty", std::string(mask_syntax()));
    NodePtr root = parse_or(0);
    skip_space();
    if (!done()) throw unexpected_after_expression();
    return root;
  }

 private:
  NodePtr parse_or(std::size_t depth) {
    std::vector<NodePtr> operands{parse_and(depth)};
    while (accept('|')) operands.push_back(parse_and(depth));
    return combine<Or>(std::move(operands));
  }

  NodePtr parse_and(std::size_t depth) {
    std::vector<NodePtr> operands{parse_unary(depth)};
    while (accept('&')) operands.push_back(parse_unary(depth));
    return combine<And>(std::move(operands));
  }

  NodePtr parse_unary(std::size_t depth) {
    skip_space();
    if (done()) {
      throw error(fmt::format("missing an atom after '{}' at column {}", text_[last_operator_],
                              column(last_operator_)),
                  std::string(mask_syntax()));
    }
    const std::size_t at = pos_;
    const char c = text_[pos_];
    if (c != '!' && c != '(') {
      if (is_delimiter(c)) {
        throw error(fmt::format("expected an atom at column {}, found '{}'", column(at), c),
                    std::string(mask_syntax()));
      }
      return parse_atom();
    }
    if (depth == max_nesting) {
      throw error(fmt::format("the expression nests ( and ! more than {} deep (at column {})",
                              max_nesting, column(at)));
    }
    last_operator_ = pos_++;
    if (c == '!') return make_not(parse_unary(depth + 1));
    NodePtr inner = parse_or(depth + 1);
    skip_space();
    if (done()) {
      throw error(
          fmt::format("unbalanced parenthesis: '(' at column {} is never closed", column(at)));
    }
    if (text_[pos_] != ')') throw unexpected_after_expression();
    ++pos_;
    return inner;
  }

  NodePtr parse_atom() {
    const std::size_t at = pos_;
    const std::string_view name = read_word();
    const AtomSpec* spec = find_spec(name);
    if (spec == nullptr) throw unknown_atom(name, at);
    Atom atom{spec->kind, parse_args(*spec, at), {}};
    if (atom.kind == AtomKind::document) atom.segment_extent = segment_extents(atom.args);
    return make_node(std::move(atom));
  }

  // The numbers after `name:`, checked against the atom's form and ranges.
  std::vector<std::int64_t> parse_args(const AtomSpec& spec, std::size_t name_at) {
    skip_space();
    const bool has_colon = !done() && text_[pos_] == ':';
    if (spec.params == Params::none) {
      if (has_colon) {
        throw error(fmt::format("{} takes no parameter (at column {})", spec.name, column(pos_)));
      }
      return {};
    }
    if (!has_colon) throw needs_parameter(spec, name_at);
    const std::vector<Number> numbers = read_numbers(spec, name_at);
    check_form(spec, numbers, name_at);
    std::vector<std::int64_t> args;
    for (std::size_t k = 0; k < numbers.size(); ++k) {
      const ParamSpec& param = (spec.params == Params::pair && k == 1) ? spec.second : spec.first;
      args.push_back(checked_value(spec, param, numbers[k]));
    }
    return args;
  }

  // number ((',' | ':') number)*, starting at the ':' after the name.
  std::vector<Number> read_numbers(const AtomSpec& spec, std::size_t name_at) {
    std::vector<Number> numbers;
    char separator = ':';
    std::size_t separator_at = pos_++;
    for (;;) {
      skip_space();
      const std::size_t at = pos_;
      const std::string_view word = read_word();
      if (word.empty() && numbers.empty()) throw needs_parameter(spec, name_at);
      if (word.empty()) {
        throw error(fmt::format("missing a number after '{}' at column {}", separator,
                                column(separator_at)));
      }
      numbers.push_back({word, to_integer(spec, word, at), at, separator, separator_at});
      skip_space();
      if (done() || (text_[pos_] != ',' && text_[pos_] != ':')) return numbers;
      separator = text_[pos_];
      separator_at = pos_++;
    }
  }

  // How many numbers the atom takes, and what separates them.
  void check_form(const AtomSpec& spec, const std::vector<Number>& numbers,
                  std::size_t name_at) const {
    if (spec.params == Params::one && numbers.size() > 1) {
      throw error(fmt::format("{} takes one number, as in {}:3 (at column {})", spec.name,
                              spec.name, column(numbers[1].separator_at)));
    }
    if (spec.params == Params::list) {
      for (std::size_t k = 1; k < numbers.size(); ++k) {
        if (numbers[k].separator != ',') {
          throw error(fmt::format("{} separates its numbers with ',' (at column {})", spec.name,
                                  column(numbers[k].separator_at)));
        }
      }
    }
    if (spec.params == Params::pair) {
      if (numbers.size() < 2) throw needs_parameter(spec, name_at);
      if (numbers[1].separator != ':') {
        throw error(
            fmt::format("{} separates its width and step with ':', as in {}:2:2 (at "
                        "column {})",
                        spec.name, spec.name, column(numbers[1].separator_at)));
      }
      if (numbers.size() > 2) {
        throw error(fmt::format("{} takes two numbers, as in {}:2:2 (at column {})", spec.name,
                                spec.name, column(numbers[2].separator_at)));
      }
    }
  }

  // The whole word as a decimal integer (std::from_chars: no locale, no '+', no spaces).
  std::optional<std::int64_t> to_integer(const AtomSpec& spec, std::string_view word,
                                         std::size_t at) const {
    std::int64_t value = 0;
    const char* end = word.data() + word.size();
    const auto [ptr, ec] = std::from_chars(word.data(), end, value);
    if (ec == std::errc::result_out_of_range && ptr == end) return std::nullopt;
    if (ec != std::errc{} || ptr != end) {
      throw error(fmt::format("bad number '{}' at column {}: {} needs {}", word, column(at),
                              spec.name, spec.needs));
    }
    return value;
  }

  std::int64_t checked_value(const AtomSpec& spec, const ParamSpec& param,
                             const Number& number) const {
    if (!number.value || *number.value < param.least || *number.value > max_parameter) {
      throw error(fmt::format("{} {} must be from {} to {}, got {} (at column {})", spec.name,
                              param.name, param.least, max_parameter, number.text,
                              column(number.at)));
    }
    return *number.value;
  }

  Error needs_parameter(const AtomSpec& spec, std::size_t name_at) const {
    return error(fmt::format("{} needs {} (at column {})", spec.name, spec.needs, column(name_at)));
  }

  Error unknown_atom(std::string_view name, std::size_t at) const {
    std::string message = fmt::format("unknown atom '{}' at column {}", name, column(at));
    if (const auto guess = nearest(name, atom_names)) {
      message += fmt::format(" (did you mean '{}'?)", *guess);
    }
    return error(message, std::string(mask_syntax()));
  }

  // Something other than an operator where a complete (sub)expression has ended.
  Error unexpected_after_expression() const {
    if (text_[pos_] == ')') {
      return error(fmt::format("unbalanced parenthesis: ')' at column {} has no matching '('",
                               column(pos_)));
    }
    std::string_view token = text_.substr(pos_);
    token = token.substr(0, is_delimiter(token[0]) ? 1 : word_length(token));
    return error(fmt::format("unexpected '{}' at column {}; join atoms with '&' or '|'", token,
                             column(pos_)));
  }

  static Error error(const std::string& message, std::string hint = {}) {
    return usage_error("--mask: " + message, std::move(hint));
  }

  static std::size_t word_length(std::string_view rest) {
    const auto it = std::ranges::find_if(rest, is_delimiter);
    return static_cast<std::size_t>(it - rest.begin());
  }

  std::string_view read_word() {
    const std::string_view word = text_.substr(pos_, word_length(text_.substr(pos_)));
    pos_ += word.size();
    return word;
  }

  bool accept(char op) {
    skip_space();
    if (done() || text_[pos_] != op) return false;
    last_operator_ = pos_++;
    return true;
  }

  void skip_space() {
    while (!done() && is_space(text_[pos_])) ++pos_;
  }
  bool done() const { return pos_ == text_.size(); }

  // 1-based, counting UTF-8 characters rather than bytes.
  std::size_t column(std::size_t offset) const {
    const auto starts_character = [](char c) {
      return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    };
    return 1 + static_cast<std::size_t>(
                   std::count_if(text_.begin(), text_.begin() + static_cast<std::ptrdiff_t>(offset),
                                 starts_character));
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  std::size_t last_operator_ = 0;  // offset of the last &, |, ! or ( consumed
};

// ---- What each atom allows --------------------------------------------------------------------

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

// A half-open interval of key positions [lo, hi), before clipping to the keys that exist.
struct Interval {
  std::int64_t lo = 0;
  std::int64_t hi = 0;
};

// Keys outside the interval are blocked; inside it, every key is allowed too, unless the atom is
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

// ---- Walking the tree ------------------------------------------------------------------------

bool node_allows(const MaskNode& node, std::size_t i, std::int64_t p, std::int64_t j) {
  const auto allows = [&](const NodePtr& operand) { return node_allows(*operand, i, p, j); };
  return std::visit(Overloaded{
                        [&](const Atom& atom) { return atom_allows(atom, i, p, j); },
                        [&](const Not& x) { return !allows(x.operand); },
                        [&](const And& x) { return std::ranges::all_of(x.operands, allows); },
                        [&](const Or& x) { return std::ranges::any_of(x.operands, allows); },
                    },
                    node.value);
}

KeyRange intersect(KeyRange a, KeyRange b) {
  const KeyRange both{std::max(a.begin, b.begin), std::min(a.end, b.end)};
  return both.empty() ? KeyRange{} : both;
}
KeyRange hull(KeyRange a, KeyRange b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  return {std::min(a.begin, b.begin), std::max(a.end, b.end)};
}

KeyRange node_span(const MaskNode& node, std::size_t i, std::int64_t p, std::size_t n_k) {
  const auto span_of = [&](const NodePtr& operand) { return node_span(*operand, i, p, n_k); };
  const auto fold = [&](const std::vector<NodePtr>& operands, auto combine_ranges) {
    KeyRange range = span_of(operands.front());
    for (std::size_t k = 1; k < operands.size(); ++k)
      range = combine_ranges(range, span_of(operands[k]));
    return range;
  };
  return std::visit(Overloaded{
                        [&](const Atom& atom) { return clip(atom_interval(atom, i, p), n_k); },
                        [&](const Not&) {
                          return KeyRange{0, n_k};
                        },
                        [&](const And& x) { return fold(x.operands, intersect); },
                        [&](const Or& x) { return fold(x.operands, hull); },
                    },
                    node.value);
}

template <class F>
void for_each_atom(const MaskNode& node, const F& f) {
  std::visit(Overloaded{
                 [&](const Atom& atom) { f(atom); },
                 [&](const Not& x) { for_each_atom(*x.operand, f); },
                 [&](const auto& x) {
                   for (const NodePtr& operand : x.operands) for_each_atom(*operand, f);
                 },
             },
             node.value);
}

std::size_t height(const MaskNode& node) {
  return std::visit(Overloaded{
                        [](const Atom&) { return std::size_t{1}; },
                        [](const Not& x) { return 1 + height(*x.operand); },
                        [](const auto& x) {
                          std::size_t tallest = 0;
                          for (const NodePtr& operand : x.operands)
                            tallest = std::max(tallest, height(*operand));
                          return 1 + tallest;
                        },
                    },
                    node.value);
}

// Precedence: | binds loosest (1), then & (2), then ! and atoms (3).
std::string render(const MaskNode& node, int context) {
  const auto join = [&](const std::vector<NodePtr>& operands, std::string_view op, int level) {
    std::string text;
    for (const NodePtr& operand : operands) {
      if (!text.empty()) text += op;
      text += render(*operand, level);
    }
    return context > level ? "(" + text + ")" : text;
  };
  return std::visit(Overloaded{
                        [](const Atom& atom) { return atom_text(atom); },
                        [](const Not& x) { return "!" + render(*x.operand, 3); },
                        [&](const And& x) { return join(x.operands, " & ", 2); },
                        [&](const Or& x) { return join(x.operands, " | ", 1); },
                    },
                    node.value);
}

// Fills one row of the mask at a time, node by node, so each atom writes a whole row in one pass
// and the operators combine rows with byte-wise and, or and not.
class RowFiller {
 public:
  RowFiller(const MaskNode& root, std::size_t n_k)
      : scratch_(height(root), std::vector<unsigned char>(n_k)) {}

  // out[j] = 1 where the node allows key j for row i at position p.
  void fill(const MaskNode& node, std::size_t i, std::int64_t p, std::span<unsigned char> out,
            std::size_t depth = 0) {
    std::visit(Overloaded{
                   [&](const Atom& atom) { fill_atom(atom, i, p, out); },
                   [&](const Not& x) {
                     fill(*x.operand, i, p, out, depth + 1);
                     for (unsigned char& cell : out) cell ^= 1;
                   },
                   [&](const And& x) {
                     fold_rows(x.operands, i, p, out, depth,
                               [](unsigned char& a, unsigned char b) { a &= b; });
                   },
                   [&](const Or& x) {
                     fold_rows(x.operands, i, p, out, depth,
                               [](unsigned char& a, unsigned char b) { a |= b; });
                   },
               },
               node.value);
  }

 private:
  static void fill_atom(const Atom& atom, std::size_t i, std::int64_t p,
                        std::span<unsigned char> out) {
    std::ranges::fill(out, 0);
    const KeyRange range = clip(atom_interval(atom, i, p), out.size());
    if (is_interval(atom.kind)) {
      std::ranges::fill(out.subspan(range.begin, range.size()), 1);
      return;
    }
    for (std::size_t j = range.begin; j < range.end; ++j) {
      out[j] = atom_allows(atom, i, p, static_cast<std::int64_t>(j)) ? 1 : 0;
    }
  }

  // out = first operand, then out[j] op= each further operand's row.
  template <class Op>
  void fold_rows(const std::vector<NodePtr>& operands, std::size_t i, std::int64_t p,
                 std::span<unsigned char> out, std::size_t depth, Op op) {
    fill(*operands.front(), i, p, out, depth + 1);
    const std::span<unsigned char> other = scratch_[depth];
    for (std::size_t k = 1; k < operands.size(); ++k) {
      fill(*operands[k], i, p, other, depth + 1);
      for (std::size_t j = 0; j < out.size(); ++j) op(out[j], other[j]);
    }
  }

  std::vector<std::vector<unsigned char>> scratch_;  // one row per level of the tree
};

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

}  // namespace

// ---- BoolMatrix ------------------------------------------------------------------------------

BoolMatrix::BoolMatrix(std::size_t rows, std::size_t cols, bool fill)
    : rows_(rows), cols_(cols), cells_(rows * cols, fill ? 1 : 0) {}

BoolMatrix::BoolMatrix(std::initializer_list<std::initializer_list<int>> rows)
    : rows_(rows.size()), cols_(rows.size() == 0 ? 0 : rows.begin()->size()) {
  cells_.reserve(rows_ * cols_);
  for (const auto& row : rows) {
    if (row.size() != cols_) throw std::invalid_argument("BoolMatrix: ragged initializer list");
    for (int cell : row) {
      if (cell != 0 && cell != 1) throw std::invalid_argument("BoolMatrix: entries must be 0 or 1");
      cells_.push_back(static_cast<unsigned char>(cell));
    }
  }
}

std::size_t BoolMatrix::count_row(std::size_t i) const noexcept {
  return static_cast<std::size_t>(std::ranges::count(row(i), 1));
}

std::size_t BoolMatrix::count() const noexcept {
  return static_cast<std::size_t>(std::ranges::count(cells_, 1));
}

Matrix to_additive(const BoolMatrix& m) {
  Matrix additive(m.rows(), m.cols(), 0.0);
  for (std::size_t i = 0; i < m.rows(); ++i)
    for (std::size_t j = 0; j < m.cols(); ++j)
      if (!m(i, j)) additive(i, j) = neg_inf;
  return additive;
}

BoolMatrix from_additive(const Matrix& m) {
  BoolMatrix allowed(m.rows(), m.cols());
  for (std::size_t i = 0; i < m.rows(); ++i)
    for (std::size_t j = 0; j < m.cols(); ++j) allowed(i, j) = m(i, j) != neg_inf;
  return allowed;
}

std::span<const std::string_view> mask_atom_names() {
  return atom_names;
}

std::string_view mask_syntax() {
  return "mask atoms: full (or none), causal, window:W, local:W, prefix:P, valid:L (or "
         "valid:L1,L2,… one per query row), document:ID,ID,… (one per key), chunk:C, "
         "dilated:W:D; combine with & (and), | (or), ! (not) and parentheses";
}

// ---- MaskExpr --------------------------------------------------------------------------------

MaskExpr::MaskExpr() : MaskExpr(full()) {}

MaskExpr MaskExpr::parse(std::string_view text) {
  return MaskExpr(Parser(text).parse());
}

MaskExpr MaskExpr::full() {
  static const NodePtr node = make_node(Atom{AtomKind::full, {}, {}});
  return MaskExpr(node);
}

MaskExpr MaskExpr::causal() {
  static const NodePtr node = make_node(Atom{AtomKind::causal, {}, {}});
  return MaskExpr(node);
}

bool MaskExpr::allows(std::size_t i, std::int64_t p, std::int64_t j) const {
  return node_allows(*root_, i, p, j);
}

void MaskExpr::check_fits(const Geometry& g) const {
  for_each_atom(*root_, [&](const Atom& atom) { check_atom_fits(atom, g); });
}

BoolMatrix MaskExpr::evaluate(const Geometry& g) const {
  check_fits(g);
  BoolMatrix mask(g.n_q, g.n_k);
  RowFiller filler(*root_, g.n_k);
  for (std::size_t i = 0; i < g.n_q; ++i) filler.fill(*root_, i, g.position(i), mask.row(i));
  return mask;
}

KeyRange MaskExpr::span(const Geometry& g, std::size_t i) const {
  return node_span(*root_, i, g.position(i), g.n_k);
}

std::string MaskExpr::to_string() const {
  return render(*root_, 0);
}

bool MaskExpr::is_full() const {
  const auto* atom = std::get_if<Atom>(&root_->value);
  return atom != nullptr && atom->kind == AtomKind::full;
}

std::vector<std::string> MaskExpr::explain(const Geometry& g, std::size_t i, std::size_t j) const {
  if (i >= g.n_q || j >= g.n_k) {
    throw data_error(
        fmt::format("--mask: cell (i = {}, j = {}) is outside the {}×{} mask", i, j, g.n_q, g.n_k));
  }
  check_fits(g);
  const std::int64_t p = g.position(i);
  const auto key = static_cast<std::int64_t>(j);
  std::vector<std::string> lines;
  std::vector<std::string> seen;
  for_each_atom(*root_, [&](const Atom& atom) {
    std::string text = atom_text(atom);
    if (std::ranges::find(seen, text) != seen.end()) return;
    lines.push_back(fmt::format("{} by {}: {}",
                                atom_allows(atom, i, p, key) ? "allowed" : "blocked", text,
                                atom_reason(atom, i, p, key)));
    seen.push_back(std::move(text));
  });
  lines.push_back(fmt::format("verdict: {} (row i = {} at position p = {}, key j = {}, mask {})",
                              allows(i, p, key) ? "allowed" : "blocked", i, p, j, to_string()));
  return lines;
}

std::vector<std::string> MaskExpr::atoms() const {
  std::vector<std::string> texts;
  for_each_atom(*root_, [&](const Atom& atom) {
    std::string text = atom_text(atom);
    if (std::ranges::find(texts, text) == texts.end()) texts.push_back(std::move(text));
  });
  return texts;
}

MaskLabel mask_label(const MaskExpr& expr) {
  return {expr.to_string(), [expr](const Geometry& g, std::size_t i, std::size_t j) {
            return expr.explain(g, i, j);
          }};
}

}  // namespace attn
