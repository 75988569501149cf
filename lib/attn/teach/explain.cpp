#include "attn/teach/explain.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "attn/core/attention.hpp"
#include "attn/core/error.hpp"
#include "attn/core/grad.hpp"
#include "attn/teach/rng.hpp"

namespace attn {

// ---- Steps
// ----------------------------------------------------------------------------------------

namespace {

constexpr PipelineStep kSteps[] = {
    {"dot", "s_ij = q_i · k_j", "(n_q, d_k) x (n_k, d_k)ᵀ -> (n_q, n_k)",
     "how well key j matches query i: large when the two vectors point the same way"},
    {"scale", "c · s_ij, c = 1/√d_k", "(n_q, n_k)",
     "q·k has variance d_k for unit-variance entries; dividing by √d_k brings it back to 1, so "
     "softmax does not saturate and its gradient does not vanish (attn explain scaling)"},
    {"bias", "+ b_ij (optional)", "(n_q, n_k)",
     "position: ALiBi, T5 or relative-position biases make nearby keys score higher, since the "
     "dot product alone ignores where a key sits"},
    {"softcap", "C · tanh(· / C) (optional)", "(n_q, n_k)",
     "keeps scores within ±C (Gemma 2) so that no single score can dominate without bound"},
    {"mask", "β_ij = … + M_ij, M_ij ∈ {0, −∞}", "(n_q, n_k)",
     "blocks keys a query must not see (the future, padding): −∞ becomes weight exactly 0"},
    {"softmax", "α_ij = exp(β_ij − m_i) / Σ_j exp(β_ij − m_i)", "(n_q, n_k)",
     "turns each row of scores into positive weights that sum to 1; subtracting the row max m_i "
     "keeps exp from overflowing and does not change α"},
    {"output", "o_i = Σ_j α_ij v_j", "(n_q, n_k) x (n_k, d_v) -> (n_q, d_v)",
     "each query receives a blend of the values, mixed in proportion to its weights"},
};

}  // namespace

std::span<const PipelineStep> pipeline_steps() {
  return kSteps;
}

std::string render_steps_text(std::span<const PipelineStep> steps) {
  std::string out = "The attention pipeline, in the order attn computes it:\n\n";
  for (std::size_t n = 0; n < steps.size(); ++n) {
    const auto& s = steps[n];
    out += fmt::format("{}. {:<8} {}\n   {:<8} shape {}\n   {:<8} why: {}\n", n + 1, s.name,
                       s.formula, "", s.shape, "", s.why);
    if (n + 1 < steps.size()) out += "\n";
  }
  return out;
}

nlohmann::ordered_json steps_to_json(std::span<const PipelineStep> steps) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const auto& s : steps)
    list.push_back({{"name", s.name}, {"formula", s.formula}, {"shape", s.shape}, {"why", s.why}});
  return {{"steps", list}};
}

// ---- Jacobian, norm, entropy --------------------------------------------------------------------

Matrix softmax_jacobian(std::span<const double> alpha) {
  const std::size_t n = alpha.size();
  Matrix j(n, n);
  for (std::size_t a = 0; a < n; ++a)
    for (std::size_t b = 0; b < n; ++b) j(a, b) = alpha[a] * ((a == b ? 1.0 : 0.0) - alpha[b]);
  return j;
}

double frobenius_norm(const Matrix& m) {
  double sum = 0;
  for (double x : m.values()) sum += x * x;
  return std::sqrt(sum);
}

