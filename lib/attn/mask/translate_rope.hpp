// The convention translator for rotary embeddings (`attn explain rope --as LIB`): how Hugging Face,
// GPT-J, flash-attn and Meta's reference LLaMA spell attn's rotation in the chosen pairing, whether
// that library's own rule gives attn's rotated q and k, what the other pairing would score instead,
// and the permutation of q and k weights that converts a checkpoint from one pairing to the other.
//
// Each library's rotation is computed here from that library's own rule, never by calling
// core/rope's rotate:
//   Hugging Face  x·cos + rotate_half(x)·sin, cos = cat(cos(pθ), cos(pθ)) (modeling_llama.py)
//   GPT-J         x·cos + rotate_every_two(x)·sin, cos repeated per pair (modeling_gptj.py)
//   flash-attn    apply_rotary_emb(x, cos, sin, interleaved): either of the two above
//                 (flash_attn/layers/rotary.py)
//   Meta's LLaMA  (x_2i + i·x_2i+1)·e^(i·pθ_i) with complex numbers (llama/model.py)
// A library with one pairing only spells the other by reordering q's and k's dimensions before
// its rotation and back after it. Sources: docs/conventions.md.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "attn/core/matrix.hpp"
#include "attn/core/rope.hpp"

namespace attn {

enum class RopeLibrary { hf, gptj, flash_attn, meta };

// Every library, in the order `--as all` lists them.
std::span<const RopeLibrary> all_rope_libraries();
// The CLI name: hf, gptj, flash-attn, llama.
std::string_view rope_library_name(RopeLibrary lib);
// The heading: "Hugging Face transformers (apply_rotary_pos_emb with rotate_half)", …
std::string_view rope_library_title(RopeLibrary lib);
// Names and aliases parse_rope_libraries accepts, "all" last.
std::span<const std::string_view> rope_library_names();
// hf (transformers), gptj (gpt-j), flash-attn, llama (meta), or all. Throws usage_error naming the
// unknown word and the nearest name.
std::vector<RopeLibrary> parse_rope_libraries(std::string_view text);

// What to translate: d = R dimensions, the base, the pairing, and L positions 0 … L − 1.
struct RopeQuery {
  std::size_t dim = 8;
  double base = 10000.0;
  RopeStyle style = RopeStyle::half;
  std::size_t positions = 4;
};

// The worked example every translation is checked on: the same q and k at every position (the
// vectors of `attn explain rope`, q_t = sin(t + 1), k_t = cos(2t + 1)), rotated by core/rope.
struct RopeExample {
  RopeQuery query;
  Matrix q, k;                  // (L, d), row p at position p
  Matrix q_rotated, k_rotated;  // in the chosen pairing
  Matrix scores;                // q_m·k_n of the rotated vectors, (L, L)
  Matrix other_scores;          // the same vectors rotated in the other pairing
  // Dimension u of a half model is dimension to_half[u] of an interleaved one: 0, 2, 4, …, 1, 3, …
  std::vector<std::size_t> to_half;
  // Reordered by to_half, q and k rotated in half pairing equal the interleaved rotation reordered
  // the same way, so the scores are the interleaved scores.
  bool permutation_holds = false;
};

// Throws a usage error for an odd or zero dimension, a base not above 1, or no positions.
RopeExample rope_example(const RopeQuery& query);

struct RopeTranslation {
  RopeLibrary library = RopeLibrary::hf;
  std::string code;             // PyTorch: from q, k (L, d) to q_rot, k_rot (L, d)
  Matrix q_rotated, k_rotated;  // what that code gives, by the library's own rule
  bool exact = false;           // equal to attn's rotation (to 1e-12 of the largest entry)
  bool native = false;          // the library's own pairing; else through a reordering
  std::vector<std::string> notes;
  std::string careful;  // how the other pairing's scores come about in this library
};

RopeTranslation translate_rope(const RopeExample& example, RopeLibrary lib);

// PyTorch that reorders a q or k projection weight w, (n_heads·d, dim_in), head by head into the
// pairing `to`: for half, Hugging Face's convert_llama_weights_to_hf.py permute; for interleaved,
// its inverse.
std::string_view rope_permute_code(RopeStyle to);

}  // namespace attn
