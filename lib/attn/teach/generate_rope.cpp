#include "attn/teach/generate_rope.hpp"

#include <fmt/format.h>

#include <cmath>

#include "attn/core/attention.hpp"
#include "attn/core/error.hpp"
#include "attn/teach/draw.hpp"
#include "attn/teach/slips.hpp"
#include "attn/teach/solve.hpp"

namespace attn {
namespace {

// A 2-d vector of halves, not 0.
Matrix draw_vector(SeededRng& rng) {
  for (;;) {
    Matrix v = draw_half_row(rng, 2);
    if (v(0, 0) != 0.0 || v(0, 1) != 0.0) return v;
  }
}

// s = q'·k' with q rotated to position m and k to n, as the question's solution computes it.
double score_at(const Question& q, std::int64_t m, std::int64_t n) {
  Problem p;
  p.q = *q.q;
  p.k = *q.k;
  p.rope = rope_question_options(m, n);
  return run_attention(p, Stage::scores).dot(0, 0);
}

constexpr std::string_view kRotation =
    "rotates the one pair of dimensions of a vector at position $p$ by the angle $p\\theta$, "
    "with $\\theta = 10000^0 = 1$ radian per position: $(x_1, x_2) \\mapsto (x_1 \\cos p\\theta - "
    "x_2 \\sin p\\theta,\\ x_1 \\sin p\\theta + x_2 \\cos p\\theta)$";

void make_rotate(Question& q, SeededRng& rng) {
  bool ok = false;
  for (int attempt = 0; attempt < 1000 && !ok; ++attempt) {
    q.q = draw_vector(rng);
    q.k = draw_vector(rng);
    q.k_position = rng.uniform_int(1, 3);
    q.q_position = rng.uniform_int(*q.k_position + 1, 5);
    solve(q);
    ok = slips_distinct(q);
  }
  if (!ok) throw Error(Exit::internal, "rope:rotate: no draw kept the slips apart");
  q.prompt = fmt::format(
      "Rotary position embedding (RoPE) with $d = 2$ {}. The query $q$ is at position $m = {}$ "
      "and the key $k$ at position $n = {}$. Rotate both and compute their score $s = q' \\cdot "
      "k'$ "
      "(without $1/\\sqrt{{d_k}}$). Give $s$ to 3 decimals.",
      kRotation, *q.q_position, *q.k_position);
}

void make_shift(Question& q, SeededRng& rng) {
  struct Option {
    std::string id;
    std::int64_t m, n;
  };
  std::vector<Option> options;
  bool ok = false;
  for (int attempt = 0; attempt < 1000 && !ok; ++attempt) {
    q.q = draw_vector(rng);
    q.k = draw_vector(rng);
    const std::int64_t n = rng.uniform_int(0, 2);
    const std::int64_t m = rng.uniform_int(n + 1, 4);
    const std::int64_t t = rng.uniform_int(1, 4);
    q.q_position = m;
    q.k_position = n;
    options = {{"correct", m + t, n + t},
               {"swapped", n, m},
               {"query_shifted", m + t, n},
               {"doubled", 2 * m, 2 * n}};
    // Four different pairs of positions, each distractor's score apart from the right one (so
    // that no option is a second right answer: the draw is redone, never an option dropped).
    ok = true;
    const double right = score_at(q, options[0].m, options[0].n);
    for (std::size_t a = 0; a < options.size(); ++a) {
      if (a > 0 &&
          std::abs(score_at(q, options[a].m, options[a].n) - right) <= 2 * answer_tolerance)
        ok = false;
      for (std::size_t b = a + 1; b < options.size(); ++b)
        if (options[a].m == options[b].m && options[a].n == options[b].n) ok = false;
    }
  }
  if (!ok) throw Error(Exit::internal, "rope:shift: no draw kept the options apart");
  rng.shuffle(options);
  q.choices.clear();
  for (std::size_t o = 0; o < options.size(); ++o)
    q.choices.push_back({option_label(o),
                         fmt::format("$(m', n') = ({}, {})$", options[o].m, options[o].n),
                         std::nullopt,
                         std::nullopt,
                         options[o].id,
                         std::pair{options[o].m, options[o].n},
                         {}});
  q.prompt = fmt::format(
      "Rotary position embedding (RoPE) with $d = 2$ {}. The query $q$ at position $m = {}$ "
      "and the key $k$ at position $n = {}$ have the score $s = q' \\cdot k'$. At which positions "
      "$(m', n')$ do the same two vectors have the same score?",
      kRotation, *q.q_position, *q.k_position);
}

void make_pairing(Question& q, SeededRng& rng) {
  const auto formulas = rope_formulas();
  const RopeFormula& f = formulas[rng.index(formulas.size())];
  q.formula = std::string(f.id);
  // The three ways to pair the 4 dimensions: the two conventions (from core/rope) and the
  // mirrored pairs (i, d − 1 − i), which no convention uses.
  const auto pairs_of = [](RopeStyle style) {
    std::vector<std::pair<std::size_t, std::size_t>> p;
    for (std::size_t i = 0; i < 2; ++i) p.push_back(rope_pair(i, 4, style));
    return p;
  };
  const RopeStyle other = f.style == RopeStyle::half ? RopeStyle::interleaved : RopeStyle::half;
  struct Option {
    std::string id;
    std::vector<std::pair<std::size_t, std::size_t>> pairs;
  };
  std::vector<Option> options{{"correct", pairs_of(f.style)},
                              {"other_pairing", pairs_of(other)},
                              {"mirrored", {{0, 3}, {1, 2}}}};
  rng.shuffle(options);
  for (std::size_t o = 0; o < options.size(); ++o) {
    const auto& p = options[o].pairs;
    q.choices.push_back({option_label(o),
                         fmt::format("$(x_{}, x_{})$ and $(x_{}, x_{})$", p[0].first, p[0].second,
                                     p[1].first, p[1].second),
                         std::nullopt, std::nullopt, options[o].id, std::nullopt, p});
  }
  q.prompt = fmt::format(
      "Rotary position embeddings rotate pairs of dimensions of $q$ and $k$, each pair by its own "
      "angle. With $d = 4$ (dimensions $x_0 \\ldots x_3$), which dimensions does this formula "
      "rotate together? {}",
      f.text);
}

}  // namespace

Question make_rope(SeededRng& rng, const std::optional<std::string>& forced) {
  Question q;
  q.kind = QuestionKind::rope;
  q.variant = draw_variant(q.kind, forced, [&] { return rng.index(3); });
  if (q.variant == "rotate")
    make_rotate(q, rng);
  else if (q.variant == "shift")
    make_shift(q, rng);
  else
    make_pairing(q, rng);
  return q;
}

}  // namespace attn
