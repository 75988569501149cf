// `attn explain rope`: why rotary embeddings encode relative positions, in numbers.
//
//   1. the relative-position property: for two fixed vectors q and k, the score of q at m
//      against k at n equals the score at (m + t, n + t) for every shift t;
//   2. how the score of a fixed pair (q = k = all ones) varies with the distance Δ = m − n: each
//      pair i contributes 2·cos(Δ·θ_i), fast frequencies oscillate, slow ones decay slowly;
//   3. how the two pairings relate: a fixed permutation of the d dimensions turns interleaved
//      into half, so a checkpoint converts by reordering its q and k weights — and the same
//      weights read with the other pairing give different scores.
// Every score is computed by rotating with core/rope and taking the dot product.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "attn/core/rope.hpp"
#include "attn/render/format.hpp"

namespace attn {

struct RopeExplainOptions {
  std::size_t dim = 8;  // d = R, even
  double base = 10000.0;
  std::size_t max_distance = 1024;  // Δ up to this, in powers of two
};

struct RopeShiftRow {
  std::int64_t m = 0, n = 0;
  double score = 0;
};

struct RopeDistanceRow {
  std::int64_t distance = 0;
  std::vector<double> per_pair;  // 2·cos(Δθ_i): pair i's part of the score
  double score = 0;              // their sum, the score of all-ones q and k
};

struct RopeReport {
  RopeExplainOptions options;
  std::vector<double> frequencies;  // θ_i
  std::vector<double> q, k;         // the fixed pair of vectors of part 1 and 3
  std::vector<RopeShiftRow> shifts;
  std::vector<RopeDistanceRow> distances;
  std::vector<std::size_t> permutation;  // interleaved dimension t → half dimension perm[t]
  double half_score = 0, interleaved_score = 0, converted_score = 0;  // part 3, at (m, n) = (5, 2)
};

// Throws a usage error for an odd or zero dimension, a base not above 1, or max_distance < 1.
RopeReport explain_rope(const RopeExplainOptions& options);

std::string render_rope_text(const RopeReport& report, const NumberStyle& style = {});
nlohmann::ordered_json rope_to_json(const RopeReport& report);

}  // namespace attn
