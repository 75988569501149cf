// The parsed mask expression as a tree: atoms (atoms.hpp) under n-ary And and Or and unary Not.
// And and Or never hold a child of their own kind, so a long chain `a & b & c & …` is one node
// and the tree is only as deep as the nesting of ( and !. Internal to the mask layer: the parser
// builds it, MaskExpr walks it.
#pragma once

#include <memory>
#include <utility>
#include <variant>
#include <vector>

#include "attn/mask/atoms.hpp"

namespace attn::detail {

struct MaskNode;
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

// std::visit over a MaskNode with one lambda per alternative.
template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

inline NodePtr make_node(Atom atom) {
  return std::make_shared<const MaskNode>(MaskNode{std::move(atom)});
}
inline NodePtr make_not(NodePtr operand) {
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

}  // namespace attn::detail
