#include "attn/teach/generate_gradient.hpp"

#include <fmt/format.h>

#include "attn/core/error.hpp"
#include "attn/core/rules.hpp"
#include "attn/teach/draw.hpp"
#include "attn/teach/slips.hpp"
#include "attn/teach/solve.hpp"
#include "attn/teach/tex.hpp"

namespace attn {
namespace {

Matrix tenths_row(const std::vector<std::int64_t>& tenths) {
  Matrix m(1, tenths.size());
  for (std::size_t j = 0; j < tenths.size(); ++j) m(0, j) = static_cast<double>(tenths[j]) / 10.0;
  return m;
}

// A row of n whole numbers in [−2, 2], not all equal (else dβ would be 0).
Matrix draw_dalpha(SeededRng& rng, std::size_t n) {
  for (;;) {
    Matrix d = draw_whole(rng, 1, n, -2, 2);
    for (std::size_t j = 1; j < n; ++j)
      if (d(0, j) != d(0, 0)) return d;
  }
}

void draw_softmax(Question& q, SeededRng& rng) {
  q.weights = tenths_row(draw_tenths(rng, 3));
  q.dalpha = draw_dalpha(rng, 3);
}

void draw_masked(Question& q, SeededRng& rng) {
  const std::size_t blocked = rng.index(4);
  const auto visible = draw_tenths(rng, 3);
  Matrix alpha(1, 4), mask(1, 4);
  for (std::size_t j = 0, v = 0; j < 4; ++j) {
    if (j == blocked) {
      mask(0, j) = neg_inf;
      continue;
    }
    alpha(0, j) = static_cast<double>(visible[v++]) / 10.0;
  }
  q.weights = alpha;
  q.mask_row = mask;
  q.dalpha = draw_dalpha(rng, 4);
}

void draw_query(Question& q, SeededRng& rng) {
  q.weights = tenths_row(draw_tenths(rng, 2));
  q.dalpha = draw_dalpha(rng, 2);
  q.k = draw_whole(rng, 2, 4, -2, 2);
}

}  // namespace

Question make_gradient(SeededRng& rng, const std::optional<std::string>& forced) {
  Question q;
  q.kind = QuestionKind::gradient;
  q.variant = draw_variant(q.kind, forced, [&] { return rng.index(3); });
  const auto draw = q.variant == "softmax"  ? draw_softmax
                    : q.variant == "masked" ? draw_masked
                                            : draw_query;
  bool ok = false;
  for (int attempt = 0; attempt < 1000 && !ok; ++attempt) {
    draw(q, rng);
    solve(q);
    ok = slips_distinct(q);
  }
  if (!ok)
    throw Error(
        Exit::internal,
        fmt::format("gradient:{}: no draw kept the slips apart from the answer", q.variant));
  const std::string rule =
      "$d\\beta_j = \\alpha_j (d\\alpha_j - D)$ with $D = \\sum_l \\alpha_l d\\alpha_l$";
  if (q.variant == "softmax")
    q.prompt = fmt::format(
        "One query's softmax row has the weights $\\alpha$ over 3 keys, and the backward pass "
        "brings the gradient $d\\alpha = \\partial L / \\partial \\alpha$. Compute the gradient of "
        "the scores, $d\\beta = \\partial L / \\partial \\beta$: {}. Give each entry to 3 "
        "decimals.",
        rule);
  else if (q.variant == "masked")
    q.prompt = fmt::format(
        "One query's softmax row over 4 keys has the weights $\\alpha$; the key with $M = "
        "-\\infty$ is blocked. The backward pass brings $d\\alpha = \\partial L / \\partial "
        "\\alpha$ for every key. Compute $d\\beta = \\partial L / \\partial \\beta$: {}. Which "
        "entries get no gradient? Give each entry to 3 decimals.",
        rule);
  else
    q.prompt = fmt::format(
        "One query attends 2 keys with the weights $\\alpha$, the rows of $K$ are the keys "
        "$k_j$, $d_k = 4$ and $c = 1/\\sqrt{{d_k}}$. The backward pass brings $d\\alpha$. Compute "
        "the gradient of the query, $dq = c \\sum_j d\\beta_j k_j$, where {}. Give each entry to "
        "3 decimals.",
        rule);
  return q;
}

}  // namespace attn
