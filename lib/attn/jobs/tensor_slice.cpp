#include "attn/jobs/tensor_slice.hpp"

#include <fmt/format.h>

#include "attn/core/bias.hpp"

namespace attn {

namespace {

Matrix rows_of(const NamedTensor& t, const Bhsd& view, std::size_t b, std::size_t h) {
  Matrix m(view.seq, view.dim);
  for (std::size_t i = 0; i < view.seq; ++i)
    for (std::size_t c = 0; c < view.dim; ++c) m(i, c) = t.tensor.at(view.offset(b, h, i) + c);
  return m;
}

}  // namespace

Request slice_request(const Operands& o, std::size_t b, std::size_t h, EmptyRows empty_rows) {
  const std::size_t g = kv_head_of(h, HeadLayout{o.q_view.heads, o.k_view.heads});
  const Geometry geo = o.geometry();
  Request r;
  Problem& p = r.problem;
  p.q = rows_of(o.q, o.q_view, b, h);
  p.k = rows_of(o.k, o.k_view, b, g);
  p.v = rows_of(o.v, o.v_view, b, g);
  if (!o.default_scale) p.scale = o.scale;
  if (!o.alibi_slopes.empty()) p.bias = alibi_bias(geo, o.alibi_slopes[h]);
  p.softcap = o.softcap;
  if (o.rope && !o.rotated) p.rope = o.rope;  // the views show the rotation as on literals
  p.align = o.align;
  p.empty_rows = empty_rows;
  const bool extra = !o.kv_lens.empty() || o.mask_tensor;
  if (!o.mask.is_full() && !extra) {  // the expression alone: labelled and explained as usual
    p.mask = to_additive(o.mask.evaluate(geo));
    p.mask_label = mask_label(o.mask);
  } else if (extra) {
    Matrix m = to_additive(o.mask.evaluate(geo));
    const MaskTensor& mt = o.mask_view;
    const bool additive = o.mask_tensor && is_float(o.mask_tensor->tensor.dtype());
    for (std::size_t i = 0; i < geo.n_q; ++i)
      for (std::size_t j = 0; j < geo.n_k; ++j) {
        if (!o.kv_lens.empty() && j >= o.kv_lens[b]) m(i, j) = neg_inf;
        if (!o.mask_tensor) continue;
        const double x = o.mask_tensor->tensor.at(
            (mt.batch == 1 ? 0 : b) * mt.batch_stride + (mt.heads == 1 ? 0 : h) * mt.head_stride +
            (mt.rows == 1 ? 0 : i) * mt.row_stride + j * mt.col_stride);
        if (additive)
          m(i, j) += x;
        else if (x == 0)
          m(i, j) = neg_inf;
      }
    p.mask = std::move(m);
    std::string text = o.mask.is_full() ? std::string() : o.mask.to_string();
    const auto add = [&](const std::string& part) { text += (text.empty() ? "" : " & ") + part; };
    if (!o.kv_lens.empty()) add(fmt::format("keys < {}", o.kv_lens[b]));
    if (o.mask_tensor) add(o.mask_tensor->name);
    const MaskExpr expr = o.mask;
    const std::optional<std::size_t> len =
        o.kv_lens.empty() ? std::nullopt : std::optional<std::size_t>(o.kv_lens[b]);
    const Matrix combined = *p.mask;
    const std::string tensor_name = o.mask_tensor ? o.mask_tensor->name : std::string();
    p.mask_label = {
        text, [expr, len, combined, tensor_name](const Geometry& gg, std::size_t i, std::size_t j) {
          std::vector<std::string> lines;
          if (!expr.is_full()) lines = expr.explain(gg, i, j);
          if (len)
            lines.push_back(j < *len ? fmt::format("kv_lens allows key {} < {}", j, *len)
                                     : fmt::format("blocked by kv_lens: key {} ≥ {}", j, *len));
          if (!tensor_name.empty())
            lines.push_back(
                fmt::format("{} and the rest give M = {}", tensor_name, combined(i, j)));
          return lines;
        }};
  }
  return r;
}

}  // namespace attn
