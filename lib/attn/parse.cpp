#include "attn/parse.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "attn/error.hpp"

namespace attn {
namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();
constexpr int kMaxJsonDepth = 64;

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

// "--q[0][1]" for a cell of a matrix, "--q[1]" for an entry of a vector.
std::string cell_name(std::string_view what, std::size_t i, std::size_t j, bool vector) {
  return vector ? fmt::format("{}[{}]", what, j) : fmt::format("{}[{}][{}]", what, i, j);
}

bool is_blocked_word(std::string_view s) {
  return s == "-Infinity" || s == "-inf" || s == "-Inf" || s == "−∞" || s == "-∞";
}

void check_value(double x, std::string_view what, std::size_t i, std::size_t j, bool vector,
                 Allow allow) {
  if (std::isfinite(x) || (allow == Allow::blocked && x == kNegInf)) return;
  throw data_error(
      fmt::format("{} is {}: inputs must be finite numbers", cell_name(what, i, j, vector), x),
      allow == Allow::blocked ? "only -inf (\"-Infinity\") may stand for a blocked cell" : "");
}

// Splits one row of a literal into its value texts: by commas if there are any, else by spaces.
std::vector<std::string_view> split_values(std::string_view row) {
  std::vector<std::string_view> out;
  const bool commas = row.find(',') != std::string_view::npos;
  std::size_t start = 0;
  while (start <= row.size()) {
    std::size_t end = commas ? row.find(',', start) : row.find_first_of(" \t", start);
    if (end == std::string_view::npos) end = row.size();
    std::string_view piece = trim(row.substr(start, end - start));
    if (commas || !piece.empty()) out.push_back(piece);
    start = end + 1;
  }
  return out;
}

Matrix matrix_from_rows(std::vector<std::vector<double>> rows, std::string_view what) {
  if (rows.empty() || rows.front().empty())
    throw data_error(fmt::format("{} is empty", what),
                     "give numbers separated by commas, e.g. 1,0.5,-2 (rows separated by ;)");
  const std::size_t cols = rows.front().size();
  std::vector<double> data;
  data.reserve(rows.size() * cols);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].size() != cols)
      throw data_error(fmt::format("{}: row {} has {} value{} but row 0 has {}", what, i,
                                   rows[i].size(), rows[i].size() == 1 ? "" : "s", cols),
                       "every row of a matrix needs the same number of values");
    data.insert(data.end(), rows[i].begin(), rows[i].end());
  }
  return Matrix(rows.size(), cols, std::move(data));
}

Matrix parse_literal(std::string_view text, std::string_view what, Allow allow) {
  if (text.empty())
    throw data_error(fmt::format("{} is empty", what),
                     "give numbers separated by commas, e.g. 1,0.5,-2 (rows separated by ;)");
  std::vector<std::vector<double>> rows;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(';', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view row_text = trim(text.substr(start, end - start));
    start = end + 1;
    if (row_text.empty()) {
      if (end == text.size() && !rows.empty()) break;  // a trailing ';' is harmless
      throw data_error(fmt::format("{}: row {} is empty", what, rows.size()),
                       "separate rows with ; and values with commas, e.g. \"1,0;0,1\"");
    }
    std::vector<double> row;
    for (std::string_view piece : split_values(row_text)) {
      if (piece.empty())
        throw usage_error(fmt::format("{}: empty value at row {}, column {} in '{}'", what,
                                      rows.size(), row.size(), text),
                          "separate values with single commas, e.g. 1,0.5,-2");
      if (allow == Allow::blocked && is_blocked_word(piece)) {
        row.push_back(kNegInf);
        continue;
      }
      row.push_back(parse_number(piece, what));
    }
    rows.push_back(std::move(row));
  }
  Matrix m = matrix_from_rows(std::move(rows), what);
  for (std::size_t i = 0; i < m.rows(); ++i)
    for (std::size_t j = 0; j < m.cols(); ++j)
      check_value(m(i, j), what, i, j, m.rows() == 1, allow);
  return m;
}

