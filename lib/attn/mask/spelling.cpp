#include "attn/mask/spelling.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace attn::detail {

BoolMatrix matrix_of(const Geometry& g, const Rule& rule) {
  BoolMatrix m(g.n_q, g.n_k);
  for (std::size_t i = 0; i < g.n_q; ++i)
    for (std::size_t j = 0; j < g.n_k; ++j) m(i, j) = rule(i, j);
  return m;
}

BoolMatrix complement(BoolMatrix m) {
  for (std::size_t i = 0; i < m.rows(); ++i)
    for (unsigned char& cell : m.row(i)) cell ^= 1;
  return m;
}

std::string count_keys(std::int64_t n) {
  return fmt::format("{} {}", n, n == 1 ? "key" : "keys");
}

Rule tril(std::int64_t d) {
  return [d](std::size_t i, std::size_t j) { return to_i64(j) - to_i64(i) <= d; };
}

Rule flash_window(const Geometry& g, std::int64_t l, std::int64_t r, std::size_t keys) {
  const std::int64_t shift = to_i64(keys) - to_i64(g.n_q), real = to_i64(keys);
  return [=](std::size_t i, std::size_t j) {
    const std::int64_t row = to_i64(i) + shift, key = to_i64(j);
    return key < real && (l < 0 || key >= row - l) && (r < 0 || key <= row + r);
  };
}

bool Conjunction::only(std::initializer_list<std::string_view> allowed) const {
  const auto has = [&](std::string_view name) {
    return std::ranges::find(allowed, name) != allowed.end();
  };
  return ok && !other && (has("causal") || !causal) && (has("window") || !window) &&
         (has("local") || !local) && (has("chunk") || !chunk) && (has("valid") || !valid) &&
         (has("document") || !document);
}

Conjunction recognise(const Formula& f) {
  Conjunction c;
  std::vector<const Formula*> atoms;
  if (f.kind == Formula::Kind::atom) atoms.push_back(&f);
  if (f.kind == Formula::Kind::conjunction)
    for (const Formula& g : f.operands)
      if (g.kind == Formula::Kind::atom) atoms.push_back(&g);
  if (atoms.empty() || (f.kind == Formula::Kind::conjunction && atoms.size() != f.operands.size()))
    return c;
  c.ok = true;
  const auto set_once = [&](std::optional<std::int64_t>& slot, std::int64_t value) {
    if (slot && *slot != value) c.other = true;
    slot = value;
  };
  for (const Formula* a : atoms) {
    if (a->name == "full") continue;
    if (a->name == "causal")
      c.causal = true;
    else if (a->name == "window")
      set_once(c.window, a->args[0]);
    else if (a->name == "local")
      set_once(c.local, a->args[0]);
    else if (a->name == "chunk")
      set_once(c.chunk, a->args[0]);
    else if (a->name == "valid" && a->args.size() == 1)
      set_once(c.valid, a->args[0]);
    else if (a->name == "document" && !c.document)
      c.document = a->args;
    else
      c.other = true;
  }
  return c;
}

bool is_full(const Conjunction& c) {
  return c.only({});
}

bool Context::any_empty_row() const {
  for (std::size_t i = 0; i < attn.rows(); ++i)
    if (attn.count_row(i) == 0) return true;
  return false;
}

std::string Context::shape() const {
  return fmt::format("L, S = {}, {}  # queries, keys\n", g.n_q, g.n_k);
}

Spelling Context::tensor(std::string_view use) const {
  std::string code = shape() + python_constants(formula);
  code += "i = torch.arange(L)[:, None]  # query rows\n";
  code += position_line(g, "");
  code += "j = torch.arange(S)[None, :]  # key positions\n";
  code += fmt::format("mask = {}  # True = may attend\n",
                      python_code(formula, false, g.offset() < 0).text);
  code += use;
  return {code, python_matrix()};
}

BoolMatrix Context::python_matrix() const {
  return matrix_of(g, [&](std::size_t i, std::size_t j) {
    return python_allows(formula, i, g.position(i), to_i64(j));
  });
}

Translation make(Library lib, const Context& c, Spelling s, bool native) {
  Translation t;
  t.library = lib;
  t.exact = s.matrix == c.attn;
  t.spelling = std::move(s);
  t.native = native;
  return t;
}

void add_naive(Translation& t, Spelling naive) {
  if (naive.matrix != t.spelling.matrix) t.naive = std::move(naive);
}

}  // namespace attn::detail
