// Turning what the user gave (flags and an optional JSON document) into a Problem to compute.
//
// The JSON input document, the contract scripts rely on:
//   {"q": …, "k": …, "v": …, "scores": …, "scale": number,
//    "mask": "causal" | "none" | any mask expression | bool matrix (true = may attend)
//            | additive matrix (0, "-Infinity" or any finite value)}
// A vector counts as a 1-row matrix. Flags given on the command line override the document.
#pragma once

#include <optional>
#include <string>

#include "attn/attention.hpp"
#include "attn/geometry.hpp"
#include "attn/matrix.hpp"

namespace attn {

// The raw texts of the input flags, before parsing.
struct InputArgs {
  std::optional<std::string> input;    // --input FILE ("-" = stdin): one JSON document
  std::optional<std::string> q, k, v;  // --q --k --v: literals, JSON arrays or @file
  std::optional<std::string> scores;   // --scores: β given directly (weights only)
  std::optional<std::string> mask;     // --mask: an expression, or a matrix as JSON / @file
  std::optional<double> scale;         // --scale C
  bool no_scale = false;               // --no-scale: c = 1
  Align align = Align::bottom_right;   // --align
  EmptyRows empty_rows = EmptyRows::zero;
};

// A problem ready to run, with what the renderers need to describe it.
struct LoadedInput {
  Problem problem;
  std::optional<Matrix> given_scores;  // `weights --scores`: skip steps 1–3
  Geometry geometry;                   // n_q, n_k and alignment
  std::string mask_text;               // the mask expression as given, or "matrix"; empty if none
  std::optional<std::size_t> d_k;      // carried through when scores come from `score --json`
  std::optional<double> scale;         // likewise
};

// Reads the document (if any), applies the flags over it and checks what `stage` needs.
// Errors name the flag or the document key at fault.
LoadedInput load_input(const InputArgs& args, Stage stage);

// Runs the loaded problem up to `stage`: the whole pipeline, or softmax of given scores.
Trace compute(const LoadedInput& in, Stage stage);

}  // namespace attn
