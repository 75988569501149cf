#include "attn/core/heads.hpp"

#include <fmt/format.h>

#include "attn/core/error.hpp"

namespace attn {

std::size_t kv_head_of(std::size_t h, const HeadLayout& layout) {
  return h * layout.kv_heads / layout.heads;
}

namespace {

// Columns [part·width, (part+1)·width) of m, where m has `parts` equal parts.
Matrix column_slice(const Matrix& m, std::size_t parts, std::size_t part, const char* what,
                    const char* per_head) {
  if (m.cols() % parts != 0)
    throw data_error(
        fmt::format("{} has {} columns, which do not split into {} heads", what, m.cols(), parts),
        fmt::format("{} needs {} columns per head", what, per_head));
  const std::size_t width = m.cols() / parts;
  Matrix out(m.rows(), width);
  for (std::size_t i = 0; i < m.rows(); ++i)
    for (std::size_t c = 0; c < width; ++c) out(i, c) = m(i, part * width + c);
  return out;
}

}  // namespace

Problem head_problem(const Problem& whole, const HeadLayout& layout, std::size_t h) {
  if (layout.heads == 0 || layout.kv_heads == 0 || layout.kv_heads > layout.heads ||
      layout.heads % layout.kv_heads != 0)
    throw usage_error(fmt::format("{} query heads cannot share {} key/value heads", layout.heads,
                                  layout.kv_heads),
                      "--kv-heads must divide --heads (G = H is multi-head, G = 1 multi-query)");
  const std::size_t g = kv_head_of(h, layout);
  Problem p = whole;
  p.q = column_slice(whole.q, layout.heads, h, "q", "d_k");
  p.k = column_slice(whole.k, layout.kv_heads, g, "k", "d_k");
  if (p.q.cols() != p.k.cols())
    throw data_error(fmt::format("q has d_k = {} per head ({} heads) but k has {} ({} kv heads)",
                                 p.q.cols(), layout.heads, p.k.cols(), layout.kv_heads));
  if (whole.v) p.v = column_slice(*whole.v, layout.kv_heads, g, "v", "d_v");
  return p;
}

Matrix concat_columns(const std::vector<Matrix>& parts) {
  std::size_t cols = 0;
  for (const Matrix& m : parts) cols += m.cols();
  Matrix out(parts.empty() ? 0 : parts.front().rows(), cols);
  std::size_t offset = 0;
  for (const Matrix& m : parts) {
    for (std::size_t i = 0; i < m.rows(); ++i)
      for (std::size_t c = 0; c < m.cols(); ++c) out(i, offset + c) = m(i, c);
    offset += m.cols();
  }
  return out;
}

std::optional<Matrix> head_bias(const Request& r, const Geometry& g, std::size_t h) {
  if (!r.bias_spec) return r.problem.bias;
  const BiasSpec& b = *r.bias_spec;
  switch (b.kind) {
    case BiasKind::alibi: {
      const double slope = b.slope ? *b.slope : alibi_slopes(r.layout.heads)[h];
      return b.symmetric ? alibi_symmetric_bias(g, slope) : alibi_bias(g, slope);
    }
    case BiasKind::t5:
      return t5_bias(g, b.t5, r.t5_table);
    case BiasKind::relative:
      return relative_bias(g, b.table, b.max_distance);
  }
  return std::nullopt;
}

Run run_heads(const Request& r, Stage stage) {
  Run run;
  run.layout = r.layout;
  if (r.problem.scores) {
    run.heads.push_back({0, 0, run_attention(r.problem, stage)});
    return run;
  }
  const Geometry g{r.problem.q.rows(), r.problem.k.rows(), r.problem.align};
  for (std::size_t h = 0; h < r.layout.heads; ++h) {
    if (r.only_head && h != *r.only_head) continue;
    Problem p = r.layout.heads == 1 ? r.problem : head_problem(r.problem, r.layout, h);
    p.bias = head_bias(r, g, h);
    run.heads.push_back({h, kv_head_of(h, r.layout), run_attention(p, stage)});
  }
  if (stage == Stage::output) {
    std::vector<Matrix> outputs;
    for (const auto& h : run.heads) outputs.push_back(*h.trace.output);
    run.output = concat_columns(outputs);
  }
  return run;
}

}  // namespace attn
