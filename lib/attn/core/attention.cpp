#include "attn/core/attention.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>

#include "attn/core/bias.hpp"
#include "attn/core/error.hpp"
#include "attn/core/rules.hpp"

namespace attn {
namespace {

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
      if (std::isfinite(x) || (blocked_allowed && x == neg_inf)) continue;
      throw data_error(
          fmt::format("the scores overflow at row {}, column {} after {} ({})", i, j, step, x),
          "scale the inputs, the scale or the bias down: the scores exceed the range of a double");
    }
}

}  // namespace

Matrix dot_products(const Matrix& q, const Matrix& k) {
  check_key_width(q.cols(), k.cols());
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
  const std::size_t n_q = beta.rows(), n_k = beta.cols();
  SoftmaxRows r{Matrix(n_q, n_k),
                Matrix(n_q, n_k),
                std::vector<double>(n_q, neg_inf),
                std::vector<double>(n_q, 0.0),
                std::vector<double>(n_q, 0.0),
                {},
                policy};
  for (std::size_t i = 0; i < n_q; ++i) {
    auto in = beta.row(i);
    auto e = r.exps.row(i);
    auto out = r.weights.row(i);
    // pass 1: m_i, the largest unmasked score, subtracted only for numerical stability
    double m = neg_inf;
    for (double x : in) m = std::max(m, x);
    r.row_max[i] = m;
    if (m == neg_inf) {
      r.empty_rows.push_back(i);
      for (double& w : out) w = empty_row_weight(policy, n_k);
    } else {
      // pass 2: exp(β_ij − m_i) and their sum; every term is ≤ 1 and the max contributes exactly 1
      double sum = 0.0;
      for (std::size_t j = 0; j < n_k; ++j) sum += e[j] = std::exp(in[j] - m);
      r.row_sum[i] = sum;
      // pass 3: normalise
      for (std::size_t j = 0; j < n_k; ++j) out[j] = e[j] / sum;
    }
    double total = 0.0;
    for (double w : out) total += w;
    r.weight_sum[i] = total;
  }
  check_empty_rows(r.empty_rows, policy);
  return r;
}

Matrix weighted_sum(const Matrix& alpha, const Matrix& v) {
  check_value_rows(v.rows(), alpha.cols());
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
  if (p.scores) {
    if (p.scores->empty()) throw data_error("the scores are empty", "give at least one score");
    return;
  }
  check_not_empty("q", p.q.size());
  check_not_empty("k", p.k.size());
  if (stage == Stage::output) {
    if (!p.v) throw usage_error("attend needs values: give --v", "v has one row per key");
    check_not_empty("v", p.v->size());
  }
  if (p.scale) check_scale(*p.scale);
  if (p.softcap) check_softcap(*p.softcap);
}

// The scores so far, after one more step.
void apply_bias(Trace& t, const Matrix& b) {
  t.bias = b;
  t.biased = add_cellwise(t.scores, b);
  require_valid_scores(*t.biased, "adding the bias", false);
  t.scores = *t.biased;
}

void apply_softcap(Trace& t, double cap) {
  t.softcap = cap;
  t.capped = softcap(t.scores, cap);
  t.scores = *t.capped;
}

}  // namespace

Trace run_attention(const Problem& p, Stage stage) {
  check_problem(p, stage);
  Trace t;
  t.stage = stage;
  if (p.scores) {
    t.given_scores = p.scores;
    t.d_k = p.d_k;
    t.scale = p.scale;
    t.default_scale = false;
    t.scores = *p.scores;
  } else {
    t.d_k = p.q.cols();
    t.default_scale = !p.scale.has_value();
    t.scale = resolve_scale(p.scale, *t.d_k);
    if (t.default_scale) t.root_d_k = root_d_k(*t.d_k);
    t.q = p.q;
    t.k = p.k;
    if (stage == Stage::output) t.v = p.v;
    if (p.rope) {
      check_key_width(p.q.cols(), p.k.cols());
      t.rope = apply_rope(*p.rope, p.q, p.k, {p.q.rows(), p.k.rows(), p.align});
    }
    t.dot = dot_products(t.dot_q(), t.dot_k());
    t.scaled = scale_scores(t.dot, *t.scale);
    require_valid_scores(t.scaled, "scaling", false);
    t.scores = t.scaled;
    t.softcap_first = p.softcap_first && p.softcap && p.bias;
    if (t.softcap_first) apply_softcap(t, *p.softcap);
    if (p.bias) apply_bias(t, *p.bias);
    if (p.softcap && !t.softcap_first) apply_softcap(t, *p.softcap);
  }
  t.geometry = Geometry{t.scores.rows(), t.scores.cols(), p.align};
  if (p.mask) {
    require_same_shape(t.scores, *p.mask, "the mask");
    t.mask = p.mask;
    t.mask_label = p.mask_label;
    t.scores = add_cellwise(t.scores, *p.mask);
    require_valid_scores(t.scores, "adding the mask", true);
  }
  if (stage == Stage::scores) return t;
  t.softmax = softmax_rows(t.scores, p.empty_rows);
  if (stage == Stage::weights) return t;
  t.output = weighted_sum(t.softmax->weights, *p.v);
  return t;
}

}  // namespace attn
