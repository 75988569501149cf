// flash-attn: flash_attn_func takes causal and window_size=(l, r), always aligned bottom-right;
// padding goes through flash_attn_varlen_func, which leaves the padded keys out, so causal and
// window_size line the queries up with the last *real* key. Sources: docs/conventions.md.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "attn/mask/spelling.hpp"

namespace attn::detail {
namespace {

std::string window_arg(bool causal, std::int64_t l, std::int64_t r) {
  if (l >= 0 || (!causal && r >= 0)) return fmt::format("window_size=({}, {})", l, r);
  return {};
}

std::string flash_call(bool causal, std::int64_t l, std::int64_t r) {
  std::vector<std::string> args{"q", "k", "v"};
  if (causal) args.emplace_back("causal=True");
  if (std::string w = window_arg(causal, l, r); !w.empty()) args.push_back(std::move(w));
  return fmt::format("flash_attn_func({})", fmt::join(args, ", "));
}

// flash_attn_varlen_func on the first `keys` keys of one sequence: cu_seqlens mark where each
// sequence starts, so the padding after them is left out.
std::string varlen_call(const Geometry& g, std::size_t keys, bool causal, std::int64_t l,
                        std::int64_t r) {
  std::string code = fmt::format(
      "# flash_attn_varlen_func takes the {0} real keys and no padding; cu_seqlens mark where each "
      "sequence starts\n"
      "cu_seqlens_q = torch.tensor([0, {1}], dtype=torch.int32)  # {1} queries\n"
      "cu_seqlens_k = torch.tensor([0, {0}], dtype=torch.int32)  # keys 0 … {2}; the rest is "
      "padding, left out\n",
      keys, g.n_q, to_i64(keys) - 1);
  std::vector<std::string> args{"q[0]",
                                fmt::format("k[0, :{}]", keys),
                                fmt::format("v[0, :{}]", keys),
                                "cu_seqlens_q",
                                "cu_seqlens_k",
                                fmt::format("max_seqlen_q={}", g.n_q),
                                fmt::format("max_seqlen_k={}", keys)};
  if (causal) args.emplace_back("causal=True");
  if (std::string w = window_arg(causal, l, r); !w.empty()) args.push_back(std::move(w));
  return code + fmt::format("flash_attn_varlen_func({})", fmt::join(args, ", "));
}

// `causal | local:W` (in either order): window_size=(-1, W), every key up to p + W.
std::optional<std::int64_t> causal_or_local(const Formula& f) {
  if (f.kind != Formula::Kind::disjunction || f.operands.size() != 2) return std::nullopt;
  const Formula& a = f.operands[0];
  const Formula& b = f.operands[1];
  if (a.kind != Formula::Kind::atom || b.kind != Formula::Kind::atom) return std::nullopt;
  if (a.name == "causal" && b.name == "local") return b.args[0];
  if (b.name == "causal" && a.name == "local") return a.args[0];
  return std::nullopt;
}

// "i + 2", "i" or "i − 1": query i's position under a shift.
std::string shifted(std::int64_t shift) {
  if (shift == 0) return "i";
  return shift > 0 ? fmt::format("i + {}", shift) : fmt::format("i − {}", -shift);
}

}  // namespace

Translation spell_flash_attn(const Context& c) {
  const Geometry& g = c.g;
  const Conjunction& k = c.conj;
  Translation t;
  std::optional<Spelling> candidate;
  std::vector<std::string> notes;  // said with the candidate, whether or not it is attn's mask
  std::size_t keys = g.n_k;        // real keys: fewer than n_k with padding
  bool aligned = false;            // causal or window_size place the queries
  if (const auto band = causal_or_local(c.formula)) {
    candidate = Spelling{flash_call(false, -1, *band), matrix_of(g, flash_window(g, -1, *band))};
    notes.push_back(fmt::format(
        "window_size=(-1, {0}) keeps every key up to p + {0}: causal | local:{0}", *band));
  } else if (k.only({"causal", "window", "local", "valid"})) {
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
    if (k.valid && *k.valid < to_i64(g.n_k)) keys = static_cast<std::size_t>(*k.valid);
    const std::string code =
        keys < g.n_k ? varlen_call(g, keys, causal, l, r) : flash_call(causal, l, r);
    candidate = Spelling{code, matrix_of(g, flash_window(g, l, r, keys))};
    aligned = causal || l >= 0;
    if (k.window) {
      notes.push_back(fmt::format(
          "window_size=(l, r) keeps keys [p − l, p + r], l + 1 + r of them: window:{0} (W = {0} "
          "keys, the query's own included) is window_size=({1}, 0), not ({0}, 0)",
          *k.window, *k.window - 1));
    }
    if (aligned && keys < g.n_k) {
      const std::int64_t flash_shift = to_i64(keys) - to_i64(g.n_q);
      notes.push_back(fmt::format(
          "with padding, flash-attn lines the queries up with the last real key: query i sits "
          "at i + {} − {} = {} (only the {} real keys count), where attn's sits at p = {} ({}, "
          "the padding counted); with queries padded the same way (cu_seqlens_q = "
          "cu_seqlens_k, one padded sequence attending to itself) the real rows agree",
          keys, g.n_q, shifted(flash_shift), keys, shifted(g.position(0)), align_name(g.align)));
    }
  }
  if (candidate && candidate->matrix == c.attn) {
    t = make(Library::flash_attn, c, std::move(*candidate), true);
    if (k.window) {
      add_naive(t, {flash_call(true, *k.window, 0), matrix_of(g, flash_window(g, *k.window, 0))});
    }
    t.notes = std::move(notes);
    if (aligned && keys == g.n_k && g.n_q != g.n_k)
      t.notes.push_back("flash-attn aligns causal and window_size bottom-right (p = i + S − L)");
    return t;
  }
  t = make(Library::flash_attn, c,
           c.tensor("# flash_attn_func takes no mask tensor: run this mask through SDPA instead\n"
                    "F.scaled_dot_product_attention(q, k, v, attn_mask=mask)\n"),
           false);
  if (candidate) {
    t.naive = std::move(*candidate);
    t.notes = std::move(notes);
    if (keys == g.n_k && g.offset() == 0 && g.n_q != g.n_k)
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
