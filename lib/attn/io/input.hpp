// Turning what the user gave (flags and an optional JSON document) into a Problem to compute.
//
// The JSON input document, the contract scripts rely on:
//   {"q": …, "k": …, "v": …, "scores": …, "scale": number,
//    "mask": "causal" | "none" | any mask expression | bool matrix (true = may attend)
//            | additive matrix (0, "-Infinity" or any finite value),
//    "bias": "alibi" | "alibi:SLOPE" | "t5" | "t5:causal" | "relative:V,…" | matrix,
//    "softcap": number, "heads": number, "kv_heads": number}
// A vector counts as a 1-row matrix. Flags given on the command line override the document.
#pragma once

#include <optional>
#include <string>

#include "attn/core/attention.hpp"
#include "attn/core/bias.hpp"
#include "attn/core/geometry.hpp"
#include "attn/mask/expr.hpp"
#include "attn/core/matrix.hpp"

namespace attn {

// The raw texts of the input flags, before parsing.
struct InputArgs {
  std::optional<std::string> input;    // --input FILE ("-" = stdin): one JSON document
  std::optional<std::string> q, k, v;  // --q --k --v: literals, JSON arrays or @file
  std::optional<std::string> scores;   // --scores: β given directly (weights only)
  std::optional<std::string> mask;     // --mask: an expression, or a matrix as JSON / @file
  std::optional<double> scale;         // --scale C
  bool no_scale = false;               // --no-scale: c = 1
  std::optional<std::string> bias;     // --bias: alibi, t5, relative:…, or a matrix (JSON, @file)
  std::optional<std::string> bias_table;  // --bias-table: T5's value per bucket (JSON, @file)
  std::optional<double> softcap;          // --softcap C
  std::optional<std::size_t> heads;       // --heads H
  std::optional<std::size_t> kv_heads;    // --kv-heads G
  std::optional<std::size_t> head;        // --head h (from 1): only this head
  Align align = Align::bottom_right;      // --align
  EmptyRows empty_rows = EmptyRows::zero;
};

// A problem ready to run, with what the renderers need to describe it.
struct LoadedInput {
  Problem problem;
  std::optional<Matrix> given_scores;    // `weights --scores`: skip steps 1–3
  Geometry geometry;                     // n_q, n_k and alignment
  std::string mask_text;                 // the mask expression as given, or "matrix"; empty if none
  std::optional<MaskExpr> mask_expr;     // the parsed expression, when the mask is one
  std::optional<std::size_t> d_k;        // carried through when scores come from `score --json`
  std::optional<double> scale;           // likewise
  HeadLayout layout;                     // H and G
  std::optional<std::size_t> only_head;  // 0-based: run just this head
  std::optional<BiasSpec> bias_spec;     // a named bias, resolved per head (ALiBi slopes differ)
  std::vector<double> t5_table;          // one value per T5 bucket
};

// One head's computation: its slice of the problem and its trace.
struct HeadRun {
  std::size_t head = 0;     // query head h, 0-based
  std::size_t kv_head = 0;  // ⌊h·G/H⌋
  Problem problem;
  Trace trace;
};

struct Run {
  std::vector<HeadRun> heads;    // one entry for single-head attention
  std::optional<Matrix> output;  // the heads' outputs side by side (Stage::output)
};

// Reads the document (if any), applies the flags over it and checks what `stage` needs.
// Errors name the flag or the document key at fault.
LoadedInput load_input(const InputArgs& args, Stage stage);

// Runs the loaded problem up to `stage`: the whole pipeline, or softmax of given scores; with
// several heads, once per head (each with its own bias), and concatenates the outputs.
Run compute(const LoadedInput& in, Stage stage);

// The bias b for one head: a named bias (ALiBi's slope depends on the head) or the given matrix.
std::optional<Matrix> head_bias(const LoadedInput& in, std::size_t head);

}  // namespace attn
