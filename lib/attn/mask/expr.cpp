#include "attn/mask/expr.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "attn/core/error.hpp"
#include "attn/mask/parser.hpp"
#include "attn/mask/tree.hpp"

namespace attn {
namespace {

using detail::And;
using detail::Atom;
using detail::AtomKind;
using detail::MaskNode;
using detail::NodePtr;
using detail::Not;
using detail::Or;
using detail::Overloaded;

// ---- Walking the tree ------------------------------------------------------------------------

bool node_allows(const MaskNode& node, std::size_t i, std::int64_t p, std::int64_t j) {
  const auto allows = [&](const NodePtr& operand) { return node_allows(*operand, i, p, j); };
  return std::visit(Overloaded{
                        [&](const Atom& atom) { return detail::atom_allows(atom, i, p, j); },
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

}  // namespace

std::span<const std::string_view> mask_atom_names() {
  return detail::atom_names();
}

std::string_view mask_syntax() {
  return detail::syntax_line();
}

// ---- MaskExpr --------------------------------------------------------------------------------

MaskExpr::MaskExpr() : MaskExpr(full()) {}

MaskExpr MaskExpr::parse(std::string_view text) {
  return MaskExpr(detail::parse_tree(text));
}

MaskExpr MaskExpr::full() {
  static const NodePtr node = detail::make_node(Atom{AtomKind::full, {}, {}});
  return MaskExpr(node);
}

MaskExpr MaskExpr::causal() {
  static const NodePtr node = detail::make_node(Atom{AtomKind::causal, {}, {}});
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
