#include "attn/render/explain_cell.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "attn/core/bias.hpp"
#include "attn/core/error.hpp"
#include "attn/mask/expr.hpp"

namespace attn {
namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

std::string vec(std::span<const double> v, const NumberStyle& style) {
  std::string out = "[";
  for (std::size_t n = 0; n < v.size(); ++n) out += (n ? ", " : "") + format_number(v[n], style);
  return out + "]";
}

}  // namespace

std::string explain_cell(const LoadedInput& in, const Trace& t, Stage stage, std::size_t i,
                         std::size_t j, const NumberStyle& style) {
  const Matrix& beta = t.scores;
  if (i >= beta.rows() || j >= beta.cols())
    throw usage_error(fmt::format("--explain {},{}: the cell is outside the {}×{} scores", i, j,
                                  beta.rows(), beta.cols()),
                      fmt::format("rows run from 0 to {} and columns from 0 to {}", beta.rows() - 1,
                                  beta.cols() - 1));
  const auto num = [&](double x) { return format_number(x, style); };
  const auto factor = [&](double x) { return format_factor(x, style); };
  const std::string ij = fmt::format("{}{}", i, j);
  std::string out = fmt::format("Cell (i = {}, j = {}): query {} against key {}\n", i, j, i, j);

  // 1–2. dot product and scale (absent when the scores were given directly)
  if (!t.dot.empty()) {
    const Matrix& q = in.problem.q;
    const Matrix& k = in.problem.k;
    if (q.cols() == t.d_k && k.cols() == t.d_k && i < q.rows() && j < k.rows()) {
      std::string terms;
      for (std::size_t n = 0; n < t.d_k; ++n)
        terms += fmt::format("{}{}×{}", n ? " + " : "", factor(q(i, n)), factor(k(j, n)));
      out += fmt::format("  dot      s_{} = q_{} · k_{} = {} = {}\n", ij, i, j, terms,
                         num(t.dot(i, j)));
    } else {
      out += fmt::format("  dot      s_{} = q_{} · k_{} = {}\n", ij, i, j, num(t.dot(i, j)));
    }
    out +=
        t.default_scale
            ? fmt::format("  scale    c = 1/√d_k = 1/√{} = {}; c · s_{} = {} × {} = {}\n", t.d_k,
                          num(t.scale), ij, num(t.scale), factor(t.dot(i, j)), num(t.scaled(i, j)))
            : fmt::format("  scale    c = {} (given); c · s_{} = {} × {} = {}\n", num(t.scale), ij,
                          num(t.scale), factor(t.dot(i, j)), num(t.scaled(i, j)));
    double x = t.scaled(i, j);
    if (t.bias) {
      const double b = (*t.bias)(i, j);
      out += fmt::format("  bias     b_{} = {}; {} + {} = {}\n", ij, num(b), num(x), factor(b),
                         num(x + b));
      x += b;
    }
    if (t.softcap) {
      const double capped = softcap(x, *t.softcap);
      out += fmt::format("  softcap  C·tanh(x/C) with C = {}: {}·tanh({}/{}) = {}\n",
                         num(*t.softcap), num(*t.softcap), num(x), num(*t.softcap), num(capped));
    }
  } else {
    const bool have = in.given_scores && i < in.given_scores->rows() && j < in.given_scores->cols();
    out += fmt::format("  given    the score of cell ({}, {}) is {}\n", i, j,
                       num(have ? (*in.given_scores)(i, j) : beta(i, j)));
  }

  // 3. mask, and the rule that set it
  if (t.mask) {
    const double m = (*t.mask)(i, j);
    out += fmt::format("  mask     M_{} = {}{}\n", ij, num(m),
                       m == kNegInf ? " (blocked)"
                       : m == 0.0   ? " (may attend)"
                                    : "");
    if (!in.mask_expr) {
      out += "           from the given mask matrix\n";
    } else {
      for (const auto& line : in.mask_expr->explain(in.geometry, i, j))
        out += "           " + line + "\n";
    }
  }
  out += fmt::format("  score    β_{} = {}\n", ij, num(beta(i, j)));
  if (stage == Stage::scores || !t.softmax) return out;

  // 4. softmax over row i
  const SoftmaxRows& s = *t.softmax;
  const double m = s.row_max[i];
  const double alpha = s.weights(i, j);
  if (m == kNegInf) {
    out += fmt::format(
        "  softmax  row {} has every key blocked, so softmax is undefined; α_{} = {} (the "
        "empty-row policy)\n",
        i, ij, num(alpha));
  } else {
    const double e = std::exp(beta(i, j) - m);
    out +=
        fmt::format("  softmax  m_{} = {} (the largest unmasked score in row {})\n", i, num(m), i);
    out += fmt::format("           exp(β_{} − m_{}) = exp({}) = {}\n", ij, i,
                       beta(i, j) == kNegInf ? std::string("-inf") : num(beta(i, j) - m), num(e));
    out += fmt::format("           row sum Σ_j exp(β_{}j − m_{}) = {}\n", i, i, num(s.row_sum[i]));
    out +=
        fmt::format("  weight   α_{} = {} / {} = {}\n", ij, num(e), num(s.row_sum[i]), num(alpha));
  }
  if (stage != Stage::output || !t.output || !in.problem.v) return out;

  // 5. this key's share of the output
  const Matrix& v = *in.problem.v;
  if (j >= v.rows() || v.cols() != t.output->cols()) return out;
  std::vector<double> part(v.cols());
  std::string shares;
  for (std::size_t c = 0; c < v.cols(); ++c) {
    part[c] = alpha * v(j, c);
    const double o = (*t.output)(i, c);
    shares += (c ? ", " : "") +
              (o == 0.0 ? std::string("–")
                        : fmt::format("{}%", format_number(100.0 * part[c] / o, NumberStyle{1})));
  }
  out += fmt::format("  output   α_{} · v_{} = {} × {} = {}\n", ij, j, num(alpha),
                     vec(v.row(j), style), vec(part, style));
  out += fmt::format("           o_{} = {}; this key's share of each entry: {}\n", i,
                     vec(t.output->row(i), style), shares);
  return out;
}

}  // namespace attn
