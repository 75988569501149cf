#include "attn/io/parse.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <vector>

#include "attn/core/error.hpp"
#include "attn/core/rules.hpp"

namespace attn {
namespace {

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
  if (std::isfinite(x) || (allow == Allow::blocked && x == neg_inf)) return;
  throw data_error(
      fmt::format("{} is {}: inputs must be finite numbers", cell_name(what, i, j, vector), x),
      allow == Allow::blocked ? "only -inf (\"-Infinity\") may stand for a blocked cell" : "");
}

Error too_many_values(std::string_view what) {
  return data_error(fmt::format("{} has more than {} values", what, max_values),
                    "attn is for inputs small enough to read; split the problem up");
}

// Text for an error message: bytes that are not UTF-8 become \xNN, so that the message can be
// printed and written as JSON (nlohmann's dump throws on invalid UTF-8).
std::string printable(std::string_view s) {
  std::string out;
  const auto cont = [&](std::size_t k) {
    return k < s.size() && (static_cast<unsigned char>(s[k]) & 0xC0) == 0x80;
  };
  for (std::size_t n = 0; n < s.size();) {
    const auto c = static_cast<unsigned char>(s[n]);
    std::size_t len = 0;
    if (c < 0x80)
      len = 1;
    else if (c >= 0xC2 && c <= 0xDF)
      len = 2;
    else if (c >= 0xE0 && c <= 0xEF)
      len = 3;
    else if (c >= 0xF0 && c <= 0xF4)
      len = 4;
    bool ok = len > 0;
    for (std::size_t k = 1; ok && k < len; ++k) ok = cont(n + k);
    if (ok && len == 3) {  // no overlong forms, no surrogates
      const auto c1 = static_cast<unsigned char>(s[n + 1]);
      ok = !(c == 0xE0 && c1 < 0xA0) && !(c == 0xED && c1 >= 0xA0);
    }
    if (ok && len == 4) {  // no overlong forms, nothing past U+10FFFF
      const auto c1 = static_cast<unsigned char>(s[n + 1]);
      ok = !(c == 0xF0 && c1 < 0x90) && !(c == 0xF4 && c1 >= 0x90);
    }
    if (!ok) {
      out += fmt::format("\\x{:02X}", c);
      ++n;
      continue;
    }
    out.append(s.substr(n, len));
    n += len;
  }
  return out;
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
  std::size_t count = 0;
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
      if (++count > max_values) throw too_many_values(what);
      if (piece.empty())
        throw usage_error(fmt::format("{}: empty value at row {}, column {} in '{}'", what,
                                      rows.size(), row.size(), printable(text)),
                          "separate values with single commas, e.g. 1,0.5,-2");
      if (allow == Allow::blocked && is_blocked_word(piece)) {
        row.push_back(neg_inf);
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
    return neg_inf;
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
    throw data_error(
        fmt::format("{}: '{}' is out of the range of a double", what, printable(trim(text))));
  if (ec != std::errc() || end != s.data() + s.size() || s.empty())
    throw usage_error(fmt::format("{}: '{}' is not a number", what, printable(trim(text))),
                      "write numbers like 2, -0.5 or 1e-3, separated by commas");
  return value;
}

Matrix matrix_from_json(const nlohmann::json& value, std::string_view what, Allow allow) {
  if (!value.is_array())
    throw data_error(
        fmt::format("{} must be an array of numbers or of rows, not {}", what, value.type_name()));
  if (value.empty()) throw data_error(fmt::format("{} is empty", what));
  if (value.size() > max_values) throw too_many_values(what);
  std::size_t count = 0;
  for (const auto& row : value) {
    count += row.is_array() ? row.size() : 1;
    if (count > max_values) throw too_many_values(what);
  }
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

namespace {

// Where a JSON value sits, for messages: "answers", "heads[1]"; empty for the document itself.
struct ObjectFrame {
  std::string path;
  std::set<std::string> keys;
};

}  // namespace

nlohmann::json parse_json(std::string_view text, std::string_view what) {
  if (trim(text).empty())
    throw data_error(fmt::format("{}: the input is empty", what), "expected a JSON document");
  // nlohmann's parser stops at a NUL byte as at the end of the text, so `{…}\0junk` would be read
  // as `{…}`; no JSON document has one.
  if (const auto nul = text.find('\0'); nul != std::string_view::npos)
    throw data_error(fmt::format("{}: a NUL byte at offset {}: JSON is text", what, nul),
                     "is this a binary file? attn reads JSON documents and arrays");
  check_memory(bytes_times(text.size(), json_bytes_per_byte),
               fmt::format("reading {} ({} of JSON)", what, byte_size_text(text.size())));
  // The callback sees every value as it is parsed, so these limits stop the parser before the
  // document is built: nesting (the DOM's copy and dump recurse), the number of values, and a key
  // given twice in one object (nlohmann keeps the last silently).
  std::size_t values = 0;
  std::vector<ObjectFrame> objects;
  std::string last_key;
  const auto limit = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using Event = nlohmann::json::parse_event_t;
    if (depth > max_json_depth)
      throw data_error(fmt::format("{}: JSON nested deeper than {} levels", what, max_json_depth));
    switch (event) {
      case Event::object_start: {
        std::string path = objects.empty() ? std::string() : objects.back().path;
        if (!objects.empty()) path += (path.empty() ? "" : ".") + last_key;
        objects.push_back({std::move(path), {}});
        break;
      }
      case Event::key: {
        last_key = parsed.get<std::string>();
        if (!objects.empty() && !objects.back().keys.insert(last_key).second) {
          const std::string& in = objects.back().path;
          throw data_error(
              fmt::format("{}: the key \"{}\" is given twice{}", what, printable(last_key),
                          in.empty() ? "" : fmt::format(" in \"{}\"", printable(in))),
              "give each key once: JSON readers differ in which of the two they keep");
        }
        break;
      }
      case Event::object_end:
        if (!objects.empty()) objects.pop_back();
        break;
      case Event::value:
        if (++values > max_values) throw too_many_values(what);
        break;
      default:
        break;
    }
    return true;
  };
  try {
    return nlohmann::json::parse(text.begin(), text.end(), limit);
  } catch (const nlohmann::json::parse_error& e) {
    // e.what() is "[json.exception.parse_error.101] parse error at line 1, column 5: …"; the
    // "last read" part quotes the input, which need not be UTF-8.
    std::string_view detail = e.what();
    if (const auto at = detail.find(" at line "); at != std::string_view::npos)
      detail.remove_prefix(at + 1);
    throw data_error(fmt::format("{}: malformed JSON {}", what, printable(detail)));
  } catch (const nlohmann::json::out_of_range& e) {
    // A number too large for a double: "[json.exception.out_of_range.406] number overflow
    // parsing '1e400'", with no position.
    std::string_view detail = e.what();
    if (const auto at = detail.find("] "); at != std::string_view::npos)
      detail.remove_prefix(at + 2);
    throw data_error(fmt::format("{}: {}", what, printable(detail)),
                     "numbers must fit in a double (at most about 1.8e308)");
  }
}

namespace {

Error too_big(const std::string& name, std::size_t max_bytes) {
  return data_error(fmt::format("{} is larger than {}", name,
                                max_bytes == max_text_bytes ? std::string("1 GiB")
                                                            : fmt::format("{} bytes", max_bytes)),
                    "attn reads inputs small enough to hold in memory");
}

// Reads `in` to the end, refusing more than max_bytes, a NUL byte (attn reads only text, and
// /dev/zero is refused at its first byte), and a buffer larger than the memory left: the buffer
// grows by doubling, and each doubling is checked before it is made.
std::string read_stream(std::istream& in, const std::string& name, std::size_t max_bytes) {
  std::string content;
  std::vector<char> chunk(std::size_t{1} << 16);
  while (in) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    const auto got = static_cast<std::size_t>(in.gcount());
    if (content.size() + got > max_bytes) throw too_big(name, max_bytes);
    if (const void* nul = std::memchr(chunk.data(), 0, got))
      throw data_error(
          fmt::format("{}: a NUL byte at offset {}: attn reads text", name,
                      content.size() +
                          static_cast<std::size_t>(static_cast<const char*>(nul) - chunk.data())),
          "is this a binary file? attn reads JSON documents and arrays");
    if (content.size() + got > content.capacity()) {
      const std::size_t grown =
          std::min(max_bytes, std::max(2 * content.capacity(), content.size() + got));
      check_memory(grown, fmt::format("reading {}", name));
      content.reserve(grown);
    }
    content.append(chunk.data(), got);
  }
  return content;
}

}  // namespace

std::string read_text(const std::string& path) {
  return read_text(path, max_text_bytes);
}

std::string read_text(const std::string& path, std::size_t max_bytes) {
  if (path == "-") {
    std::string content = read_stream(std::cin, "standard input", max_bytes);
    if (std::cin.bad()) throw Error(Exit::io, "cannot read standard input");
    return content;
  }
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw Error(Exit::no_input, fmt::format("'{}' is a directory, not a file", path));
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw Error(Exit::no_input, fmt::format("cannot read '{}': {}", path, std::strerror(errno)));
  // A regular file's size is known up front: refuse a huge one before reading any of it.
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
      static_cast<std::uintmax_t>(st.st_size) > max_bytes)
    throw too_big(fmt::format("'{}'", path), max_bytes);
  std::string content = read_stream(in, fmt::format("'{}'", path), max_bytes);
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
