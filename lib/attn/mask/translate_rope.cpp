#include "attn/mask/translate_rope.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <complex>
#include <cstdint>

#include "attn/core/error.hpp"
#include "attn/core/suggest.hpp"

namespace attn {
namespace {

struct RopeLibraryInfo {
  RopeLibrary id;
  std::string_view name;
  std::string_view title;
};

constexpr std::array<RopeLibraryInfo, 4> library_info{{
    {RopeLibrary::hf, "hf", "Hugging Face transformers (apply_rotary_pos_emb with rotate_half)"},
    {RopeLibrary::gptj, "gptj", "GPT-J (transformers' modeling_gptj, rotate_every_two)"},
    {RopeLibrary::flash_attn, "flash-attn",
     "flash-attn (flash_attn.layers.rotary.apply_rotary_emb)"},
    {RopeLibrary::meta, "llama", "Meta's reference LLaMA (llama/model.py, complex freqs_cis)"},
}};

constexpr std::array<RopeLibrary, 4> library_order{RopeLibrary::hf, RopeLibrary::gptj,
                                                   RopeLibrary::flash_attn, RopeLibrary::meta};

struct Alias {
  std::string_view name;
  RopeLibrary id;
};
constexpr std::array<Alias, 7> aliases{{
    {"hf", RopeLibrary::hf},
    {"transformers", RopeLibrary::hf},
    {"gptj", RopeLibrary::gptj},
    {"gpt-j", RopeLibrary::gptj},
    {"flash-attn", RopeLibrary::flash_attn},
    {"llama", RopeLibrary::meta},
    {"meta", RopeLibrary::meta},
}};

constexpr auto accepted_names = [] {
  std::array<std::string_view, aliases.size() + 1> names{};
  for (std::size_t k = 0; k < aliases.size(); ++k) names[k] = aliases[k].name;
  names.back() = "all";
  return names;
}();

const RopeLibraryInfo& info(RopeLibrary lib) {
  return *std::ranges::find(library_info, lib, &RopeLibraryInfo::id);
}

RopeStyle other(RopeStyle s) {
  return s == RopeStyle::half ? RopeStyle::interleaved : RopeStyle::half;
}

// out(r, u) = x(r, order[u]).
Matrix reorder(const Matrix& x, const std::vector<std::size_t>& order) {
  Matrix out(x.rows(), x.cols());
  for (std::size_t r = 0; r < x.rows(); ++r)
    for (std::size_t u = 0; u < order.size(); ++u) out(r, u) = x(r, order[u]);
  return out;
}

std::vector<std::size_t> inverse(const std::vector<std::size_t>& order) {
  std::vector<std::size_t> inv(order.size());
  for (std::size_t u = 0; u < order.size(); ++u) inv[order[u]] = u;
  return inv;
}

// q_m·k_n for every pair of rows.
Matrix dot_products(const Matrix& q, const Matrix& k) {
  Matrix s(q.rows(), k.rows());
  for (std::size_t m = 0; m < q.rows(); ++m)
    for (std::size_t n = 0; n < k.rows(); ++n)
      for (std::size_t t = 0; t < q.cols(); ++t) s(m, n) += q(m, t) * k(n, t);
  return s;
}

bool close(const Matrix& a, const Matrix& b) {
  if (a.rows() != b.rows() || a.cols() != b.cols()) return false;
  double scale = 0;
  for (std::size_t i = 0; i < a.values().size(); ++i)
    scale = std::max({scale, std::abs(a.values()[i]), std::abs(b.values()[i])});
  for (std::size_t i = 0; i < a.values().size(); ++i)
    if (std::abs(a.values()[i] - b.values()[i]) > 1e-12 * scale + 1e-15) return false;
  return true;
}

struct Rotated {
  Matrix q, k;
};

Rotated rotate_both(const RopeQuery& query, RopeStyle style, const Matrix& q, const Matrix& k) {
  RopeOptions o;
  o.base = query.base;
  o.style = style;
  const RopeTrace t = apply_rope(o, q, k, Geometry{q.rows(), k.rows()});
  return {t.q_rotated, t.k_rotated};
}

// ---- Each library's rule, as its code computes it (in double) -----------------------------------

// p·θ_i with θ_i = 1 / base^(2i/d): inv_freq as every one of these libraries builds it.
double angle(const RopeQuery& q, std::size_t p, std::size_t i) {
  return static_cast<double>(p) /
         std::pow(q.base, static_cast<double>(2 * i) / static_cast<double>(q.dim));
}

// x·cos + rotate_half(x)·sin, cos and sin cat((pθ), (pθ)): rotate_half(x) = cat(−x2, x1).
Matrix rotate_half_rule(const RopeQuery& query, const Matrix& x) {
  const std::size_t h = query.dim / 2;
  Matrix out(x.rows(), x.cols());
  for (std::size_t p = 0; p < x.rows(); ++p)
    for (std::size_t u = 0; u < query.dim; ++u) {
      const double a = angle(query, p, u % h);
      const double rotated = u < h ? -x(p, u + h) : x(p, u - h);
      out(p, u) = x(p, u) * std::cos(a) + rotated * std::sin(a);
    }
  return out;
}

// x·cos + rotate_every_two(x)·sin, cos and sin repeated per pair: rotate_every_two(x) puts
// (−x_2i+1, x_2i) at (2i, 2i + 1).
Matrix rotate_every_two_rule(const RopeQuery& query, const Matrix& x) {
  Matrix out(x.rows(), x.cols());
  for (std::size_t p = 0; p < x.rows(); ++p)
    for (std::size_t u = 0; u < query.dim; ++u) {
      const double a = angle(query, p, u / 2);
      const double rotated = u % 2 == 0 ? -x(p, u + 1) : x(p, u - 1);
      out(p, u) = x(p, u) * std::cos(a) + rotated * std::sin(a);
    }
  return out;
}

// view_as_complex pairs (x_2i, x_2i+1) into x_2i + i·x_2i+1, times freqs_cis = e^(i·pθ_i).
Matrix complex_rule(const RopeQuery& query, const Matrix& x) {
  Matrix out(x.rows(), x.cols());
  for (std::size_t p = 0; p < x.rows(); ++p)
    for (std::size_t i = 0; i < query.dim / 2; ++i) {
      const std::complex<double> z =
          std::complex<double>(x(p, 2 * i), x(p, 2 * i + 1)) * std::polar(1.0, angle(query, p, i));
      out(p, 2 * i) = z.real();
      out(p, 2 * i + 1) = z.imag();
    }
  return out;
}

using Rule = Matrix (*)(const RopeQuery&, const Matrix&);

// The library's rule on x, through the reordering when its pairing is not the query's.
Matrix apply_rule(const RopeExample& e, Rule rule, RopeStyle library_style, const Matrix& x) {
  if (library_style == e.query.style) return rule(e.query, x);
  // half ← interleaved reorders by to_half; interleaved ← half by its inverse.
  const std::vector<std::size_t> in =
      library_style == RopeStyle::half ? e.to_half : inverse(e.to_half);
  return reorder(rule(e.query, reorder(x, in)), inverse(in));
}

// ---- The code
// ------------------------------------------------------------------------------------

// A float as Python reads it: 10000.0, 0.5, 1e+20.
std::string python_float(double x) {
  std::string s = fmt::format("{}", x);
  if (s.find_first_of(".en") == std::string::npos) s += ".0";
  return s;
}

std::string preamble(const RopeQuery& q) {
  return fmt::format(
      "L, d, base = {}, {}, {}  # positions 0 … L − 1; q, k: (L, d) tensors\n"
      "inv_freq = 1.0 / (base ** (torch.arange(0, d, 2).float() / d))  # θ_i, (d/2,)\n",
      q.positions, q.dim, python_float(q.base));
}

// The lines that reorder q and k into the library's pairing, and the suffix that brings the
// rotated rows back; empty when the library's pairing is the query's.
struct Reordering {
  std::string setup, in, back;
};

Reordering reordering(const RopeQuery& q, RopeStyle library_style) {
  if (library_style == q.style) return {};
  if (library_style == RopeStyle::half)
    return {
        "to_half = torch.cat((torch.arange(0, d, 2), torch.arange(1, d, 2)))  # 0, 2, …, 1, "
        "3, …\n"
        "back = torch.argsort(to_half)  # attn's interleaved order again\n",
        "[:, to_half]", "[:, back]"};
  return {
      "to_interleaved = torch.stack((torch.arange(d // 2), torch.arange(d // 2, d)), "
      "dim=-1).flatten()  # 0, d/2, 1, d/2 + 1, …\n"
      "back = torch.argsort(to_interleaved)  # attn's half order again\n",
      "[:, to_interleaved]", "[:, back]"};
}

std::string hf_code(const RopeQuery& q) {
  const Reordering r = reordering(q, RopeStyle::half);
  return "from transformers.models.llama.modeling_llama import apply_rotary_pos_emb\n" +
         preamble(q) + r.setup +
         "freqs = torch.arange(L).float()[:, None] * inv_freq  # (L, d/2): p·θ_i, as "
         "LlamaRotaryEmbedding\n"
         "emb = torch.cat((freqs, freqs), dim=-1)  # (L, d): dimensions i and i + d/2 share θ_i\n"
         "cos, sin = emb.cos()[None], emb.sin()[None]  # (batch, L, d)\n" +
         fmt::format(
             "q_rot, k_rot = apply_rotary_pos_emb(q{0}[None, None], k{0}[None, None], "
             "cos, sin)  # (batch, heads, L, d)\n"
             "q_rot, k_rot = q_rot[0, 0]{1}, k_rot[0, 0]{1}\n",
             r.in, r.back);
}

std::string gptj_code(const RopeQuery& q) {
  const Reordering r = reordering(q, RopeStyle::interleaved);
  return "from transformers.models.gptj.modeling_gptj import apply_rotary_pos_emb\n" + preamble(q) +
         r.setup +
         "sinusoid = torch.arange(L).float()[:, None] * inv_freq  # (L, d/2), as "
         "create_sinusoidal_positions\n"
         "sin, cos = sinusoid.sin()[None], sinusoid.cos()[None]  # (batch, L, d/2): repeated per "
         "pair inside\n" +
         fmt::format(
             "q_rot = apply_rotary_pos_emb(q{0}[None, :, None], sin, cos)[0, :, 0]{1}  # "
             "(batch, L, heads, d); sin first\n"
             "k_rot = apply_rotary_pos_emb(k{0}[None, :, None], sin, cos)[0, :, 0]{1}\n",
             r.in, r.back);
}

std::string flash_code(const RopeQuery& q) {
  const bool interleaved = q.style == RopeStyle::interleaved;
  return "from flash_attn.layers.rotary import apply_rotary_emb\n" + preamble(q) +
         "freqs = torch.outer(torch.arange(L).float(), inv_freq)  # (L, d/2), as RotaryEmbedding\n"
         "cos, sin = freqs.cos(), freqs.sin()  # (L, d/2), not repeated\n" +
         fmt::format(
             "q_rot = apply_rotary_emb(q[None, :, None], cos, sin, interleaved={0})[0, :, "
             "0]  # (batch, L, heads, d)\n"
             "k_rot = apply_rotary_emb(k[None, :, None], cos, sin, interleaved={0})[0, :, "
             "0]\n",
             interleaved ? "True" : "False");
}

std::string meta_code(const RopeQuery& q) {
  const Reordering r = reordering(q, RopeStyle::interleaved);
  return "from llama.model import apply_rotary_emb, precompute_freqs_cis\n" + preamble(q) +
         r.setup +
         "freqs_cis = precompute_freqs_cis(d, L, theta=base)  # (L, d/2) complex: e^(i·p·θ_i)\n" +
         fmt::format(
             "q_rot, k_rot = apply_rotary_emb(q{0}[None, :, None], k{0}[None, :, None], "
             "freqs_cis)  # (batch, L, heads, d)\n"
             "q_rot, k_rot = q_rot[0, :, 0]{1}, k_rot[0, :, 0]{1}\n",
             r.in, r.back);
}

RopeTranslation make(const RopeExample& e, RopeLibrary lib, std::string code, Rule rule,
                     RopeStyle library_style) {
  RopeTranslation t;
  t.library = lib;
  t.code = std::move(code);
  t.q_rotated = apply_rule(e, rule, library_style, e.q);
  t.k_rotated = apply_rule(e, rule, library_style, e.k);
  t.exact = close(t.q_rotated, e.q_rotated) && close(t.k_rotated, e.k_rotated);
  t.native = library_style == e.query.style;
  const std::string_view chosen = rope_style_name(e.query.style);
  const std::string_view others = rope_style_name(other(e.query.style));
  t.careful = t.native ? fmt::format(
                             "the same q and k in the {} pairing (a checkpoint of the other "
                             "convention used without the permutation below) score differently",
                             others)
                       : fmt::format(
                             "without the reordering, this code rotates in its own {} pairing, "
                             "not the {} one, and scores differently",
                             others, chosen);
  return t;
}

}  // namespace

std::span<const RopeLibrary> all_rope_libraries() {
  return library_order;
}

std::string_view rope_library_name(RopeLibrary lib) {
  return info(lib).name;
}

std::string_view rope_library_title(RopeLibrary lib) {
  return info(lib).title;
}

std::span<const std::string_view> rope_library_names() {
  return accepted_names;
}

std::vector<RopeLibrary> parse_rope_libraries(std::string_view text) {
  if (text == "all") return {library_order.begin(), library_order.end()};
  const auto it = std::ranges::find(aliases, text, &Alias::name);
  if (it != aliases.end()) return {it->id};
  const auto guess = nearest(text, accepted_names);
  throw usage_error(fmt::format("--as: unknown library '{}' for rotary embeddings", text),
                    guess ? fmt::format("did you mean '{}'?", *guess)
                          : std::string("libraries: hf (transformers), gptj (gpt-j), flash-attn, "
                                        "llama (meta), or all"));
}

RopeExample rope_example(const RopeQuery& query) {
  if (query.dim == 0 || query.dim % 2 != 0)
    throw usage_error(fmt::format("--dim {} must be even and at least 2", query.dim),
                      "RoPE rotates pairs of dimensions");
  if (!std::isfinite(query.base) || query.base <= 1.0)
    throw usage_error(fmt::format("--base must be a number above 1, not {}", query.base));
  if (query.positions == 0) throw usage_error("the translation needs at least one position");
  RopeExample e;
  e.query = query;
  e.q = Matrix(query.positions, query.dim);
  e.k = Matrix(query.positions, query.dim);
  for (std::size_t p = 0; p < query.positions; ++p)
    for (std::size_t t = 0; t < query.dim; ++t) {
      e.q(p, t) = std::sin(static_cast<double>(t) + 1.0);
      e.k(p, t) = std::cos(2.0 * static_cast<double>(t) + 1.0);
    }
  const Rotated chosen = rotate_both(query, query.style, e.q, e.k);
  const Rotated others = rotate_both(query, other(query.style), e.q, e.k);
  e.q_rotated = chosen.q;
  e.k_rotated = chosen.k;
  e.scores = dot_products(chosen.q, chosen.k);
  e.other_scores = dot_products(others.q, others.k);
  // core/rope's permutation sends interleaved dimension t to half dimension perm[t].
  e.to_half = inverse(interleaved_to_half(query.dim));
  const Rotated interleaved = rotate_both(query, RopeStyle::interleaved, e.q, e.k);
  const Rotated converted =
      rotate_both(query, RopeStyle::half, reorder(e.q, e.to_half), reorder(e.k, e.to_half));
  e.permutation_holds =
      close(converted.q, reorder(interleaved.q, e.to_half)) &&
      close(converted.k, reorder(interleaved.k, e.to_half)) &&
      close(dot_products(converted.q, converted.k), dot_products(interleaved.q, interleaved.k));
  return e;
}

std::string_view rope_permute_code(RopeStyle to) {
  return to == RopeStyle::half
             ? "w.view(n_heads, d // 2, 2, dim_in).transpose(1, 2).reshape(n_heads * d, dim_in)"
             : "w.view(n_heads, 2, d // 2, dim_in).transpose(1, 2).reshape(n_heads * d, dim_in)";
}

RopeTranslation translate_rope(const RopeExample& e, RopeLibrary lib) {
  const RopeQuery& q = e.query;
  switch (lib) {
    case RopeLibrary::hf: {
      RopeTranslation t = make(e, lib, hf_code(q), rotate_half_rule, RopeStyle::half);
      t.notes.emplace_back(
          "transformers' LLaMA, Mistral, Qwen and GPT-NeoX use rotate_half, the half pairing; "
          "cos and sin come from the model's rotary_emb(x, position_ids), base = "
          "config.rope_theta");
      if (!t.native)
        t.notes.emplace_back(
            "to_half is the order convert_llama_weights_to_hf.py's permute gives wq's and wk's "
            "rows in each head: a converted checkpoint needs no reordering at run time");
      return t;
    }
    case RopeLibrary::gptj: {
      RopeTranslation t = make(e, lib, gptj_code(q), rotate_every_two_rule, RopeStyle::interleaved);
      t.notes.emplace_back(
          "GPT-J's apply_rotary_pos_emb(tensor, sin, cos) takes sin before cos, each (batch, L, "
          "d/2), and rotates only the first config.rotary_dim dimensions");
      if (q.base != 10000.0)
        t.notes.emplace_back(
            "GPT-J's own create_sinusoidal_positions fixes the base at 10000: build sin and cos as "
            "above for another base");
      return t;
    }
    case RopeLibrary::flash_attn: {
      RopeTranslation t =
          make(e, lib, flash_code(q),
               q.style == RopeStyle::half ? rotate_half_rule : rotate_every_two_rule, q.style);
      t.notes.emplace_back(
          "interleaved=False (the default) is the half pairing, True the interleaved one; the "
          "rotation runs as a Triton kernel on the GPU");
      t.careful = fmt::format("interleaved={} gives the {} pairing, and other scores",
                              q.style == RopeStyle::half ? "True" : "False",
                              rope_style_name(other(q.style)));
      return t;
    }
    case RopeLibrary::meta: {
      RopeTranslation t = make(e, lib, meta_code(q), complex_rule, RopeStyle::interleaved);
      t.notes.emplace_back(
          "view_as_complex pairs dimensions (2i, 2i + 1): the interleaved pairing; "
          "apply_rotary_emb rotates q and k by the same freqs_cis rows "
          "(freqs_cis[start_pos : start_pos + L])");
      return t;
    }
  }
  throw Error(Exit::internal, "translate_rope: unknown library");
}

}  // namespace attn
