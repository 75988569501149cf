// What every library's spelling is built from: the rules libraries state (tril with a diagonal,
// flash-attn's window), the recognised shape of the expression (one atom, or atoms joined by &),
// the explicit tensor form, and the comparison with attn's own mask. One function per library,
// each in spell_LIBRARY.cpp, turns a Context into a Translation. Internal to the mask layer;
// translate() (translate.hpp) is the public entry point.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "attn/core/geometry.hpp"
#include "attn/mask/bool_matrix.hpp"
#include "attn/mask/formula.hpp"
#include "attn/mask/translation.hpp"

namespace attn::detail {

// ---- Library rules, each as its documentation states it -----------------------------------------

using Rule = std::function<bool(std::size_t i, std::size_t j)>;

// The n_q × n_k matrix of rule(i, j).
BoolMatrix matrix_of(const Geometry& g, const Rule& rule);
// Every cell flipped: a library's "True = blocked" read back as "true = may attend".
BoolMatrix complement(BoolMatrix m);

inline std::int64_t to_i64(std::size_t x) {
  return static_cast<std::int64_t>(x);
}

// "1 key", "3 keys".
std::string count_keys(std::int64_t n);

// torch.ones(L, S).tril(diagonal=d): keeps j − i ≤ d. SDPA's is_causal and causal_upper_left
// use d = 0; causal_lower_right uses d = S − L.
Rule tril(std::int64_t d);

// flash-attn window_size=(l, r), −1 = unbounded, over `keys` real keys (the padding after them is
// blocked): keys in [i + keys − L − l, i + keys − L + r], as flash_attn_func's docstring and
// construct_local_mask in its tests state. causal=True is window_size=(l, 0).
Rule flash_window(const Geometry& g, std::int64_t l, std::int64_t r, std::size_t keys);
inline Rule flash_window(const Geometry& g, std::int64_t l, std::int64_t r) {
  return flash_window(g, l, r, g.n_k);
}

// ---- Recognising a conjunction of atoms that libraries have flags for ---------------------------

struct Conjunction {
  bool ok = false;  // the expression is one atom or atoms joined by &
  bool causal = false;
  std::optional<std::int64_t> window, local, chunk, valid;  // valid: a single length
  std::optional<std::vector<std::int64_t>> document;
  bool other = false;  // some atom no library has a flag for (prefix, dilated, valid list, …)

  // True when the expression is a conjunction of atoms named in `allowed` (or `full`).
  bool only(std::initializer_list<std::string_view> allowed) const;
};

Conjunction recognise(const Formula& f);
// `full` alone (or a conjunction of `full`s).
bool is_full(const Conjunction& c);

// ---- Shared pieces of every translation ---------------------------------------------------------

struct Context {
  const Geometry& g;
  const BoolMatrix& attn;  // attn's mask, by MaskExpr::evaluate
  Formula formula;
  Conjunction conj;
  std::string expr_text;

  bool any_empty_row() const;
  // "L, S = 2, 4  # queries, keys\n"
  std::string shape() const;
  // The explicit bool tensor, True = may attend, followed by `use`; its matrix is what that
  // Python gives.
  Spelling tensor(std::string_view use) const;
  // The matrix the printed formula gives.
  BoolMatrix python_matrix() const;
};

// A Translation of `s`, exact when its matrix is attn's.
Translation make(Library lib, const Context& c, Spelling s, bool native);
// Shows `naive` beside attn's mask, unless it gives the same matrix as the spelling.
void add_naive(Translation& t, Spelling naive);

// ---- One function per library (spell_torch.cpp, spell_flash.cpp, …) -----------------------------

Translation spell_torch_sdpa(const Context& c);
Translation spell_torch_mha(const Context& c);
Translation spell_flash_attn(const Context& c);
Translation spell_hf(const Context& c);
Translation spell_xformers(const Context& c);
Translation spell_flex(const Context& c);
Translation spell_d2l(const Context& c);

}  // namespace attn::detail
