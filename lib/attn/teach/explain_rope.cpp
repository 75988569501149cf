#include "attn/teach/explain_rope.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>

#include "attn/core/error.hpp"
#include "attn/core/matrix.hpp"

namespace attn {
namespace {

// x rotated as position p under `style`.
Matrix at_position(const std::vector<double>& x, std::int64_t p, const RopeExplainOptions& o,
                   RopeStyle style) {
  const Matrix row(1, x.size(), x);
  const std::vector<std::int64_t> pos{p};
  const Matrix angles = rope_angles(pos, rope_frequencies(o.dim, o.base), 1.0);
  return rotate(row, cosines(angles), sines(angles), o.dim, style);
}

double dot(const Matrix& a, const Matrix& b) {
  double s = 0;
  for (std::size_t t = 0; t < a.cols(); ++t) s += a(0, t) * b(0, t);
  return s;
}

double score(const std::vector<double>& q, std::int64_t m, const std::vector<double>& k,
             std::int64_t n, const RopeExplainOptions& o, RopeStyle style) {
  return dot(at_position(q, m, o, style), at_position(k, n, o, style));
}

}  // namespace

RopeReport explain_rope(const RopeExplainOptions& o) {
  if (o.dim == 0 || o.dim % 2 != 0)
    throw usage_error(fmt::format("--dim {} must be even and at least 2", o.dim),
                      "RoPE rotates pairs of dimensions");
  if (!std::isfinite(o.base) || o.base <= 1.0)
    throw usage_error(fmt::format("--base must be a number above 1, not {}", o.base));
  if (o.max_distance < 1 || o.max_distance > (std::size_t{1} << 40))
    throw usage_error(fmt::format("--max-distance must be from 1 to 2^40, not {}", o.max_distance));
  RopeReport r;
  r.options = o;
  r.frequencies = rope_frequencies(o.dim, o.base);
  // two fixed, unrelated vectors: q_t = sin(t + 1), k_t = cos(2t + 1)
  for (std::size_t t = 0; t < o.dim; ++t) {
    r.q.push_back(std::sin(static_cast<double>(t) + 1.0));
    r.k.push_back(std::cos(2.0 * static_cast<double>(t) + 1.0));
  }
  // 1. the same score for (m, n) and (m + t, n + t)
  for (std::int64_t t : {0, 1, 10, 100, 1000})
    r.shifts.push_back({3 + t, 1 + t, score(r.q, 3 + t, r.k, 1 + t, o, RopeStyle::half)});
  // 2. all-ones q and k at distance Δ: pair i contributes (1, 1)·R(Δθ_i)(1, 1) = 2cos(Δθ_i)
  const std::vector<double> ones(o.dim, 1.0);
  for (std::int64_t d = 0; d <= static_cast<std::int64_t>(o.max_distance); d = d == 0 ? 1 : 2 * d) {
    RopeDistanceRow row;
    row.distance = d;
    const Matrix q = at_position(ones, d, o, RopeStyle::half);
    for (std::size_t i = 0; i < o.dim / 2; ++i)
      row.per_pair.push_back(q(0, i) + q(0, i + o.dim / 2));  // the pair's part of q_Δ·k_0
    row.score = dot(q, Matrix(1, o.dim, ones));
    r.distances.push_back(std::move(row));
  }
  // 3. the pairings: interleaved on (q, k) equals half on the permuted vectors
  r.permutation = interleaved_to_half(o.dim);
  std::vector<double> qp(o.dim), kp(o.dim);
  for (std::size_t t = 0; t < o.dim; ++t) {
    qp[r.permutation[t]] = r.q[t];
    kp[r.permutation[t]] = r.k[t];
  }
  r.half_score = score(r.q, 5, r.k, 2, o, RopeStyle::half);
  r.interleaved_score = score(r.q, 5, r.k, 2, o, RopeStyle::interleaved);
  r.converted_score = score(qp, 5, kp, 2, o, RopeStyle::half);
  return r;
}

std::string render_rope_text(const RopeReport& r, const NumberStyle& style) {
  const auto num = [&](double x) { return format_number(x, style); };
  const RopeExplainOptions& o = r.options;
  std::string out = fmt::format(
      "Rotary position embeddings with d = {}, base {}: pair i turns by p·θ_i, θ_i = {}^(−2i/{})\n"
      "  θ = [{}]\n",
      o.dim, num(o.base), num(o.base), o.dim, fmt::join(r.frequencies, ", "));
  out += "\n1. The score depends on m − n only. Two fixed vectors, q at m and k at n:\n";
  for (const auto& s : r.shifts)
    out += fmt::format("  m = {:>4}, n = {:>4}   (m − n = {})   q_m·k_n = {}\n", s.m, s.n,
                       s.m - s.n, num(s.score));
  out +=
      "  A rotation by m·θ against one by n·θ leaves a rotation by (m − n)·θ: the shift cancels.\n";
  out += fmt::format(
      "\n2. How the score of q = k = all ones varies with the distance Δ: each pair gives\n"
      "  2·cos(Δ·θ_i).\n  {:>6}  {:>10}   the pairs (fastest first)\n",
      "Δ", "score");
  for (const auto& d : r.distances) {
    std::vector<std::string> parts;
    for (std::size_t i = 0; i < d.per_pair.size() && i < 4; ++i)
      parts.push_back(num(d.per_pair[i]));
    if (d.per_pair.size() > 4) parts.push_back("…");
    out += fmt::format("  {:>6}  {:>10}   {}\n", d.distance, num(d.score), fmt::join(parts, "  "));
  }
  out += fmt::format(
      "  At Δ = 0 every pair gives 2 (the score is d = {}); the fast pairs turn through whole\n"
      "  circles while the slow ones still point the same way, so far keys score lower on "
      "average.\n",
      o.dim);
  out += fmt::format(
      "\n3. The two pairings. half pairs (i, i + {}) (GPT-NeoX, Hugging Face rotate_half);\n"
      "  interleaved pairs (2i, 2i + 1) (GPT-J, RoFormer, Meta's LLaMA).\n"
      "  q at 5, k at 2: half gives {}, interleaved gives {} for the same vectors.\n"
      "  Dimension t of an interleaved model is dimension perm[t] of a half one, perm = [{}]:\n"
      "  reordered so, the vectors give {} under half, the interleaved score.\n",
      o.dim / 2, num(r.half_score), num(r.interleaved_score), fmt::join(r.permutation, ", "),
      num(r.converted_score));
  return out;
}

nlohmann::ordered_json rope_to_json(const RopeReport& r) {
  nlohmann::ordered_json out{{"dim", r.options.dim},
                             {"base", r.options.base},
                             {"frequencies", r.frequencies},
                             {"q", r.q},
                             {"k", r.k}};
  auto shifts = nlohmann::ordered_json::array();
  for (const auto& s : r.shifts) shifts.push_back({{"m", s.m}, {"n", s.n}, {"score", s.score}});
  out["shifts"] = std::move(shifts);
  auto distances = nlohmann::ordered_json::array();
  for (const auto& d : r.distances)
    distances.push_back({{"distance", d.distance}, {"score", d.score}, {"per_pair", d.per_pair}});
  out["distances"] = std::move(distances);
  out["permutation"] = r.permutation;
  out["half_score"] = r.half_score;
  out["interleaved_score"] = r.interleaved_score;
  out["converted_score"] = r.converted_score;
  return out;
}

}  // namespace attn
