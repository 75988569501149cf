// The backward pass of attention: given a forward Trace and the upstream gradient dO = ∂L/∂o,
// every gradient on the way back to q, k and v, one pure function per step, kept in a GradTrace.
//
// For o = softmax(β) v with β = M + cap(c·s + b) (attn's order) or β = M + cap(c·s) + b:
//   1. dV   = αᵀ dO                               (n_k, n_q) x (n_q, d_v) -> (n_k, d_v)
//   2. dα   = dO vᵀ                               (n_q, d_v) x (d_v, n_k) -> (n_q, n_k)
//   3. D_i  = Σ_l α_il dα_il; dβ_ij = α_ij (dα_ij − D_i), the softmax's Jacobian-vector product
//            (blocked cells and rows with every key blocked get 0: their scores do not reach o)
//   4. softcap: dx = dβ · (1 − tanh²(x/C)), x the capped step's input; bias: db = the gradient at
//      the point b was added
//   5. dS = the gradient of c·s; dq = c · dS k, dk = c · dSᵀ q
//   6. under RoPE, q and k were rotated: dq and dk are rotated back (the rotation's transpose)
// The Trace already holds α, v, q, k and the softcap's input, so nothing of the forward is redone.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "attn/core/heads.hpp"
#include "attn/core/matrix.hpp"
#include "attn/core/trace.hpp"

namespace attn {

// Where dO comes from when it is not given: a loss of the output.
enum class LossKind {
  given,  // dO was given (--do)
  sum,    // L = Σ_ic o_ic, so dO = 1
  mse,    // L = ½ Σ_ic (o_ic − T_ic)², so dO = o − T
};

std::string_view loss_name(LossKind kind);  // "given", "sum", "mse"

// The loss and its gradient for an output o.
struct Loss {
  LossKind kind = LossKind::given;
  std::optional<double> value;  // L, for sum and mse
  Matrix d_out;                 // dO = ∂L/∂o, o's shape
};

// sum: L = Σ o, dO = 1; mse: L = ½‖o − T‖², dO = o − T (T must have o's shape: a data error
// naming the target otherwise).
Loss sum_loss(const Matrix& o);
Loss mse_loss(const Matrix& o, const Matrix& target);

// Every gradient of one head's backward pass.
struct GradTrace {
  Matrix d_out;                     // dO, (n_q, d_v)
  Matrix dv;                        // αᵀ dO, (n_k, d_v)
  Matrix dalpha;                    // dO vᵀ, (n_q, n_k)
  std::vector<double> row_dot;      // D_i = Σ_l α_il dα_il
  Matrix dbeta;                     // α ⊙ (dα − D), (n_q, n_k); 0 where blocked
  std::optional<Matrix> cap_slope;  // 1 − tanh²(x/C): the softcap's derivative at its input x
  std::optional<Matrix> dcapped;    // the gradient at the softcap's input
  std::optional<Matrix> dbias;      // ∂L/∂b: the gradient where b was added
  Matrix dscaled;                   // ∂L/∂(c·s)
  double scale = 1.0;               // c
  Matrix dq;                        // c · dS k, (n_q, d_k)
  Matrix dk;                        // c · dSᵀ q, (n_k, d_k)
  // Under RoPE, dq and dk above are rotated back from these, the gradients of the rotated q, k.
  std::optional<Matrix> dq_rotated, dk_rotated;

  // The products whose sums are the cells, for the worked solution:
  // α_ij·dO_jc over i for dV[j, c]; dO_ic·v_jc over c for dα[i, j]; α_il·dα_il over l for D_i;
  // dS_il·k_lt over l for dS k [i, t]; dS_lj·q_lt over l for dSᵀ q [j, t].
  std::vector<double> dv_terms(const Trace& t, std::size_t j, std::size_t c) const;
  std::vector<double> dalpha_terms(const Trace& t, std::size_t i, std::size_t j) const;
  std::vector<double> row_dot_terms(const Trace& t, std::size_t i) const;
  std::vector<double> dq_terms(const Trace& t, std::size_t i, std::size_t col) const;
  std::vector<double> dk_terms(const Trace& t, std::size_t j, std::size_t col) const;
  // dα_ij − D_i, the bracket of step 3.
  double centred(std::size_t i, std::size_t j) const { return dalpha(i, j) - row_dot[i]; }
};

// The backward pass of a forward trace run to Stage::output. Throws a data error when dO does not
// have o's shape or holds a NaN or ±∞ (naming the cell), and when the forward gave rows with every
// key blocked NaN weights (--empty-rows nan: their gradient is not a number).
GradTrace run_backward(const Trace& forward, const Matrix& d_out);

// Several heads: dO (n_q, H·d_v) splits per query head like o; dq is the heads' dq side by side;
// dk and dv sum over the query heads that share a key/value head (grouped-query attention).
struct GradRun {
  std::vector<GradTrace> heads;  // in run.heads' order
  Matrix dq;                     // (n_q, H·d_k)
  Matrix dk;                     // (n_k, G·d_k)
  Matrix dv;                     // (n_k, G·d_v)
};

// Throws a usage error for a run of one head of several (--head): the gradient of k and v needs
// every query head that reads them.
GradRun run_backward_heads(const Run& run, const Matrix& d_out);

}  // namespace attn
