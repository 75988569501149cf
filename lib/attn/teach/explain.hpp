// Why each step of attention exists: the pipeline as a list of steps, and an experiment that shows
// why scores are divided by √d_k.
//
// The scaling experiment: for `trials` draws of one query q and n keys k_1…k_n, every entry an
// independent N(0, 1) (SeededRng::normal, polar Box–Muller, so a seed gives the same numbers
// everywhere up to the last bit of libm), it measures for each d_k
//   var_dot      Var(q·k)             ≈ d_k   (a sum of d_k products of variance 1)
//   var_scaled   Var(q·k / √d_k)      ≈ 1
//   max_weight   mean of max_j α_j    → 1 without scaling as d_k grows (softmax saturates)
//   entropy      mean of −Σ α_j ln α_j → 0 without scaling; ln n is uniform
//   jacobian     mean Frobenius norm of ∂α_i/∂β_j = α_i(δ_ij − α_j) → 0 without scaling: the
//                gradient that reaches the scores vanishes
//   dq, dk       the Frobenius norms ‖dq‖, ‖dk‖ of one backward pass per trial (core/grad's
//                run_backward): their mean, and their geometric mean exp(mean ln ‖·‖), the
//                typical size. Without scaling the typical gradient → 0 as d_k grows (the
//                gradients used for learning become extremely small) while the mean does not: it
//                is carried by the few trials whose two largest scores are close. With scaling
//                both stay about constant.
// each with and without the 1/√d_k factor. The backward pass needs values and an upstream
// gradient: per trial, after q and k, a second generator (seeded with scaling_gradient_seed)
// draws v (n × 1, d_v = 1) and dO = ∂L/∂o (1 × 1), every entry N(0, 1), so that L = dO·o and
// dα_j = dO·v_j do not grow with d_k, and q and k are the same draws as the other columns'.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "attn/core/matrix.hpp"
#include "attn/render/format.hpp"

namespace attn {

// ---- The pipeline's steps
// -------------------------------------------------------------------------

struct PipelineStep {
  std::string_view name;     // "dot", "scale", …
  std::string_view formula;  // "s_ij = q_i · k_j"
  std::string_view shape;    // "(n_q, n_k)"
  std::string_view why;      // why the step exists
};

// dot, scale, bias, softcap, mask, softmax, output, in the order run_attention applies them.
std::span<const PipelineStep> pipeline_steps();

std::string render_steps_text(std::span<const PipelineStep> steps);
nlohmann::ordered_json steps_to_json(std::span<const PipelineStep> steps);

// ---- Softmax's Jacobian -------------------------------------------------------------------------

// J_ij = ∂α_i/∂β_j = α_i(δ_ij − α_j) for one row of weights α: n × n (llm.c's softmax backward).
Matrix softmax_jacobian(std::span<const double> alpha);

// √(Σ_ij m_ij²).
double frobenius_norm(const Matrix& m);

// ‖J‖_F of softmax_jacobian(alpha) in O(n) time and memory, without the n × n matrix (which at
// n = 65536 would be 34 GB): √(Σ_i α_i² ((1 − α_i)² + Σ_{j≠i} α_j²)), summed so that a saturated
// row (one α near 1) keeps its accuracy.
double softmax_jacobian_norm(std::span<const double> alpha);

// −Σ_j α_j ln α_j in nats, with 0 ln 0 = 0.
double entropy(std::span<const double> alpha);

// ---- The scaling experiment ---------------------------------------------------------------------

struct ScalingOptions {
  std::vector<std::size_t> dims{4, 16, 64, 256, 1024};  // d_k values
  std::size_t keys = 16;                                // n
  std::size_t trials = 2000;
  std::uint64_t seed = 1;
};

struct SoftmaxStats {
  double max_weight = 0;  // mean over trials of max_j α_j
  double entropy = 0;     // mean entropy, nats
  double jacobian = 0;    // mean Frobenius norm of the Jacobian
  double dq_norm = 0;     // mean ‖dq‖_F of the backward pass
  double dk_norm = 0;     // mean ‖dk‖_F
  double dq_geomean = 0;  // exp(mean ln ‖dq‖_F); 0 if any trial's ‖dq‖ is 0
  double dk_geomean = 0;
};

// The seed of the generator that draws v and dO: student_seed(seed, "explain scaling: v, dO").
std::uint64_t scaling_gradient_seed(std::uint64_t seed);

struct ScalingRow {
  std::size_t d_k = 0;
  double var_dot = 0;     // sample variance of q·k over trials × keys
  double var_scaled = 0;  // of q·k / √d_k
  SoftmaxStats unscaled;
  SoftmaxStats scaled;
};

struct ScalingReport {
  ScalingOptions options;
  std::vector<ScalingRow> rows;
};

// Throws usage_error for an empty list, d_k = 0, keys < 2 or trials < 2 (and for sizes that
// would take minutes: d_k · keys · trials above 10^9).
ScalingReport explain_scaling(const ScalingOptions& options);

std::string render_scaling_text(const ScalingReport& report, const NumberStyle& style = {});
nlohmann::ordered_json scaling_to_json(const ScalingReport& report);

}  // namespace attn