// With J_ij = α_i(δ_ij − α_j), split ‖J‖_F² into the diagonal and the rest:
//   ‖J‖_F² = Σ_i α_i²(1 − α_i)² + Σ_{i≠j} α_i² α_j²
//          = Σ_i α_i² [(1 − α_i)² + R_i],       R_i = Σ_{j≠i} α_j²
// (summed out, S₂ − 2 S₃ + S₂² with S_p = Σ_j α_j^p). Every term is ≥ 0, but R_i = S₂ − α_i²
// cancels badly for the largest weight when softmax saturates (α_m → 1, the case the experiment
// is about), so R_m is summed directly, and R_i = α_m² + (R_m − α_i²) for the others, where α_m²
// dominates. 1 − α_i is exact for α_i ≥ ½ (Sterbenz), and harmless below.
double softmax_jacobian_norm(std::span<const double> alpha) {
  if (alpha.empty()) return 0;
  const std::size_t m = static_cast<std::size_t>(std::ranges::max_element(alpha) - alpha.begin());
  double r_m = 0;  // Σ_{j≠m} α_j²
  for (std::size_t j = 0; j < alpha.size(); ++j)
    if (j != m) r_m += alpha[j] * alpha[j];
  const double a_m = alpha[m];
  double sum = a_m * a_m * ((1 - a_m) * (1 - a_m) + r_m);
  for (std::size_t i = 0; i < alpha.size(); ++i) {
    if (i == m) continue;
    const double a = alpha[i];
    const double r_i = a_m * a_m + std::max(r_m - a * a, 0.0);
    sum += a * a * ((1 - a) * (1 - a) + r_i);
  }
  return std::sqrt(sum);
}

double entropy(std::span<const double> alpha) {
  double h = 0;
  for (double a : alpha)
    if (a > 0) h -= a * std::log(a);
  return h;
}

// ---- The experiment -----------------------------------------------------------------------------

namespace {

struct Accumulator {
  double max_weight = 0, entropy = 0, jacobian = 0;

  void add(const Matrix& scores) {
    const SoftmaxRows s = softmax_rows(scores);
    const auto row = s.weights.row(0);
    max_weight += *std::ranges::max_element(row);
    entropy += attn::entropy(row);
    jacobian += softmax_jacobian_norm(row);
  }
  SoftmaxStats mean(std::size_t trials) const {
    const double t = static_cast<double>(trials);
    return {max_weight / t, entropy / t, jacobian / t};
  }
};

// The norms of one gradient over the trials: their sum, and the sum of their logarithms.
struct NormSums {
  double sum = 0, log_sum = 0;
  bool zero = false;

  void add(double norm) {
    sum += norm;
    if (norm > 0)
      log_sum += std::log(norm);
    else
      zero = true;
  }
  double mean(double trials) const { return sum / trials; }
  double geomean(double trials) const { return zero ? 0.0 : std::exp(log_sum / trials); }
};

// The backward pass of each trial, for o = softmax(c·q kᵀ) v: the norms of dq and dk.
struct GradientAccumulator {
  NormSums dq, dk;

  void add(const Matrix& q, const Matrix& k, const Matrix& v, const Matrix& d_out, double c) {
    Problem p;
    p.q = q;
    p.k = k;
    p.v = v;
    p.scale = c;
    const GradTrace g = run_backward(run_attention(p, Stage::output), d_out);
    dq.add(frobenius_norm(g.dq));
    dk.add(frobenius_norm(g.dk));
  }
  void mean_into(SoftmaxStats& s, std::size_t trials) const {
    const double t = static_cast<double>(trials);
    s.dq_norm = dq.mean(t);
    s.dk_norm = dk.mean(t);
    s.dq_geomean = dq.geomean(t);
    s.dk_geomean = dk.geomean(t);
  }
};

// Sample variance (n − 1 in the denominator) from running sums.
double variance(double sum, double sum_sq, double n) {
  return (sum_sq - sum * sum / n) / (n - 1);
}

}  // namespace

