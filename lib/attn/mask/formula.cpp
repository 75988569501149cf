#include "attn/mask/formula.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <functional>

#include "attn/core/error.hpp"

namespace attn::detail {
namespace {

class FormulaParser {
 public:
  explicit FormulaParser(std::string_view text) : text_(text) {}

  Formula parse() {
    Formula f = parse_or();
    skip_space();
    if (pos_ != text_.size()) fail();
    return f;
  }

 private:
  Formula parse_or() {
    return parse_list(Formula::Kind::disjunction, '|', [this] { return parse_and(); });
  }
  Formula parse_and() {
    return parse_list(Formula::Kind::conjunction, '&', [this] { return parse_unary(); });
  }
  template <class F>
  Formula parse_list(Formula::Kind kind, char op, F next) {
    Formula first = next();
    Formula list{kind, {}, {}, {}};
    list.operands.push_back(std::move(first));
    while (accept(op)) list.operands.push_back(next());
    return list.operands.size() == 1 ? std::move(list.operands.front()) : list;
  }
  Formula parse_unary() {
    if (accept('!')) return Formula{Formula::Kind::negation, {}, {}, {parse_unary()}};
    if (accept('(')) {
      Formula inner = parse_or();
      if (!accept(')')) fail();
      return inner;
    }
    skip_space();
    Formula atom;
    const std::size_t start = pos_;
    while (pos_ < text_.size() && std::isalpha(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    atom.name = std::string(text_.substr(start, pos_ - start));
    if (atom.name.empty()) fail();
    if (pos_ < text_.size() && text_[pos_] == ':') {
      do {
        ++pos_;
        const std::size_t number = pos_;
        if (pos_ < text_.size() && text_[pos_] == '-') ++pos_;
        while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) ++pos_;
        atom.args.push_back(std::stoll(std::string(text_.substr(number, pos_ - number))));
      } while (pos_ < text_.size() && (text_[pos_] == ',' || text_[pos_] == ':'));
    }
    if (atom.name == "none") atom.name = "full";
    return atom;
  }
  bool accept(char c) {
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  void skip_space() {
    while (pos_ < text_.size() && text_[pos_] == ' ') ++pos_;
  }
  [[noreturn]] void fail() const {
    throw Error(Exit::internal,
                fmt::format("translate: cannot read the canonical mask text '{}'", text_));
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

std::string at_least(const Code& c, int level) {
  return c.level >= level ? c.text : "(" + c.text + ")";
}

}  // namespace

Formula parse_formula(std::string_view canonical_text) {
  return FormulaParser(canonical_text).parse();
}

std::int64_t python_floor_div(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}
std::int64_t python_mod(std::int64_t a, std::int64_t b) {
  return a - b * python_floor_div(a, b);
}

// Whether the emitted Python keeps (i, p, j): row i at position p, key j.
bool python_allows(const Formula& f, std::size_t i, std::int64_t p, std::int64_t j) {
  const auto& a = f.args;
  switch (f.kind) {
    case Formula::Kind::negation:
      return !python_allows(f.operands[0], i, p, j);
    case Formula::Kind::conjunction:
      return std::ranges::all_of(f.operands,
                                 [&](const Formula& g) { return python_allows(g, i, p, j); });
    case Formula::Kind::disjunction:
      return std::ranges::any_of(f.operands,
                                 [&](const Formula& g) { return python_allows(g, i, p, j); });
    case Formula::Kind::atom:
      break;
  }
  if (f.name == "full") return true;
  if (f.name == "causal") return j <= p;                            // (j <= p)
  if (f.name == "window") return j <= p && p - j < a[0];            // (j <= p) & (p - j < W)
  if (f.name == "local") return std::abs(p - j) <= a[0];            // ((p - j).abs() <= W)
  if (f.name == "prefix") return j < a[0] || j <= p;                // (j < P) | (j <= p)
  if (f.name == "valid") return j < (a.size() == 1 ? a[0] : a[i]);  // (j < lengths[i])
  if (f.name == "document") {  // (p >= 0) & (ids[p.clamp(min=0)] == ids[j])
    const auto n = static_cast<std::int64_t>(a.size());
    return p >= 0 && p < n && j < n &&
           a[static_cast<std::size_t>(p)] == a[static_cast<std::size_t>(j)];
  }
  if (f.name == "chunk")
    return python_floor_div(p, a[0]) == python_floor_div(j, a[0]);  // (p // C == j // C)
  if (f.name == "dilated")  // ((p - j).abs() <= W) & ((p - j) % D == 0)
    return std::abs(p - j) <= a[0] && python_mod(p - j, a[1]) == 0;
  throw Error(Exit::internal, fmt::format("translate: unknown atom '{}'", f.name));
}

// In a tensor context `full` must still have the full shape; in a mask_mod it is one value.
Code python_code(const Formula& f, bool mask_mod, bool negative_positions) {
  const auto& a = f.args;
  const auto join = [&](std::string_view op, int level) {
    std::vector<std::string> parts;
    for (const Formula& g : f.operands)
      parts.push_back(at_least(python_code(g, mask_mod, negative_positions), level));
    return Code{fmt::format("{}", fmt::join(parts, op)), level};
  };
  switch (f.kind) {
    case Formula::Kind::negation:
      return {"~" + at_least(python_code(f.operands[0], mask_mod, negative_positions), 3), 3};
    case Formula::Kind::conjunction:
      return join(" & ", 2);
    case Formula::Kind::disjunction:
      return join(" | ", 1);
    case Formula::Kind::atom:
      break;
  }
  if (f.name == "full")
    return {mask_mod ? "torch.tensor(True)" : "torch.ones(L, S, dtype=torch.bool)", 3};
  if (f.name == "causal") return {"(j <= p)", 3};
  if (f.name == "window") return {fmt::format("(j <= p) & (p - j < {})", a[0]), 2};
  if (f.name == "local") return {fmt::format("((p - j).abs() <= {})", a[0]), 3};
  if (f.name == "prefix") return {fmt::format("(j < {}) | (j <= p)", a[0]), 1};
  if (f.name == "valid")
    return {a.size() == 1 ? fmt::format("(j < {})", a[0]) : std::string("(j < lengths[i])"), 3};
  if (f.name == "document")
    return negative_positions ? Code{"(p >= 0) & (ids[p.clamp(min=0)] == ids[j])", 2}
                              : Code{"(ids[p] == ids[j])", 3};
  if (f.name == "chunk") return {fmt::format("(p // {0} == j // {0})", a[0]), 3};
  if (f.name == "dilated")
    return {fmt::format("((p - j).abs() <= {}) & ((p - j) % {} == 0)", a[0], a[1]), 2};
  throw Error(Exit::internal, fmt::format("translate: unknown atom '{}'", f.name));
}

// The lists the formula indexes: `lengths = torch.tensor([…])`, `ids = torch.tensor([…])`.
std::string python_constants(const Formula& f) {
  std::string out;
  std::vector<std::string> seen;
  std::function<void(const Formula&)> visit = [&](const Formula& g) {
    for (const Formula& h : g.operands) visit(h);
    if (g.kind != Formula::Kind::atom) return;
    std::string line;
    if (g.name == "valid" && g.args.size() > 1)
      line = fmt::format("lengths = torch.tensor([{}])  # valid: one length per query row\n",
                         fmt::join(g.args, ", "));
    if (g.name == "document")
      line = fmt::format("ids = torch.tensor([{}])  # document: segment id per position\n",
                         fmt::join(g.args, ", "));
    if (!line.empty() && std::ranges::find(seen, line) == seen.end()) {
      out += line;
      seen.push_back(line);
    }
  };
  visit(f);
  return out;
}

std::string position_line(const Geometry& g, std::string_view indent) {
  if (g.offset() == 0)
    return fmt::format("{}p = i  # query positions{}\n", indent,
                       g.n_q == g.n_k ? "" : " (top-left)");
  return fmt::format("{}p = i + (S - L)  # query positions (bottom-right)\n", indent);
}

}  // namespace attn::detail
