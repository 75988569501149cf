// Turning what the user gave (flags and an optional JSON document) into a Request to compute.
//
// The JSON input document, the contract scripts rely on:
//   {"q": …, "k": …, "v": …, "scores": …, "scale": number,
//    "mask": "causal" | "none" | any mask expression | bool matrix (true = may attend)
//            | additive matrix (0, "-Infinity" or any finite value),
//    "bias": "alibi" | "alibi:SLOPE" | "alibi:symmetric[:SLOPE]" | "t5" | "t5:causal"
//            | "relative:V,…" | matrix,
//    "softcap": number, "softcap_order": "bias-first" | "cap-first",
//    "heads": number, "kv_heads": number}
// A vector counts as a 1-row matrix. Flags given on the command line override the document.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "attn/core/attention.hpp"
#include "attn/core/geometry.hpp"
#include "attn/core/heads.hpp"
#include "attn/io/rope_input.hpp"

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
  std::optional<std::string> bias_table;     // --bias-table: T5's value per bucket (JSON, @file)
  std::optional<double> softcap;             // --softcap C
  std::optional<std::string> softcap_order;  // --softcap-order bias-first|cap-first
  std::optional<std::size_t> heads;          // --heads H
  std::optional<std::size_t> kv_heads;       // --kv-heads G
  std::optional<std::size_t> head;           // --head h (from 1): only this head
  Align align = Align::bottom_right;         // --align
  EmptyRows empty_rows = EmptyRows::zero;
  RopeArgs rope;                          // --rope and its options
};

// The most heads (--heads, --kv-heads, "heads", "kv_heads") a request may split into.
inline constexpr std::size_t max_heads = 4096;

// The keys an input document may have; any other is refused as a data error naming it (with the
// nearest known key: "maks" → did you mean "mask"?). "v" is allowed at every stage, so that one
// document serves score, weights and attend.
std::span<const std::string_view> input_document_keys();

// Reads the document (if any), applies the flags over it and checks what `stage` needs.
// Errors name the flag or the document key at fault: a flag's problem is a usage error (exit 2),
// the document's a data error (exit 65) naming "input.KEY".
Request load_input(const InputArgs& args, Stage stage);

// The same in two steps, for commands that read more keys of the document: the --input document
// (an empty object without --input), then the request from it and the flags. The second step
// refuses keys not in input_document_keys(): a command erases the keys it has read first.
nlohmann::json read_document(const InputArgs& args);
Request load_input(const InputArgs& args, Stage stage, const nlohmann::json& doc);

}  // namespace attn
