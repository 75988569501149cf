#include "attn/core/attention.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <limits>

#include "attn/core/bias.hpp"
#include "attn/core/error.hpp"

namespace attn {
namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

void require_same_shape(const Matrix& a, const Matrix& b, const char* what) {
  if (a.rows() != b.rows() || a.cols() != b.cols())
    throw data_error(
        fmt::format("{} is {} but the scores are {}", what, shape_string(b), shape_string(a)));
}

// Every cell of `m` must be a number a softmax can take: finite, or −∞ (blocked) once the mask is
// in. A huge scale, bias or mask value can overflow a finite score to ±∞, which would otherwise
// reach the softmax as NaN.
void require_valid_scores(const Matrix& m, const char* step, bool blocked_allowed) {
  for (std::size_t i = 0; i < m.rows(); ++i)
    for (std::size_t j = 0; j < m.cols(); ++j) {
      const double x = m(i, j);
      if (std::isfinite(x) || (blocked_allowed && x == kNegInf)) continue;
      throw data_error(
          fmt::format("the scores overflow at row {}, column {} after {} ({})", i, j, step, x),
          "scale the inputs, the scale or the bias down: the scores exceed the range of a double");
    }
}

}  // namespace

Matrix dot_products(const Matrix& q, const Matrix& k) {
  if (q.cols() != k.cols())
    throw data_error(
        fmt::format("k has {} values per row but q has {} (d_k must match)", k.cols(), q.cols()),
        "q is n_q×d_k and k is n_k×d_k: give both the same number of columns");
  Matrix s(q.rows(), k.rows());
  for (std::size_t i = 0; i < q.rows(); ++i) {
    for (std::size_t j = 0; j < k.rows(); ++j) {
      double sum = 0.0;
      for (std::size_t t = 0; t < q.cols(); ++t) sum += q(i, t) * k(j, t);
      if (!std::isfinite(sum))
        throw data_error(
            fmt::format("q·k overflows at row {}, column {} (q_{}·k_{} = {})", i, j, i, j, sum),
            "scale the inputs down: their products exceed the range of a double");
      s(i, j) = sum;
    }
  }
  return s;
}

Matrix scale_scores(const Matrix& s, double c) {
  Matrix out = s;
  for (double& x : out.values()) x *= c;
  return out;
}

Matrix add_cellwise(const Matrix& a, const Matrix& b) {
  require_same_shape(a, b, "the added matrix");
  Matrix out = a;
  auto bv = b.values();
  auto ov = out.values();
  for (std::size_t n = 0; n < ov.size(); ++n) ov[n] += bv[n];
  return out;
}

SoftmaxRows softmax_rows(const Matrix& beta, EmptyRows policy) {
  SoftmaxRows r{Matrix(beta.rows(), beta.cols()),
                std::vector<double>(beta.rows(), kNegInf),
                std::vector<double>(beta.rows(), 0.0),
                {}};
  for (std::size_t i = 0; i < beta.rows(); ++i) {
    auto in = beta.row(i);
    auto out = r.weights.row(i);
    // pass 1: m_i, the largest unmasked score, subtracted only for numerical stability
    double m = kNegInf;
    for (double x : in) m = std::max(m, x);
    r.row_max[i] = m;
    if (m == kNegInf) {
      r.empty_rows.push_back(i);
      const double fill = policy == EmptyRows::nan       ? std::numeric_limits<double>::quiet_NaN()
                          : policy == EmptyRows::uniform ? 1.0 / static_cast<double>(in.size())
                                                         : 0.0;
      for (double& w : out) w = fill;
      continue;
    }
    // pass 2: exp(β_ij − m_i) and their sum; every term is ≤ 1 and the max contributes exactly 1
    double sum = 0.0;
    for (std::size_t j = 0; j < in.size(); ++j) {
      out[j] = std::exp(in[j] - m);
      sum += out[j];
    }
    r.row_sum[i] = sum;
    // pass 3: normalise
    for (double& w : out) w /= sum;
  }
  if (policy == EmptyRows::error && !r.empty_rows.empty())
    throw data_error(
        fmt::format("row{} {} of the scores {} every key blocked, so softmax is undefined",
                    r.empty_rows.size() > 1 ? "s" : "", fmt::join(r.empty_rows, ", "),
                    r.empty_rows.size() > 1 ? "have" : "has"),
        "use --empty-rows zero|nan|uniform to choose what such rows get");
  return r;
}

