// flash-attn: flash_attn_func takes causal and window_size=(l, r), always aligned bottom-right;
// padding and packed sequences go through flash_attn_varlen_func. Sources: docs/conventions.md.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "attn/mask/spelling.hpp"

namespace attn::detail {
namespace {

std::string flash_call(bool causal, std::int64_t l, std::int64_t r) {
  std::vector<std::string> args{"q", "k", "v"};
  if (causal) args.emplace_back("causal=True");
  if (l >= 0 || (!causal && r >= 0)) args.push_back(fmt::format("window_size=({}, {})", l, r));
  return fmt::format("flash_attn_func({})", fmt::join(args, ", "));
}

}  // namespace

Translation spell_flash_attn(const Context& c) {
  const Geometry& g = c.g;
  const Conjunction& k = c.conj;
  Translation t;
  std::optional<Spelling> candidate;
  if (k.only({"causal", "window", "local"})) {
    // attn's window:W keeps p − W < j ≤ p, i.e. l = W − 1, r = 0; local:W keeps l = r = W.
    std::int64_t l = -1, r = -1;
    const auto tighten = [](std::int64_t& bound, std::int64_t value) {
      bound = bound < 0 ? value : std::min(bound, value);
    };
    if (k.causal || k.window) tighten(r, 0);
    if (k.window) tighten(l, *k.window - 1);
    if (k.local) {
      tighten(l, *k.local);
      tighten(r, *k.local);
    }
    const bool causal = r == 0;
    candidate = Spelling{flash_call(causal, l, r), matrix_of(g, flash_window(g, l, r))};
    if (candidate->matrix == c.attn) {
      t = make(Library::flash_attn, c, std::move(*candidate), true);
      candidate.reset();
      if (k.window) {
        add_naive(t, {flash_call(true, *k.window, 0), matrix_of(g, flash_window(g, *k.window, 0))});
        t.notes.push_back(fmt::format(
            "window_size=(l, r) keeps keys [p − l, p + r], l + 1 + r of them: window:{0} (W = {0} "
            "keys, the query's own included) is window_size=({1}, 0), not ({0}, 0)",
            *k.window, *k.window - 1));
      }
      if (g.n_q != g.n_k)
        t.notes.push_back("flash-attn aligns causal and window_size bottom-right (p = i + S − L)");
      return t;
    }
  }
  t = make(Library::flash_attn, c,
           c.tensor("# flash_attn_func takes no mask tensor: run this mask through SDPA instead\n"
                    "F.scaled_dot_product_attention(q, k, v, attn_mask=mask)\n"),
           false);
  if (candidate) {
    t.naive = std::move(*candidate);
    t.notes.push_back(
        "flash-attn always aligns bottom-right (p = i + S − L); this mask is top-left with "
        "N ≠ M");
  }
  t.notes.push_back(
      "flash-attn can only express causal and window_size=(l, r) (plus padding and packed "
      "documents through flash_attn_varlen_func's cu_seqlens); this mask needs a tensor");
  return t;
}

}  // namespace attn::detail