ScalingReport explain_scaling(const ScalingOptions& options) {
  if (options.dims.empty()) throw usage_error("--dk: give at least one d_k");
  if (options.keys < 2) throw usage_error("--n: softmax needs at least 2 keys");
  if (options.trials < 2) throw usage_error("--trials: a variance needs at least 2 trials");
  for (std::size_t d : options.dims) {
    if (d == 0) throw usage_error("--dk: d_k must be at least 1");
    if (static_cast<double>(d) * static_cast<double>(options.keys + 1) *
            static_cast<double>(options.trials) >
        1e9)
      throw usage_error(fmt::format("--dk {} with --n {} and --trials {} would draw more than 10^9 "
                                    "numbers",
                                    d, options.keys, options.trials),
                        "lower --trials or --n");
  }
  ScalingReport report{options, {}};
  SeededRng rng(options.seed);
  SeededRng grad_rng(scaling_gradient_seed(options.seed));
  for (std::size_t d : options.dims) {
    const double c = 1.0 / std::sqrt(static_cast<double>(d));
    double sum = 0, sum_sq = 0;
    Accumulator raw, scaled;
    GradientAccumulator raw_grad, scaled_grad;
    Matrix q(1, d), k(options.keys, d), v(options.keys, 1), d_out(1, 1);
    for (std::size_t t = 0; t < options.trials; ++t) {
      for (double& x : q.values()) x = rng.normal();
      for (double& x : k.values()) x = rng.normal();
      const Matrix s = dot_products(q, k);  // (1, d_k) x (n, d_k)ᵀ -> (1, n)
      for (double x : s.values()) {
        sum += x;
        sum_sq += x * x;
      }
      raw.add(s);
      scaled.add(scale_scores(s, c));
      for (double& x : v.values()) x = grad_rng.normal();
      d_out(0, 0) = grad_rng.normal();
      raw_grad.add(q, k, v, d_out, 1.0);
      scaled_grad.add(q, k, v, d_out, c);
    }
    const double n = static_cast<double>(options.trials * options.keys);
    const double var = variance(sum, sum_sq, n);
    ScalingRow row{d, var, var * c * c, raw.mean(options.trials), scaled.mean(options.trials)};
    raw_grad.mean_into(row.unscaled, options.trials);
    scaled_grad.mean_into(row.scaled, options.trials);
    report.rows.push_back(row);
  }
  return report;
}

std::uint64_t scaling_gradient_seed(std::uint64_t seed) {
  return student_seed(seed, "explain scaling: v, dO");
}

namespace {

// Right-aligned columns, one space apart, indented by two.
std::string aligned(const std::vector<std::vector<std::string>>& cells) {
  std::vector<std::size_t> widths(cells.front().size(), 0);
  for (const auto& row : cells)
    for (std::size_t c = 0; c < row.size(); ++c)
      widths[c] = std::max(widths[c], display_width(row[c]));
  std::string out;
  for (const auto& row : cells) {
    std::string line = " ";
    for (std::size_t c = 0; c < row.size(); ++c)
      line += " " + std::string(widths[c] - display_width(row[c]), ' ') + row[c];
    out += line + "\n";
  }
  return out;
}

std::string render_gradient_table(const ScalingReport& report, const NumberStyle& style) {
  const auto n = [&](double x) { return format_number(x, style); };
  std::string out = fmt::format(
      "\nThe gradients, one backward pass per trial: o = softmax(c·q·kᵀ)·v, c = 1 unscaled and "
      "1/√d_k\nscaled, with values v_j ~ N(0, 1) (d_v = 1) and the upstream gradient dO = ∂L/∂o ~ "
      "N(0, 1)\n(seed {}). ‖dq‖ and ‖dk‖ are Frobenius norms: their mean over the trials, and "
      "the\ntypical size, their geometric mean exp(mean ln ‖·‖).\n\n",
      scaling_gradient_seed(report.options.seed));
  std::vector<std::vector<std::string>> cells{
      {"d_k", "‖dq‖", "‖dq‖", "‖dq‖", "‖dq‖", "‖dk‖", "‖dk‖", "‖dk‖", "‖dk‖"},
      {"", "mean", "mean", "typical", "typical", "mean", "mean", "typical", "typical"},
      {"", "unscaled", "scaled", "unscaled", "scaled", "unscaled", "scaled", "unscaled", "scaled"}};
  for (const auto& r : report.rows)
    cells.push_back({fmt::format("{}", r.d_k), n(r.unscaled.dq_norm), n(r.scaled.dq_norm),
                     n(r.unscaled.dq_geomean), n(r.scaled.dq_geomean), n(r.unscaled.dk_norm),
                     n(r.scaled.dk_norm), n(r.unscaled.dk_geomean), n(r.scaled.dk_geomean)});
  out += aligned(cells);
  out +=
      "\nWithout scaling the typical gradient that reaches q and k shrinks as d_k grows: the\n"
      "gradients used for learning become extremely small. Their mean does not shrink: it is\n"
      "carried by the few trials whose two largest scores happen to be close, so updates are\n"
      "mostly nothing and now and then large. With 1/√d_k both keep their size.\n";
  return out;
}

}  // namespace