Matrix weighted_sum(const Matrix& alpha, const Matrix& v) {
  if (alpha.cols() != v.rows())
    throw data_error(fmt::format("v has {} rows but there are {} keys (v needs one row per key)",
                                 v.rows(), alpha.cols()));
  Matrix o(alpha.rows(), v.cols());
  for (std::size_t i = 0; i < alpha.rows(); ++i)
    for (std::size_t j = 0; j < alpha.cols(); ++j) {
      const double a = alpha(i, j);
      if (a == 0.0) continue;  // a blocked key adds nothing, even where v_j is huge
      for (std::size_t t = 0; t < v.cols(); ++t) o(i, t) += a * v(j, t);
    }
  return o;
}

namespace {

void check_problem(const Problem& p, Stage stage) {
  if (p.q.empty()) throw data_error("q is empty", "give at least one query vector");
  if (p.k.empty()) throw data_error("k is empty", "give at least one key vector");
  if (stage == Stage::output) {
    if (!p.v) throw usage_error("attend needs values: give --v", "v has one row per key");
    if (p.v->empty()) throw data_error("v is empty", "give one value vector per key");
  }
  if (p.scale && !std::isfinite(*p.scale))
    throw data_error(fmt::format("the scale must be a finite number, not {}", *p.scale));
  if (p.scale && *p.scale == 0.0)
    throw data_error("the scale is 0, which makes every score 0",
                     "use --no-scale for c = 1, or omit --scale for 1/√d_k");
  if (p.softcap && !(std::isfinite(*p.softcap) && *p.softcap > 0.0))
    throw data_error(fmt::format("the softcap must be a positive number, not {}", *p.softcap));
}

}  // namespace

Trace run_attention(const Problem& p, Stage stage) {
  check_problem(p, stage);
  Trace t;
  t.d_k = p.q.cols();
  t.default_scale = !p.scale.has_value();
  t.scale = p.scale.value_or(1.0 / std::sqrt(static_cast<double>(t.d_k)));
  t.dot = dot_products(p.q, p.k);
  t.scaled = scale_scores(t.dot, t.scale);
  require_valid_scores(t.scaled, "scaling", false);
  t.scores = t.scaled;
  if (p.bias) {
    t.bias = p.bias;
    t.scores = add_cellwise(t.scores, *p.bias);
    require_valid_scores(t.scores, "adding the bias", false);
  }
  if (p.softcap) {
    t.softcap = p.softcap;
    t.scores = softcap(t.scores, *p.softcap);
  }
  if (p.mask) {
    require_same_shape(t.scores, *p.mask, "the mask");
    t.mask = p.mask;
    t.scores = add_cellwise(t.scores, *p.mask);
    require_valid_scores(t.scores, "adding the mask", true);
  }
  if (stage == Stage::scores) return t;
  t.softmax = softmax_rows(t.scores, p.empty_rows);
  if (stage == Stage::weights) return t;
  t.output = weighted_sum(t.softmax->weights, *p.v);
  return t;
}

Trace run_softmax(Matrix scores, const std::optional<Matrix>& mask, EmptyRows policy) {
  if (scores.empty()) throw data_error("the scores are empty", "give at least one score");
  Trace t;
  t.scores = std::move(scores);
  if (mask) {
    require_same_shape(t.scores, *mask, "the mask");
    t.mask = mask;
    t.scores = add_cellwise(t.scores, *mask);
    require_valid_scores(t.scores, "adding the mask", true);
  }
  t.softmax = softmax_rows(t.scores, policy);
  return t;
}

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

}  // namespace attn
