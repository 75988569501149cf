#include "attn/core/grad.hpp"

#include <fmt/format.h>

#include <cmath>

#include "attn/core/error.hpp"
#include "attn/core/rules.hpp"

namespace attn {

std::string_view loss_name(LossKind kind) {
  switch (kind) {
    case LossKind::given:
      return "given";
    case LossKind::sum:
      return "sum";
    case LossKind::mse:
      return "mse";
  }
  return "?";
}

Loss sum_loss(const Matrix& o) {
  double total = 0.0;
  for (double x : o.values()) total += x;
  return {LossKind::sum, total, Matrix(o.rows(), o.cols(), 1.0)};
}

Loss mse_loss(const Matrix& o, const Matrix& target) {
  if (target.rows() != o.rows() || target.cols() != o.cols())
    throw data_error(fmt::format("the target is {} but the output o is {}", shape_string(target),
                                 shape_string(o)),
                     "--target needs one row per query and one column per value dimension");
  Loss loss{LossKind::mse, 0.0, Matrix(o.rows(), o.cols())};
  double half_sq = 0.0;
  for (std::size_t n = 0; n < o.size(); ++n) {
    const double r = o.values()[n] - target.values()[n];
    loss.d_out.values()[n] = r;
    half_sq += r * r;
  }
  loss.value = 0.5 * half_sq;
  return loss;
}

namespace {

void check_d_out(const Matrix& d_out, const Matrix& o) {
  if (d_out.rows() != o.rows() || d_out.cols() != o.cols())
    throw data_error(
        fmt::format("dO is {} but the output o is {}", shape_string(d_out), shape_string(o)),
        "dO = ∂L/∂o has o's shape: one row per query, one column per value dimension");
  for (std::size_t i = 0; i < d_out.rows(); ++i)
    for (std::size_t c = 0; c < d_out.cols(); ++c)
      if (!std::isfinite(d_out(i, c)))
        throw data_error(fmt::format("dO[{}][{}] is {}", i, c, d_out(i, c)),
                         "the upstream gradient must be finite");
}

// aᵀ b: (n, r)ᵀ x (n, c) -> (r, c).
Matrix transposed_product(const Matrix& a, const Matrix& b) {
  Matrix out(a.cols(), b.cols());
  for (std::size_t n = 0; n < a.rows(); ++n)
    for (std::size_t r = 0; r < a.cols(); ++r) {
      const double x = a(n, r);
      if (x == 0.0) continue;
      for (std::size_t c = 0; c < b.cols(); ++c) out(r, c) += x * b(n, c);
    }
  return out;
}

// a bᵀ: (r, n) x (c, n)ᵀ -> (r, c).
Matrix product_transposed(const Matrix& a, const Matrix& b) {
  Matrix out(a.rows(), b.rows());
  for (std::size_t r = 0; r < a.rows(); ++r)
    for (std::size_t c = 0; c < b.rows(); ++c) {
      double sum = 0.0;
      for (std::size_t n = 0; n < a.cols(); ++n) sum += a(r, n) * b(c, n);
      out(r, c) = sum;
    }
  return out;
}

// a b: (r, n) x (n, c) -> (r, c).
Matrix product(const Matrix& a, const Matrix& b) {
  Matrix out(a.rows(), b.cols());
  for (std::size_t r = 0; r < a.rows(); ++r)
    for (std::size_t n = 0; n < a.cols(); ++n) {
      const double x = a(r, n);
      if (x == 0.0) continue;
      for (std::size_t c = 0; c < b.cols(); ++c) out(r, c) += x * b(n, c);
    }
  return out;
}

// The softcap's input x (what the scores were before C·tanh(x/C)).
const Matrix& softcap_input(const Trace& t) {
  if (t.softcap_first || !t.biased) return t.scaled;
  return *t.biased;
}

}  // namespace

GradTrace run_backward(const Trace& t, const Matrix& d_out) {
  if (!t.output || !t.softmax || !t.v)
    throw usage_error("the backward pass needs a forward pass run to the output");
  if (t.given_scores)
    throw usage_error("the backward pass needs q and k, not given scores", "give --q, --k and --v");
  check_d_out(d_out, *t.output);
  const SoftmaxRows& sm = *t.softmax;
  if (sm.policy == EmptyRows::nan && !sm.empty_rows.empty())
    throw data_error(
        fmt::format("row{} {} {} every key blocked and NaN weights, whose gradient is not a number",
                    sm.empty_rows.size() > 1 ? "s" : "", row_list(sm.empty_rows),
                    sm.empty_rows.size() > 1 ? "have" : "has"),
        "use --empty-rows zero, uniform or error");
  const Matrix& alpha = sm.weights;
  const std::size_t n_q = alpha.rows(), n_k = alpha.cols();

  GradTrace g;
  g.d_out = d_out;
  g.scale = *t.scale;
  // 1. dV = αᵀ dO
  g.dv = transposed_product(alpha, d_out);
  // 2. dα = dO vᵀ
  g.dalpha = product_transposed(d_out, *t.v);
  // 3. D_i = Σ_l α_il dα_il; dβ_ij = α_ij (dα_ij − D_i). A blocked key has α = 0 and so dβ = 0;
  // a row with every key blocked has weights the scores do not reach (0 or 1/n_k): dβ = 0.
  g.row_dot.assign(n_q, 0.0);
  g.dbeta = Matrix(n_q, n_k);
  for (std::size_t i = 0; i < n_q; ++i) {
    if (sm.row_max[i] == neg_inf) continue;
    double d = 0.0;
    for (std::size_t l = 0; l < n_k; ++l) d += alpha(i, l) * g.dalpha(i, l);
    g.row_dot[i] = d;
    for (std::size_t j = 0; j < n_k; ++j)
      if (t.scores(i, j) != neg_inf) g.dbeta(i, j) = alpha(i, j) * (g.dalpha(i, j) - d);
  }
  // 4. back through the softcap and the bias, in the order the forward applied them
  Matrix grad = g.dbeta;  // the gradient of the scores so far, walking backwards
  const auto through_softcap = [&] {
    const Matrix& x = softcap_input(t);
    const double cap = *t.softcap;
    g.cap_slope = Matrix(n_q, n_k);
    for (std::size_t n = 0; n < x.size(); ++n) {
      const double th = std::isfinite(x.values()[n]) ? std::tanh(x.values()[n] / cap) : 0.0;
      g.cap_slope->values()[n] = 1.0 - th * th;
      grad.values()[n] *= g.cap_slope->values()[n];
    }
    g.dcapped = grad;
  };
  if (t.softcap && !t.softcap_first) through_softcap();
  if (t.bias) g.dbias = grad;  // x = (c·s or its cap) + b: ∂x/∂b = 1
  if (t.softcap && t.softcap_first) through_softcap();
  g.dscaled = std::move(grad);
  // 5. s = q kᵀ scaled by c: dq = c · dS k, dk = c · dSᵀ q (of the rotated q and k under RoPE)
  g.dq = product(g.dscaled, t.dot_k());
  g.dk = transposed_product(g.dscaled, t.dot_q());
  for (double& x : g.dq.values()) x *= g.scale;
  for (double& x : g.dk.values()) x *= g.scale;
  // 6. RoPE: q_rot = R q with R a rotation, so dq = Rᵀ dq_rot, the rotation back
  if (t.rope) {
    const RopeTrace& r = *t.rope;
    g.dq_rotated = std::move(g.dq);
    g.dk_rotated = std::move(g.dk);
    g.dq = rotate(*g.dq_rotated, r.q_cos, r.q_sin, r.rotated, r.options.style, -1);
    g.dk = rotate(*g.dk_rotated, r.k_cos, r.k_sin, r.rotated, r.options.style, -1);
  }
  return g;
}

std::vector<double> GradTrace::dv_terms(const Trace& t, std::size_t j, std::size_t c) const {
  std::vector<double> terms(d_out.rows());
  for (std::size_t i = 0; i < terms.size(); ++i) terms[i] = t.softmax->weights(i, j) * d_out(i, c);
  return terms;
}

std::vector<double> GradTrace::dalpha_terms(const Trace& t, std::size_t i, std::size_t j) const {
  std::vector<double> terms(d_out.cols());
  for (std::size_t c = 0; c < terms.size(); ++c) terms[c] = d_out(i, c) * (*t.v)(j, c);
  return terms;
}

std::vector<double> GradTrace::row_dot_terms(const Trace& t, std::size_t i) const {
  std::vector<double> terms(dalpha.cols());
  for (std::size_t l = 0; l < terms.size(); ++l) terms[l] = t.softmax->weights(i, l) * dalpha(i, l);
  return terms;
}

std::vector<double> GradTrace::dq_terms(const Trace& t, std::size_t i, std::size_t col) const {
  std::vector<double> terms(dscaled.cols());
  for (std::size_t l = 0; l < terms.size(); ++l) terms[l] = dscaled(i, l) * t.dot_k()(l, col);
  return terms;
}

std::vector<double> GradTrace::dk_terms(const Trace& t, std::size_t j, std::size_t col) const {
  std::vector<double> terms(dscaled.rows());
  for (std::size_t l = 0; l < terms.size(); ++l) terms[l] = dscaled(l, j) * t.dot_q()(l, col);
  return terms;
}

GradRun run_backward_heads(const Run& run, const Matrix& d_out) {
  const HeadLayout& layout = run.layout;
  if (run.heads.size() != layout.heads)
    throw usage_error("the gradient needs every head: --head shows one head of a forward pass",
                      "drop --head");
  GradRun out;
  if (layout.heads == 1) {
    out.heads.push_back(run_backward(run.heads.front().trace, d_out));
    out.dq = out.heads.front().dq;
    out.dk = out.heads.front().dk;
    out.dv = out.heads.front().dv;
    return out;
  }
  const Trace& first = run.heads.front().trace;
  const std::size_t n_q = first.q.rows(), n_k = first.k.rows();
  const std::size_t d_k = first.q.cols(), d_v = first.v->cols();
  if (d_out.rows() != n_q || d_out.cols() != layout.heads * d_v)
    throw data_error(fmt::format("dO is {} but the output o is {}×{} ({} heads of d_v = {})",
                                 shape_string(d_out), n_q, layout.heads * d_v, layout.heads, d_v),
                     "dO = ∂L/∂o has o's shape: one row per query, H·d_v columns");
  out.dq = Matrix(n_q, layout.heads * d_k);
  out.dk = Matrix(n_k, layout.kv_heads * d_k);
  out.dv = Matrix(n_k, layout.kv_heads * d_v);
  for (const HeadRun& h : run.heads) {
    Matrix d_head(n_q, d_v);
    for (std::size_t i = 0; i < n_q; ++i)
      for (std::size_t c = 0; c < d_v; ++c) d_head(i, c) = d_out(i, h.head * d_v + c);
    GradTrace g = run_backward(h.trace, d_head);
    for (std::size_t i = 0; i < n_q; ++i)
      for (std::size_t c = 0; c < d_k; ++c) out.dq(i, h.head * d_k + c) = g.dq(i, c);
    // grouped-query: every query head that reads kv head g adds its gradient
    for (std::size_t j = 0; j < n_k; ++j) {
      for (std::size_t c = 0; c < d_k; ++c) out.dk(j, h.kv_head * d_k + c) += g.dk(j, c);
      for (std::size_t c = 0; c < d_v; ++c) out.dv(j, h.kv_head * d_v + c) += g.dv(j, c);
    }
    out.heads.push_back(std::move(g));
  }
  return out;
}

}  // namespace attn
