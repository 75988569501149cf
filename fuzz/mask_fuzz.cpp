// libFuzzer target: mask expressions (attn::MaskExpr::parse), evaluated on small shapes.
// Bytes 0–1 choose n_q and n_k (0 to 15) and the alignment; the rest is the expression. Checks the
// documented invariants: evaluate agrees with allows cell by cell, span holds every allowed key,
// and to_string parses back to the same mask.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "attn/core/error.hpp"
#include "attn/mask/expr.hpp"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const attn::Geometry g{data[0] & 15u, data[1] & 15u,
                         (data[0] & 16u) != 0 ? attn::Align::top_left : attn::Align::bottom_right};
  const std::string_view text(reinterpret_cast<const char*>(data + 2), size - 2);
  attn::MaskExpr expr;
  try {
    expr = attn::MaskExpr::parse(text);
  } catch (const attn::Error&) {
    return 0;
  }
  const std::string canonical = expr.to_string();
  check(attn::MaskExpr::parse(canonical).to_string() == canonical);
  (void)expr.atoms();
  (void)expr.is_full();
  attn::BoolMatrix m;
  try {
    m = expr.evaluate(g);
  } catch (const attn::Error&) {
    return 0;  // parameters that do not fit the shape (valid:…, document:…)
  }
  check(m.rows() == g.n_q && m.cols() == g.n_k);
  check(attn::MaskExpr::parse(canonical).evaluate(g) == m);
  check(attn::from_additive(attn::to_additive(m)) == m);
  for (std::size_t i = 0; i < g.n_q; ++i) {
    const attn::KeyRange r = expr.span(g, i);
    check(r.end <= g.n_k);
    for (std::size_t j = 0; j < g.n_k; ++j) {
      check(m(i, j) == expr.allows(i, g.position(i), static_cast<std::int64_t>(j)));
      if (m(i, j)) check(r.contains(j));
    }
  }
  if (g.n_q > 0 && g.n_k > 0) check(!expr.explain(g, g.n_q - 1, g.n_k - 1).empty());
  return 0;
}
