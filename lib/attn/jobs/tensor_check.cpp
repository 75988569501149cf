#include "attn/jobs/tensor_check.hpp"

#include <algorithm>
#include <cmath>

#include "attn/core/heads.hpp"
#include "attn/core/rules.hpp"

namespace attn {

namespace {

// 0, n/3, 2n/3, n − 1 without repeats.
std::vector<std::size_t> spread(std::size_t n) {
  std::vector<std::size_t> picks{0, n / 3, 2 * n / 3, n - 1};
  std::ranges::sort(picks);
  picks.erase(std::unique(picks.begin(), picks.end()), picks.end());
  return picks;
}

}  // namespace

double check_bound(DType compute, DType output, bool bf16_products) {
  if (output == DType::f16 || output == DType::bf16) return ulp_of(output, 1.0);
  if (bf16_products) return ulp_of(DType::bf16, 1.0);
  return compute == DType::f64 ? 1e-12 : 1e-4;
}

std::optional<RowCheck> recompute_row(const Operands& o, std::size_t b, std::size_t h,
                                      std::size_t i, const Tensor& out, const Bhsd& ov) {
  const std::size_t n_k = o.k_view.seq, d_k = o.q_view.dim, d_v = o.v_view.dim;
  const std::size_t g = kv_head_of(h, HeadLayout{o.q_view.heads, o.k_view.heads});
  const Geometry geo = o.geometry();
  const std::int64_t p = geo.position(i);
  const MaskTensor& mt = o.mask_view;
  std::vector<double> s(n_k, neg_inf), qi(d_k), kj(d_k);
  for (std::size_t t = 0; t < d_k; ++t) qi[t] = o.q.tensor.at(o.q_view.offset(b, h, i) + t);
  double m = neg_inf;
  for (std::size_t j = 0; j < n_k; ++j) {
    if (!o.mask.allows(i, p, static_cast<std::int64_t>(j))) continue;
    if (!o.kv_lens.empty() && j >= o.kv_lens[b]) continue;
    double mask_value = 0;
    if (o.mask_tensor) {
      const std::size_t at = (mt.batch == 1 ? 0 : b) * mt.batch_stride +
                             (mt.heads == 1 ? 0 : h) * mt.head_stride +
                             (mt.rows == 1 ? 0 : i) * mt.row_stride + j * mt.col_stride;
      const double x = o.mask_tensor->tensor.at(at);
      if (is_float(o.mask_tensor->tensor.dtype()))
        mask_value = x;
      else if (x == 0)
        continue;
    }
    const std::size_t kb = o.k_view.offset(b, g, j);
    double dot = 0;
    for (std::size_t t = 0; t < d_k; ++t) dot += qi[t] * o.k.tensor.at(kb + t);
    double score = o.scale * dot;
    if (!o.alibi_slopes.empty())
      score += o.alibi_slopes[h] * static_cast<double>(static_cast<std::int64_t>(j) - p);
    if (o.softcap) score = *o.softcap * std::tanh(score / *o.softcap);
    s[j] = score + mask_value;
    m = std::max(m, s[j]);
  }
  if (m == neg_inf) return std::nullopt;
  double sum = 0;
  for (double& x : s) sum += x = std::exp(x - m);
  std::vector<double> want(d_v, 0.0);
  double weights = 0;
  for (std::size_t j = 0; j < n_k; ++j) {
    const double a = s[j] / sum;
    weights += a;
    if (a != 0.0)
      for (std::size_t t = 0; t < d_v; ++t)
        want[t] += a * o.v.tensor.at(o.v_view.offset(b, g, j) + t);
  }
  RowCheck c;
  c.sum_error = std::abs(weights - 1.0);
  for (std::size_t t = 0; t < d_v; ++t)
    c.difference = std::max(c.difference, std::abs(out.at(ov.offset(b, h, i) + t) - want[t]) /
                                              std::max(1.0, std::abs(want[t])));
  return c;
}

SampleCheck check_sample(const Operands& o, const Tensor& out, const Bhsd& ov, bool bf16_products) {
  SampleCheck c;
  c.bound = check_bound(o.compute, o.output, bf16_products);
  c.rows = spread(o.q_view.seq);
  const std::size_t B = o.q_view.batch, H = o.q_view.heads;
  c.heads = {{0, 0}, {B / 2, H / 2}, {B - 1, H - 1}};
  std::ranges::sort(c.heads);
  c.heads.erase(std::unique(c.heads.begin(), c.heads.end()), c.heads.end());
  for (const auto& [b, h] : c.heads)
    for (std::size_t i : c.rows)
      if (const auto r = recompute_row(o, b, h, i, out, ov)) {
        c.difference = std::max(c.difference, r->difference);
        c.sum_error = std::max(c.sum_error, r->sum_error);
      }
  return c;
}

}  // namespace attn
