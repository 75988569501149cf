#include "attn/core/trace.hpp"

namespace attn {

std::vector<TraceStep> Trace::steps() const {
  std::vector<TraceStep> out;
  if (given_scores) {
    out.push_back({StepKind::given_scores, "Given scores", &*given_scores, nullptr, "β"});
  } else {
    out.push_back({StepKind::inputs, "Inputs", nullptr, nullptr, ""});
    if (rope) out.push_back({StepKind::rope, "Rotary position embedding", nullptr, nullptr, ""});
    out.push_back({StepKind::dot, "Dot products", &dot, nullptr, "s"});
    out.push_back({StepKind::scale, "Scale", &scaled, nullptr, default_scale ? "s / √d_k" : "c·s"});
    const auto add_softcap = [&] {
      if (capped) out.push_back({StepKind::softcap, "Softcap", &*capped, nullptr, "capped"});
    };
    if (softcap_first) add_softcap();
    if (biased)
      out.push_back({StepKind::bias, "Positional bias", &*biased, &*bias,
                     softcap_first ? "capped + b" : "c·s + b"});
    if (!softcap_first) add_softcap();
  }
  if (mask) out.push_back({StepKind::mask, "Mask", &scores, &*mask, "β"});
  out.push_back({StepKind::scores, "Scores", &scores, nullptr, "β"});
  if (stage == Stage::scores || !softmax) return out;
  out.push_back({StepKind::softmax, "Softmax", &softmax->weights, nullptr, "α"});
  if (stage == Stage::weights || !output) return out;
  out.push_back({StepKind::output, "Output", &*output, nullptr, "o"});
  return out;
}

std::vector<double> Trace::dot_terms(std::size_t i, std::size_t j) const {
  const Matrix& a = dot_q();
  const Matrix& b = dot_k();
  std::vector<double> terms(a.cols());
  for (std::size_t t = 0; t < a.cols(); ++t) terms[t] = a(i, t) * b(j, t);
  return terms;
}

double Trace::shifted(std::size_t i, std::size_t j) const {
  return scores(i, j) - softmax->row_max[i];
}

std::vector<double> Trace::output_terms(std::size_t i, std::size_t j) const {
  std::vector<double> part(v->cols());
  for (std::size_t c = 0; c < part.size(); ++c) part[c] = softmax->weights(i, j) * (*v)(j, c);
  return part;
}

std::vector<std::optional<double>> Trace::output_shares(std::size_t i, std::size_t j) const {
  const std::vector<double> part = output_terms(i, j);
  std::vector<std::optional<double>> shares(part.size());
  for (std::size_t c = 0; c < part.size(); ++c) {
    const double o = (*output)(i, c);
    if (o != 0.0) shares[c] = 100.0 * part[c] / o;
  }
  return shares;
}

Matrix Trace::weights_with_blocked() const {
  Matrix w = softmax->weights;
  for (std::size_t n = 0; n < w.size(); ++n)
    if (scores.values()[n] == neg_inf) w.values()[n] = neg_inf;
  return w;
}

}  // namespace attn