double json_number(const nlohmann::json& v, std::string_view what, std::size_t i, std::size_t j,
                   bool vector, Allow allow) {
  if (v.is_number()) return v.get<double>();
  if (v.is_string() && allow == Allow::blocked && is_blocked_word(v.get_ref<const std::string&>()))
    return kNegInf;
  throw data_error(fmt::format("{} is {}, not a number", cell_name(what, i, j, vector), v.dump()),
                   allow == Allow::blocked ? "a blocked cell is written \"-Infinity\"" : "");
}

}  // namespace

double parse_number(std::string_view text, std::string_view what) {
  std::string buffer;
  std::string_view s = trim(text);
  if (s.starts_with("−")) {  // U+2212, the minus sign that course notes print
    buffer = "-" + std::string(s.substr(std::strlen("−")));
    s = buffer;
  }
  if (s.starts_with('+')) s.remove_prefix(1);
  double value = 0.0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec == std::errc::result_out_of_range)
    throw data_error(fmt::format("{}: '{}' is out of the range of a double", what, trim(text)));
  if (ec != std::errc() || end != s.data() + s.size() || s.empty())
    throw usage_error(fmt::format("{}: '{}' is not a number", what, trim(text)),
                      "write numbers like 2, -0.5 or 1e-3, separated by commas");
  return value;
}

Matrix matrix_from_json(const nlohmann::json& value, std::string_view what, Allow allow) {
  if (!value.is_array())
    throw data_error(
        fmt::format("{} must be an array of numbers or of rows, not {}", what, value.type_name()));
  if (value.empty()) throw data_error(fmt::format("{} is empty", what));
  std::vector<std::vector<double>> rows;
  if (!value.front().is_array()) {  // a vector: one row
    std::vector<double> row;
    for (std::size_t j = 0; j < value.size(); ++j)
      row.push_back(json_number(value[j], what, 0, j, true, allow));
    rows.push_back(std::move(row));
  } else {
    for (std::size_t i = 0; i < value.size(); ++i) {
      if (!value[i].is_array())
        throw data_error(fmt::format("{}[{}] is {}, but the other rows are arrays", what, i,
                                     value[i].type_name()));
      std::vector<double> row;
      for (std::size_t j = 0; j < value[i].size(); ++j)
        row.push_back(json_number(value[i][j], what, i, j, false, allow));
      rows.push_back(std::move(row));
    }
  }
  Matrix m = matrix_from_rows(std::move(rows), what);
  for (std::size_t i = 0; i < m.rows(); ++i)
    for (std::size_t j = 0; j < m.cols(); ++j)
      check_value(m(i, j), what, i, j, !value.front().is_array(), allow);
  return m;
}

nlohmann::json parse_json(std::string_view text, std::string_view what) {
  if (trim(text).empty())
    throw data_error(fmt::format("{}: the input is empty", what), "expected a JSON document");
  const auto limit_depth = [&](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
    if (depth > kMaxJsonDepth)
      throw data_error(fmt::format("{}: JSON nested deeper than {} levels", what, kMaxJsonDepth));
    return true;
  };
  try {
    return nlohmann::json::parse(text.begin(), text.end(), limit_depth);
  } catch (const nlohmann::json::parse_error& e) {
    // e.what() is "[json.exception.parse_error.101] parse error at line 1, column 5: …"
    std::string_view detail = e.what();
    if (const auto at = detail.find(" at line "); at != std::string_view::npos)
      detail.remove_prefix(at + 1);
    throw data_error(fmt::format("{}: malformed JSON {}", what, detail));
  }
}

std::string read_text(const std::string& path) {
  if (path == "-") {
    std::ostringstream s;
    s << std::cin.rdbuf();
    if (std::cin.bad()) throw Error(Exit::io, "cannot read standard input");
    return std::move(s).str();
  }
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw Error(Exit::no_input, fmt::format("'{}' is a directory, not a file", path));
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw Error(Exit::no_input, fmt::format("cannot read '{}': {}", path, std::strerror(errno)));
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw Error(Exit::io, fmt::format("error while reading '{}'", path));
  return content;
}

Matrix parse_matrix(std::string_view text, std::string_view what, Allow allow) {
  const std::string_view t = trim(text);
  if (t.starts_with('@')) {
    const std::string path(t.substr(1));
    return matrix_from_json(parse_json(read_text(path), path), what, allow);
  }
  if (t.starts_with('[')) return matrix_from_json(parse_json(t, what), what, allow);
  return parse_literal(t, what, allow);
}

}  // namespace attn
