// Reading vectors and matrices as users type them: `2,0.5,1,-1.5`, `"1,0;0,1"`, `'[[1,0],[0,1]]'`,
// `@q.json`, and JSON values inside an input document.
#pragma once

#include <filesystem>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

#include "attn/matrix.hpp"

namespace attn {

// Which values a matrix may hold besides finite numbers.
enum class Allow {
  finite,   // inputs: q, k, v, bias
  blocked,  // scores and additive masks: also −∞, written "-Infinity", "-inf" or -inf
};

// A double as std::from_chars reads it (never the locale). Throws a usage error naming `what`.
double parse_number(std::string_view text, std::string_view what);

// A vector or matrix from the command line. `what` names the argument in messages ("--q").
//  - `2,0.5,1,-1.5` or `2 0.5 1 -1.5`: one row
//  - `1,0;0,1`: rows split by `;`
//  - `[[1,0],[0,1]]` or `[2,0.5]`: a JSON array literal
//  - `@file.json`: a JSON array read from a file (`@-` reads stdin)
// An unparsable number is a usage error (exit 2); ragged rows, an empty matrix, NaN or Inf are
// data errors (exit 65) naming the row and column; a missing file is exit 66.
Matrix parse_matrix(std::string_view text, std::string_view what, Allow allow = Allow::finite);

// A JSON number array (a vector, one row) or array of number arrays (a matrix).
Matrix matrix_from_json(const nlohmann::json& value, std::string_view what,
                        Allow allow = Allow::finite);

// Parses JSON text, reporting a malformed document as a data error with line and column, and
// refusing nesting deeper than 64 levels (the parser would otherwise recurse without bound).
nlohmann::json parse_json(std::string_view text, std::string_view what);

// The whole content of a file, or of stdin for "-". A missing or unreadable file is exit 66.
std::string read_text(const std::string& path);

}  // namespace attn
