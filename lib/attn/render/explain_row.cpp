#include "attn/render/explain_row.hpp"

#include <fmt/format.h>

#include "attn/core/error.hpp"
#include "attn/core/rules.hpp"

namespace attn {
namespace {

std::string vec(std::span<const double> v, const NumberStyle& style) {
  std::string out = "[";
  for (std::size_t n = 0; n < v.size(); ++n) out += (n ? ", " : "") + format_number(v[n], style);
  return out + "]";
}

}  // namespace

std::string explain_row(const Trace& t, std::size_t i, const NumberStyle& style) {
  if (!t.softmax) throw usage_error("a row's softmax needs the weights: the trace stopped at β");
  if (i >= t.scores.rows())
    throw usage_error(fmt::format("row {} is not one of the {} query rows", i, t.scores.rows()));
  const SoftmaxRows& s = *t.softmax;
  const auto num = [&](double x) { return format_number(x, style); };
  std::string out = fmt::format("Row i = {}: query {} against every key\n", i, i);
  out += fmt::format("  scores   β_{} = {}\n", i, vec(t.scores.row(i), style));
  if (s.row_max[i] == neg_inf) {
    out += fmt::format(
        "  softmax  every key is blocked, so softmax is undefined; α_{} = {} (the empty-row "
        "policy)\n",
        i, vec(s.weights.row(i), style));
  } else {
    out += fmt::format("  max      m_{} = {} (the largest unmasked score)\n", i, num(s.row_max[i]));
    out += fmt::format("  exps     exp(β_{}j − m_{}) = {}\n", i, i, vec(s.exps.row(i), style));
    out += fmt::format("  sum      Σ_j exp(β_{}j − m_{}) = {}\n", i, i, num(s.row_sum[i]));
    out += fmt::format("  weights  α_{} = exps / sum = {}; Σ_j α_{}j = {}\n", i,
                       vec(s.weights.row(i), style), i, num(s.weight_sum[i]));
  }
  if (!t.output) return out;
  out += fmt::format("  output   o_{} = Σ_j α_{}j · v_j, one part per key:\n", i, i);
  for (std::size_t j = 0; j < t.scores.cols(); ++j)
    out += fmt::format("           key {}: {} × {} = {}\n", j, num(s.weights(i, j)),
                       vec(t.v->row(j), style), vec(t.output_terms(i, j), style));
  out += fmt::format("           o_{} = {}\n", i, vec(t.output->row(i), style));
  return out;
}

std::string explain_output_entry(const Trace& t, std::size_t i, std::size_t c,
                                 const NumberStyle& style) {
  if (!t.output) throw usage_error("an entry of o needs the output: the trace stopped earlier");
  const Matrix& o = *t.output;
  if (i >= o.rows() || c >= o.cols())
    throw usage_error(
        fmt::format("entry ({}, {}) is outside the {}×{} output", i, c, o.rows(), o.cols()));
  std::string products, parts;
  for (std::size_t j = 0; j < t.scores.cols(); ++j) {
    products +=
        fmt::format("{}{}×{}", j ? " + " : "", format_factor(t.softmax->weights(i, j), style),
                    format_factor((*t.v)(j, c), style));
    parts += fmt::format("{}{}", j ? " + " : "", format_factor(t.output_terms(i, j)[c], style));
  }
  const std::string lhs = fmt::format("  o_{}{}", i, c);
  const std::string pad(display_width(lhs), ' ');
  return fmt::format("Entry (i = {}, c = {}) of the output: query {}, column {} of v\n", i, c, i,
                     c) +
         fmt::format("{} = Σ_j α_{}j · v_j{}\n", lhs, i, c) +
         fmt::format("{} = {}\n{} = {}\n{} = {}\n", pad, products, pad, parts, pad,
                     format_number(o(i, c), style));
}

}  // namespace attn
