#include "attn/mask/translate_alibi.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <functional>

#include "attn/core/bias.hpp"
#include "attn/core/error.hpp"
#include "attn/mask/formula.hpp"

namespace attn {
namespace {

using Cell = std::function<double(std::size_t i, std::size_t j)>;

Matrix matrix_of(const Geometry& g, const Cell& cell) {
  Matrix m(g.n_q, g.n_k);
  for (std::size_t i = 0; i < g.n_q; ++i)
    for (std::size_t j = 0; j < g.n_k; ++j) m(i, j) = cell(i, j);
  return m;
}

std::int64_t to_i64(std::size_t x) {
  return static_cast<std::int64_t>(x);
}

// A slope as torch.tensor([…]) stores it: float32.
double f32(double x) {
  return static_cast<double>(static_cast<float>(x));
}

double slope_of(const AlibiQuery& q) {
  return q.slopes[q.head];
}

// "[0.5, 0.25]": every slope, each exactly as a Python float reads it back.
std::string slope_list(const AlibiQuery& q) {
  return fmt::format("[{}]", fmt::join(q.slopes, ", "));
}

// ---- The explicit tensor: a formula in PyTorch, evaluated by what it says -----------------------

// The lines that build `bias`, (H, L, S) or (L, S) for a given slope.
std::string tensor_code(const AlibiQuery& q) {
  const Geometry& g = q.g;
  std::string code = fmt::format("L, S = {}, {}  # queries, keys\n", g.n_q, g.n_k);
  code += q.given_slope ? fmt::format("m = {}  # the slope\n", slope_of(q))
                        : fmt::format(
                              "slopes = torch.tensor({})[:, None, None]  # (H, 1, 1): m_h, head 1 "
                              "first\n",
                              slope_list(q));
  code += "i = torch.arange(L)[:, None]  # query rows\n";
  code += detail::position_line(g, "");
  code += "j = torch.arange(S)[None, :]  # key positions\n";
  const std::string m = q.given_slope ? "m" : "slopes";
  const std::string shape = q.given_slope ? "(L, S)" : "(H, L, S)";
  code += q.symmetric
              ? fmt::format("bias = -{} * (p - j).abs()  # {}: b_ij = −m·|p − j|\n", m, shape)
              : fmt::format("bias = {} * (j - p)  # {}: b_ij = m·(j − p)\n", m, shape);
  return code;
}

// What that Python gives for the head shown.
Matrix tensor_bias(const AlibiQuery& q) {
  const double m = f32(slope_of(q));
  return matrix_of(q.g, [&](std::size_t i, std::size_t j) {
    const std::int64_t d = to_i64(j) - q.g.position(i);
    return q.symmetric ? -(m * static_cast<double>(std::abs(d))) : m * static_cast<double>(d);
  });
}

BiasSpelling tensor(const AlibiQuery& q, std::string_view use) {
  return {tensor_code(q) + std::string(use), tensor_bias(q)};
}

// ---- The libraries' own ALiBi
// ---------------------------------------------------------------------

// flash_attn_func(alibi_slopes=…): −m·|i + S − L − j|, bottom-right whatever attn's alignment.
BiasSpelling flash_alibi(const AlibiQuery& q) {
  const Geometry& g = q.g;
  const double m = f32(slope_of(q));
  const std::int64_t shift = to_i64(g.n_k) - to_i64(g.n_q);
  return {fmt::format("alibi_slopes = torch.tensor({}, dtype=torch.float32)  # one slope per "
                      "head\n"
                      "flash_attn_func(q, k, v, alibi_slopes=alibi_slopes)  # adds −m·|i + S − L "
                      "− j|",
                      slope_list(q)),
          matrix_of(g, [&](std::size_t i, std::size_t j) {
            return -(m * static_cast<double>(std::abs(to_i64(i) + shift - to_i64(j))));
          })};
}

// attention-gym's generate_alibi_bias(H): (kv_idx − q_idx)·exp2(−(h + 1)·8/H), h from 0, in
// float32.
BiasSpelling gym_alibi(const AlibiQuery& q) {
  const std::size_t heads = q.slopes.size();
  const double m =
      f32(std::exp2(-static_cast<double>(q.head + 1) * 8.0 / static_cast<double>(heads)));
  return {fmt::format("score_mod = attn_gym.mods.generate_alibi_bias({})  # (kv_idx - q_idx) * "
                      "2^(-8(h+1)/{})\n"
                      "flex_attention(q, k, v, score_mod=score_mod)",
                      heads, heads),
          matrix_of(q.g, [&](std::size_t i, std::size_t j) {
            return m * static_cast<double>(to_i64(j) - to_i64(i));
          })};
}

// The slopes attention-gym gives H heads, for the note: "0.1575, 0.0248, 0.0039".
std::string gym_slopes(std::size_t heads) {
  std::vector<std::string> out;
  for (std::size_t h = 0; h < heads; ++h)
    out.push_back(fmt::format(
        "{:.4g}", std::exp2(-static_cast<double>(h + 1) * 8.0 / static_cast<double>(heads))));
  return fmt::format("{}", fmt::join(out, ", "));
}

std::string attn_slopes(const AlibiQuery& q) {
  std::vector<std::string> out;
  for (double m : q.slopes) out.push_back(fmt::format("{:.4g}", m));
  return fmt::format("{}", fmt::join(out, ", "));
}

// BLOOM's build_alibi_tensor: closest power of two c ≤ H, base 2^(−8/c) and extra base 2^(−4/c)
// in float32, slopes base^1 … base^c then extra_base^1, ^3, …; the bias m_h·j for the real
// tokens' positions j (attention_mask.cumsum − 1; every key is real here).
BiasSpelling bloom_alibi(const AlibiQuery& q) {
  const std::size_t heads = q.slopes.size();
  std::size_t c = 1;
  while (c * 2 <= heads) c *= 2;
  const float base = static_cast<float>(std::exp2(-8.0 / static_cast<double>(c)));
  const float extra = static_cast<float>(std::exp2(-4.0 / static_cast<double>(c)));
  const float m = q.head < c ? std::pow(base, static_cast<float>(q.head + 1))
                             : std::pow(extra, static_cast<float>(2 * (q.head - c) + 1));
  return {fmt::format("from transformers.models.bloom.modeling_bloom import build_alibi_tensor\n"
                      "attention_mask = torch.ones(1, {})  # 1 = real token\n"
                      "alibi = build_alibi_tensor(attention_mask, {}, torch.float32)  # (H, 1, S): "
                      "m_h·j, added to q·k",
                      q.g.n_k, heads),
          matrix_of(q.g, [&](std::size_t, std::size_t j) {
            return static_cast<double>(m) * static_cast<double>(j);
          })};
}

BiasTranslation make(Library lib, const Matrix& attn, BiasSpelling s, bool native) {
  BiasTranslation t;
  t.library = lib;
  t.agreement = compare_bias(s.bias, attn);
  t.spelling = std::move(s);
  t.native = native;
  return t;
}

// The library's own spelling when it gives attn's softmax; otherwise `fallback`, with the
// library's own shown beside it.
BiasTranslation own_or(Library lib, const Matrix& attn, BiasSpelling own, BiasSpelling fallback,
                       bool fallback_native) {
  if (compare_bias(own.bias, attn) != BiasAgreement::differs)
    return make(lib, attn, std::move(own), true);
  BiasTranslation t = make(lib, attn, std::move(fallback), fallback_native);
  t.naive_agreement = compare_bias(own.bias, attn);
  t.naive = std::move(own);
  return t;
}

BiasTranslation flash_attn(const AlibiQuery& q, const Matrix& attn) {
  BiasTranslation t = own_or(Library::flash_attn, attn, flash_alibi(q),
                             tensor(q,
                                    "# flash_attn_func takes no bias tensor: add this bias "
                                    "through SDPA instead\n"
                                    "F.scaled_dot_product_attention(q, k, v, attn_mask=bias)\n"),
                             false);
  if (!q.symmetric)
    t.notes.emplace_back(
        "flash-attn's ALiBi is symmetric, −m·|p − j|: it agrees with attn's m·(j − p) on keys "
        "j ≤ p, so with causal=True the two give the same attention; attn's "
        "--bias alibi:symmetric is flash-attn's form");
  if (q.symmetric && q.g.offset() == 0 && q.g.n_q != q.g.n_k)
    t.notes.emplace_back(
        "flash-attn places the queries bottom-right (p = i + S − L); this bias is top-left with "
        "N ≠ M");
  return t;
}

BiasTranslation flex(const AlibiQuery& q, const Matrix& attn) {
  const Geometry& g = q.g;
  std::string code = fmt::format("L, S = {}, {}  # queries, keys\n", g.n_q, g.n_k);
  code += q.given_slope
              ? fmt::format("m = {}  # the slope\n", slope_of(q))
              : fmt::format("slopes = torch.tensor({})  # m_h, head 1 first\n", slope_list(q));
  code += "def score_mod(score, b, h, q_idx, kv_idx):\n";
  code += "    i, j = q_idx, kv_idx\n";
  code += detail::position_line(g, "    ");
  const std::string m = q.given_slope ? "m" : "slopes[h]";
  code += q.symmetric ? fmt::format("    return score - {} * (p - j).abs()\n", m)
                      : fmt::format("    return score + {} * (j - p)\n", m);
  code += "flex_attention(q, k, v, score_mod=score_mod)\n";
  BiasSpelling own_mod{code, tensor_bias(q)};
  if (q.given_slope) return make(Library::flex, attn, std::move(own_mod), true);
  BiasTranslation t = own_or(Library::flex, attn, gym_alibi(q), std::move(own_mod), true);
  const std::size_t heads = q.slopes.size();
  if (t.agreement == BiasAgreement::row_constant)
    t.notes.emplace_back(
        "attention-gym's score_mod reads q_idx as the position (p = i), attn p = i + S − L: the "
        "difference m·(S − L) is the same across a row");
  if ((heads & (heads - 1)) != 0)
    t.notes.emplace_back(fmt::format(
        "attention-gym's slopes are 2^(−8(h+1)/H): {} for {} heads; attn's, BLOOM's, are {}; "
        "they agree only when H is a power of two",
        gym_slopes(heads), heads, attn_slopes(q)));
  if (q.symmetric)
    t.notes.emplace_back(
        "attention-gym's ALiBi is one-sided, (kv_idx − q_idx)·m, like attn's "
        "plain alibi");
  return t;
}

BiasTranslation hf(const AlibiQuery& q, const Matrix& attn) {
  BiasSpelling fallback = tensor(q, "# pass it where your model adds a float mask to q·k\n");
  if (q.given_slope) return make(Library::hf, attn, std::move(fallback), false);
  BiasTranslation t = own_or(Library::hf, attn, bloom_alibi(q), std::move(fallback), false);
  if (t.agreement == BiasAgreement::row_constant)
    t.notes.emplace_back(
        "BLOOM adds m·j where attn adds m·(j − p): the difference m·p is the same across a row");
  if (q.symmetric) t.notes.emplace_back("BLOOM's ALiBi is one-sided, m·j, like attn's plain alibi");
  return t;
}

}  // namespace

std::string_view alibi_title(Library lib) {
  switch (lib) {
    case Library::torch_sdpa:
      return "PyTorch SDPA (a float attn_mask)";
    case Library::torch_mha:
      return "PyTorch nn.MultiheadAttention (a float attn_mask)";
    case Library::flash_attn:
      return "flash-attn (flash_attn_func, alibi_slopes)";
    case Library::hf:
      return "Hugging Face transformers (BLOOM's build_alibi_tensor)";
    case Library::xformers:
      return "xformers (a tensor attn_bias)";
    case Library::flex:
      return "FlexAttention / attention-gym (score_mod)";
    case Library::d2l:
      return "d2l (added to the scores before masked_softmax)";
  }
  return "?";
}

std::string_view agreement_name(BiasAgreement a) {
  switch (a) {
    case BiasAgreement::exact:
      return "exact";
    case BiasAgreement::row_constant:
      return "row-constant";
    case BiasAgreement::differs:
      return "differs";
  }
  return "?";
}

BiasAgreement compare_bias(const Matrix& library, const Matrix& attn) {
  // float32 keeps 24 bits: a few of its ulps of the largest entry, 1e-6 relative, is rounding.
  double scale = 0;
  for (std::size_t i = 0; i < attn.rows(); ++i)
    for (std::size_t j = 0; j < attn.cols(); ++j)
      scale = std::max({scale, std::abs(library(i, j)), std::abs(attn(i, j))});
  const double tolerance = 1e-6 * scale + 1e-12;
  const auto close = [&](double a, double b) { return std::abs(a - b) <= tolerance; };
  bool exact = true, row_constant = true;
  for (std::size_t i = 0; i < attn.rows(); ++i) {
    const double shift = attn.cols() ? library(i, 0) - attn(i, 0) : 0.0;
    for (std::size_t j = 0; j < attn.cols(); ++j) {
      exact = exact && close(library(i, j), attn(i, j));
      row_constant = row_constant && close(library(i, j) - shift, attn(i, j));
    }
  }
  return exact          ? BiasAgreement::exact
         : row_constant ? BiasAgreement::row_constant
                        : BiasAgreement::differs;
}

Matrix alibi_of(const AlibiQuery& q) {
  if (q.head >= q.slopes.size())
    throw usage_error(
        fmt::format("alibi: head {} is not one of the {} heads", q.head + 1, q.slopes.size()));
  return q.symmetric ? alibi_symmetric_bias(q.g, slope_of(q)) : alibi_bias(q.g, slope_of(q));
}

BiasTranslation translate_alibi(const AlibiQuery& q, Library lib) {
  const Matrix attn = alibi_of(q);
  switch (lib) {
    case Library::flash_attn:
      return flash_attn(q, attn);
    case Library::flex:
      return flex(q, attn);
    case Library::hf:
      return hf(q, attn);
    case Library::torch_sdpa:
      return make(lib, attn,
                  tensor(q,
                         "F.scaled_dot_product_attention(q, k, v, attn_mask=bias)  # a float "
                         "attn_mask is added to the scores\n"),
                  false);
    case Library::torch_mha:
      return make(lib, attn,
                  tensor(q,
                         "mha(q, k, v, attn_mask=bias)  # a float attn_mask is added; 3-D masks "
                         "are (N·H, L, S)\n"),
                  false);
    case Library::xformers:
      return make(lib, attn,
                  tensor(q, q.given_slope ? "xops.memory_efficient_attention(q, k, v, "
                                            "attn_bias=bias.expand(B, H, L, S))\n"
                                          : "xops.memory_efficient_attention(q, k, v, "
                                            "attn_bias=bias.expand(B, -1, -1, -1))\n"),
                  false);
    case Library::d2l:
      return make(
          lib, attn,
          tensor(q, "scores = scores + bias  # then d2l.masked_softmax(scores, valid_lens)\n"),
          false);
  }
  throw Error(Exit::internal, "translate_alibi: unknown library");
}

}  // namespace attn