std::string render_scaling_text(const ScalingReport& report, const NumberStyle& style) {
  const auto& o = report.options;
  std::string out = fmt::format(
      "Why scores are divided by √d_k: {} trials of one query and {} keys, entries ~ N(0, 1), "
      "seed {}.\n\n",
      o.trials, o.keys, o.seed);
  const auto n = [&](double x) { return format_number(x, style); };
  std::vector<std::vector<std::string>> cells{
      {"d_k", "Var(q·k)", "Var(q·k/√d_k)", "max α", "max α", "entropy", "entropy", "‖J‖", "‖J‖"},
      {"", "", "", "unscaled", "scaled", "unscaled", "scaled", "unscaled", "scaled"}};
  for (const auto& r : report.rows)
    cells.push_back({fmt::format("{}", r.d_k), n(r.var_dot), n(r.var_scaled),
                     n(r.unscaled.max_weight), n(r.scaled.max_weight), n(r.unscaled.entropy),
                     n(r.scaled.entropy), n(r.unscaled.jacobian), n(r.scaled.jacobian)});
  out += aligned(cells);
  out += fmt::format(
      "\nWithout scaling, Var(q·k) grows like d_k, so the scores spread out: softmax puts nearly\n"
      "all weight on one key (max α → 1, entropy → 0; uniform weights have entropy ln {} = {}).\n"
      "The softmax Jacobian ∂α_i/∂β_j = α_i(δ_ij − α_j) then shrinks towards 0 (‖J‖ is its mean\n"
      "Frobenius norm), so the gradient reaching q and k vanishes and training stalls. Dividing\n"
      "by √d_k keeps the variance near 1 for every d_k, and the softmax stays trainable.\n",
      o.keys, format_number(std::log(static_cast<double>(o.keys)), NumberStyle{2}));
  out += render_gradient_table(report, style);
  return out;
}

nlohmann::ordered_json scaling_to_json(const ScalingReport& report) {
  const auto stats = [](const SoftmaxStats& s) {
    return nlohmann::ordered_json{
        {"max_weight", s.max_weight},     {"entropy", s.entropy}, {"jacobian_norm", s.jacobian},
        {"dq_norm", s.dq_norm},           {"dk_norm", s.dk_norm}, {"dq_norm_geomean", s.dq_geomean},
        {"dk_norm_geomean", s.dk_geomean}};
  };
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  for (const auto& r : report.rows)
    rows.push_back({{"d_k", r.d_k},
                    {"var_dot", r.var_dot},
                    {"var_scaled", r.var_scaled},
                    {"unscaled", stats(r.unscaled)},
                    {"scaled", stats(r.scaled)}});
  return {{"keys", report.options.keys},
          {"trials", report.options.trials},
          {"seed", report.options.seed},
          {"backward",
           {{"values", "v_j ~ N(0, 1), d_v = 1"},
            {"d_out", "dO = dL/do ~ N(0, 1)"},
            {"seed", scaling_gradient_seed(report.options.seed)}}},
          {"rows", rows}};
}

}  // namespace attn
