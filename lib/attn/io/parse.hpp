// Reading vectors and matrices as users type them: `2,0.5,1,-1.5`, `"1,0;0,1"`, `'[[1,0],[0,1]]'`,
// `@q.json`, and JSON values inside an input document.
#pragma once

#include <cstddef>
#include <filesystem>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

#include "attn/core/matrix.hpp"

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

// Limits on what attn will read, so that a hostile or mistaken input is a clear data error rather
// than a crash, a stack overflow or the machine running out of memory.
inline constexpr int max_json_depth = 64;              // nesting of JSON arrays/objects
inline constexpr std::size_t max_values = 50'000'000;  // numbers in one matrix or document
inline constexpr std::size_t max_text_bytes = std::size_t{1} << 30;  // 1 GiB of text input
// What parsing a byte of JSON costs at most, in bytes of memory: the text, its DOM (a 16-byte value
// per number, in vectors that grow by doubling) and the matrix built from it. A row like
// "0,1,0,1" is the worst case: a value for every 2 bytes (a 5 MB vector of 0s given as both --q and
// --k peaks at 142 MB). parse_json checks that text × this fits.
inline constexpr std::size_t json_bytes_per_byte = 24;

// Parses JSON text, reporting a malformed document as a data error with line and column, and
// refusing nesting deeper than max_json_depth levels or more than max_values values (a
// 100 000-deep array is refused, not a stack overflow), a key given twice in one object, a NUL
// byte (named by its offset), and a document too large to parse in the memory left.
nlohmann::json parse_json(std::string_view text, std::string_view what);

// The whole content of a file, or of stdin for "-", read in chunks. A missing or unreadable file
// is exit 66; a directory is exit 66; more than max_bytes (default max_text_bytes), a NUL byte or
// more than the memory left is a data error (exit 65), found as the bytes arrive.
std::string read_text(const std::string& path);
std::string read_text(const std::string& path, std::size_t max_bytes);

}  // namespace attn
