// Every matrix and every trace in each output format: text, json, markdown, latex and csv.
//
//   text      the worked solution (render_steps) or an aligned table (format_table)
//   json      the JSON contract (render_json.hpp)
//   markdown  a heading per step, its formula in a ```math block (GitHub renders it), each
//             matrix a table whose corner cell names it and whose labels are the tokens
//   latex     \subsection* per step, formulas and bmatrix in \[ … \]; −∞ as -\infty;
//             `standalone` wraps it in \documentclass{article} + amsmath for pdflatex
//   csv       RFC 4180 (CRLF, quoted where needed): one block per matrix, its header row the
//             matrix name then the column labels, each row its label then its values; blocks
//             separated by an empty line; scalars (d_k, scale, softcap) in a block of their own.
// Text, Markdown and LaTeX use --digits; CSV writes every value exactly (shortest round-trip).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "attn/core/heads.hpp"
#include "attn/core/matrix.hpp"
#include "attn/core/trace.hpp"
#include "attn/mask/expr.hpp"
#include "attn/render/format.hpp"
#include "attn/render/text.hpp"

namespace attn {

enum class Format { text, json, markdown, latex, csv };

// "text", "json", "markdown", "latex", "csv" (--format), in that order.
std::span<const std::string_view> format_names();
std::optional<Format> parse_format(std::string_view text);

struct FormatOptions {
  NumberStyle number;                     // --digits (text, markdown, latex)
  std::vector<std::string> query_labels;  // rows of q, s, β, α, o; empty → q0, q1, …
  std::vector<std::string> key_labels;  // rows of k, v, columns of s, β, α; empty → k0, k1, …
  bool standalone = false;              // latex: a whole document
  TextOptions text;                     // Format::text; its `number` is replaced by `number`
};

// x exactly: the shortest decimal that reads back as the same double (at most 17 significant
// digits); "-inf", "inf", "nan" for the non-finite.
std::string format_exact(double x);

// Row and column labels of one matrix; empty → none (text) or indices 0, 1, … (the others).
struct MatrixLabels {
  std::vector<std::string> rows;
  std::vector<std::string> cols;
};

// Text for LaTeX: \ & % $ # _ { } ~ ^ escaped.
std::string latex_escape(std::string_view text);

// One matrix named `name` ("β", or empty) in format f.
std::string render_matrix(const Matrix& m, Format f, const FormatOptions& options,
                          const MatrixLabels& labels = {}, std::string_view name = {});
// A mask (true = may attend) as 1 and 0; JSON as true and false.
std::string render_mask_matrix(const BoolMatrix& mask, Format f, const FormatOptions& options,
                               const MatrixLabels& labels = {}, std::string_view name = "mask");

// One head's trace in format f: for text, render_steps; for json, trace_to_json; otherwise each
// step of Trace::steps() under its heading (inputs q, k, v; d_k and scale; s; c·s; b; C; M; β; α;
// o, as present).
std::string render_trace(const Trace& t, Format f, const FormatOptions& options = {});

// What `attn score|weights|attend` prints: the whole run in format f. Text is render_run, JSON
// run_to_json; one head is render_trace; several heads each get a part titled "Head h of H
// (kv head g): …" (CSV blocks named "h1.beta", …), then the heads' outputs side by side.
std::string render_result(const Run& run, Format f, const FormatOptions& options = {});

}  // namespace attn
