// Rotary position embeddings (RoPE; Su et al. 2021, "RoFormer"): q and k are rotated by angles
// that grow with their positions before the dot product, so that q_m·k_n depends on m and n only
// through m − n.
//
// For position p and dimension pair i (0 ≤ i < R/2, R the rotated dimensions, even, R ≤ d_k):
//   angle p·θ_i with θ_i = base^(−2i/R), p divided by `scale` first (linear position
//   interpolation); the pair (x_a, x_b) becomes (x_a·cos − x_b·sin, x_a·sin + x_b·cos).
// Two conventions pair the dimensions:
//   half         a = i, b = i + R/2   (GPT-NeoX, Hugging Face LLaMA's rotate_half)
//   interleaved  a = 2i, b = 2i + 1   (GPT-J, the RoFormer paper, Meta's LLaMA with complex
//   numbers)
// Dimensions R … d_k − 1 pass through unrotated (GPT-NeoX's rotary_pct).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "attn/core/geometry.hpp"
#include "attn/core/matrix.hpp"

namespace attn {

enum class RopeStyle { half, interleaved };

std::string_view rope_style_name(RopeStyle style);  // "half", "interleaved"

struct RopeOptions {
  double base = 10000.0;
  RopeStyle style = RopeStyle::half;
  std::optional<std::size_t> dim;  // R; d_k when absent
  double scale = 1.0;              // positions are divided by this
  // Explicit position ids (packed sequences, a KV cache offset); else queries follow the geometry
  // (Geometry::position) and keys are 0 … n_k − 1.
  std::optional<std::vector<std::int64_t>> q_positions, k_positions;
};

// Throws a usage error naming the value unless R is even and ≤ d_k, the base is finite and > 1,
// the scale finite and > 0; a data error when explicit positions do not number the rows.
void check_rope(const RopeOptions& options, std::size_t d_k, std::size_t n_q, std::size_t n_k);

// θ_i = base^(−2i/R) for i = 0 … R/2 − 1.
std::vector<double> rope_frequencies(std::size_t rotated, double base);

// The two dimensions of pair i: (i, i + R/2) or (2i, 2i + 1).
std::pair<std::size_t, std::size_t> rope_pair(std::size_t i, std::size_t rotated, RopeStyle style);

// The positions of the queries and keys: explicit, or from the geometry.
std::vector<std::int64_t> rope_query_positions(const RopeOptions& options, const Geometry& g);
std::vector<std::int64_t> rope_key_positions(const RopeOptions& options, std::size_t n_k);

// angle[r][i] = (position_r / scale)·θ_i: one row per position, R/2 columns.
Matrix rope_angles(std::span<const std::int64_t> positions, std::span<const double> frequencies,
                   double scale);

// cos and sin of every angle, cell by cell.
Matrix cosines(const Matrix& angles);
Matrix sines(const Matrix& angles);

// One row x rotated in place by its angles, given by their cosines and sines (R/2 of each; x has
// at least R values, the rest pass through). direction −1 rotates back: the transpose, which the
// backward pass applies to dq and dk. Computed in double and stored in x's type.
void rotate_row(std::span<double> x, std::span<const double> cos, std::span<const double> sin,
                std::size_t rotated, RopeStyle style, int direction = 1);
void rotate_row(std::span<float> x, std::span<const double> cos, std::span<const double> sin,
                std::size_t rotated, RopeStyle style, int direction = 1);

// Each row of x rotated by its row's angles (rotate_row).
Matrix rotate(const Matrix& x, const Matrix& cos, const Matrix& sin, std::size_t rotated,
              RopeStyle style, int direction = 1);

// The interleaved ↔ half permutation of R dimensions: half's dimension perm[t] is interleaved's t.
// Reordering a checkpoint's q and k weights by it turns one convention into the other.
std::vector<std::size_t> interleaved_to_half(std::size_t rotated);

// What the rotation step of a trace keeps.
struct RopeTrace {
  RopeOptions options;
  std::size_t rotated = 0;          // R
  std::vector<double> frequencies;  // θ_i
  std::vector<std::int64_t> q_positions, k_positions;
  Matrix q_angles, k_angles;          // (n_q, R/2), (n_k, R/2)
  Matrix q_cos, q_sin, k_cos, k_sin;  // of each angle
  Matrix q_rotated, k_rotated;        // what the dot products take
};

// The rotation of one head's q and k.
RopeTrace apply_rope(const RopeOptions& options, const Matrix& q, const Matrix& k,
                     const Geometry& g);

}  // namespace attn
