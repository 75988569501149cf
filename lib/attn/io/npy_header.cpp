// The .npy header, read and written (declared in io/npy.hpp): the preamble (magic, version,
// header length), the header dict as NumPy writes it, and the bytes np.save puts before the data.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>

#include "attn/core/error.hpp"
#include "attn/io/npy.hpp"

namespace attn::npy {

namespace {

constexpr std::string_view magic{"\x93NUMPY", 6};
constexpr std::size_t array_align = 64;             // NumPy starts the data at a multiple of this
constexpr std::size_t growth_axis_max_digits = 21;  // NumPy pads its header by this, less digits

// The dtypes attn reads, by their NumPy type code (after the byte-order character).
std::optional<DType> dtype_of_code(std::string_view code) {
  constexpr std::pair<std::string_view, DType> codes[] = {
      {"f2", DType::f16},     {"f4", DType::f32}, {"f8", DType::f64},
      {"b1", DType::boolean}, {"u1", DType::u8},  {"i1", DType::i8},
      {"i2", DType::i16},     {"i4", DType::i32}, {"i8", DType::i64}};
  for (const auto& [c, d] : codes)
    if (c == code) return d;
  return std::nullopt;
}

constexpr std::string_view supported_text =
    "attn reads float16, float32, float64, bool and integer arrays: arr.astype(np.float32)";

// ---- the preamble and header --------------------------------------------------------------------

struct Preamble {
  unsigned major = 0;
  std::size_t prefix_size = 0;  // magic, version and header length: 10 or 12 bytes
  std::size_t header_size = 0;
};

// Checks the magic string and version, then reads the header length. Throws if bytes is too short.
Preamble read_preamble(std::span<const unsigned char> bytes, std::string_view name) {
  if (bytes.empty()) throw data_error(fmt::format("{}: file is empty, not a .npy file", name));
  const std::size_t n = std::min(bytes.size(), magic.size());
  if (std::memcmp(bytes.data(), magic.data(), n) != 0)
    throw data_error(
        fmt::format("{}: not a .npy file (it does not begin with \"\\x93NUMPY\")", name));
  const auto ends_early = [&] {
    return data_error(
        fmt::format("{}: file ends inside the .npy preamble, after {} bytes", name, bytes.size()));
  };
  if (bytes.size() < 8) throw ends_early();
  const unsigned major = bytes[6];
  const unsigned minor = bytes[7];
  if (major < 1 || major > 3 || minor != 0)
    throw data_error(
        fmt::format("{}: .npy format version {}.{} is not supported (attn reads 1.0, 2.0 and 3.0)",
                    name, major, minor));
  Preamble p{major, major == 1 ? 10u : 12u, 0};
  if (bytes.size() < p.prefix_size) throw ends_early();
  // Little-endian: 2 bytes in version 1.0, 4 in 2.0 and 3.0.
  for (std::size_t i = p.prefix_size; i-- > 8;) p.header_size = p.header_size << 8 | bytes[i];
  return p;
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// The header as it might appear in a message: printable, at most 80 characters.
std::string excerpt(std::string_view text) {
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  std::string out;
  for (const char c : text.substr(0, 80)) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f)
      out += c;
    else
      out += fmt::format("\\x{:02x}", u);
  }
  if (text.size() > 80) out += "…";
  return out;
}

// A Python dict literal with string keys, string and bool values and tuples of integers: all the
// .npy header needs, parsed the way ast.literal_eval would (whitespace anywhere between tokens, a
// trailing comma, single or double quotes, Python 2's 2L longs).
class HeaderParser {
 public:
  HeaderParser(std::string_view text, std::string_view name) : text_(text), name_(name) {}

  Header parse() {
    skip_space();
    if (!eat('{'))
      throw data_error(
          fmt::format("{}: .npy header is not a Python dict: {}", name_, excerpt(text_)));
    bool have_descr = false, have_order = false, have_shape = false;
    Header h;
    skip_space();
    while (!eat('}')) {
      const std::size_t key_pos = pos_;
      const std::string_view key = string_literal("a key");
      skip_space();
      if (!eat(':')) fail(fmt::format("expected ':' after '{}'", key));
      skip_space();
      const auto once = [&](bool& seen) {
        if (seen) fail_at(key_pos, fmt::format("key '{}' appears twice", key));
        seen = true;
      };
      if (key == "descr") {
        once(have_descr);
        descr(h);
      } else if (key == "fortran_order") {
        once(have_order);
        h.fortran_order = boolean();
      } else if (key == "shape") {
        once(have_shape);
        h.shape = shape();
      } else {
        throw data_error(fmt::format(
            "{}: .npy header has an unexpected key '{}' (expected 'descr', 'fortran_order' and "
            "'shape')",
            name_, key));
      }
      skip_space();
      if (eat(',')) {
        skip_space();
      } else if (peek() != '}') {
        fail("expected ',' or '}'");
      }
    }
    skip_space();
    if (pos_ != text_.size()) fail("unexpected text after the dict");
    for (const auto& [seen, key] :
         {std::pair{have_descr, "descr"}, std::pair{have_order, "fortran_order"},
          std::pair{have_shape, "shape"}})
      if (!seen)
        throw data_error(
            fmt::format("{}: .npy header has no '{}' key: {}", name_, key, excerpt(text_)));
    return h;
  }

 private:
  [[noreturn]] void fail_at(std::size_t pos, std::string_view what) const {
    throw data_error(fmt::format("{}: malformed .npy header at byte {}: {}: {}", name_, pos, what,
                                 excerpt(text_)));
  }
  [[noreturn]] void fail(std::string_view what) const { fail_at(pos_, what); }

  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  bool eat(char c) {
    if (pos_ >= text_.size() || text_[pos_] != c) return false;
    ++pos_;
    return true;
  }
  void skip_space() {
    while (pos_ < text_.size() && is_space(text_[pos_])) ++pos_;
  }

  std::string_view string_literal(std::string_view what) {
    const char quote = peek();
    if (quote != '\'' && quote != '"') fail(fmt::format("expected {} in quotes", what));
    const std::size_t start = ++pos_;
    while (pos_ < text_.size() && text_[pos_] != quote) {
      if (text_[pos_] == '\\') fail("escapes in strings are not supported");
      ++pos_;
    }
    if (pos_ == text_.size()) fail_at(start - 1, "unterminated string");
    return text_.substr(start, pos_++ - start);
  }

  bool boolean() {
    if (text_.substr(pos_).starts_with("True")) {
      pos_ += 4;
      return true;
    }
    if (text_.substr(pos_).starts_with("False")) {
      pos_ += 5;
      return false;
    }
    fail("expected True or False for 'fortran_order'");
  }

  void descr(Header& h) {
    if (peek() == '[')
      throw data_error(fmt::format(
          "{}: structured dtype is not supported (attn reads a plain array of numbers)", name_));
    const std::string_view d = string_literal("a dtype such as '<f8' for 'descr'");
    const bool known_order = !d.empty() && std::string_view("<>=|").find(d[0]) != d.npos;
    if (d.size() == 3 && known_order)
      if (const auto dtype = dtype_of_code(d.substr(1))) {
        h.dtype = *dtype;
        h.big_endian = d[0] == '>' || (d[0] != '<' && native_big_endian);
        return;
      }
    if (d == "?") {  // NumPy's own spelling of bool in some writers
      h.dtype = DType::boolean;
      return;
    }
    throw data_error(fmt::format("{}: dtype '{}' is not supported ({})", name_, d, supported_text));
  }

  std::size_t integer() {
    std::size_t value = 0;
    const char* first = text_.data() + pos_;
    const auto [end, ec] = std::from_chars(first, text_.data() + text_.size(), value);
    if (ec == std::errc::result_out_of_range) fail("dimension too large");
    if (ec != std::errc()) fail("expected a dimension (a non-negative integer)");
    pos_ += static_cast<std::size_t>(end - first);
    if (peek() == 'L' || peek() == 'l') ++pos_;  // Python 2 wrote longs as 3L
    return value;
  }

  std::vector<std::size_t> shape() {
    if (!eat('(')) fail("expected a tuple such as (2, 3) for 'shape'");
    std::vector<std::size_t> dims;
    skip_space();
    while (!eat(')')) {
      const std::size_t start = pos_;
      dims.push_back(integer());
      skip_space();
      if (eat(',')) {
        skip_space();
      } else if (peek() != ')') {
        fail("expected ',' or ')' in 'shape'");
      } else if (dims.size() == 1) {
        fail_at(start, "a 1-D shape is written (n,) with a comma, not (n)");
      }
    }
    return dims;
  }

  std::string_view text_;
  std::string_view name_;
  std::size_t pos_ = 0;
};

}  // namespace

Header parse_header(std::span<const unsigned char> bytes, std::string_view name) {
  const Preamble p = read_preamble(bytes, name);
  if (p.header_size > bytes.size() - p.prefix_size)
    throw data_error(fmt::format("{}: header length {} runs past the end of the file ({} bytes)",
                                 name, p.header_size, bytes.size()));
  const std::string_view text(reinterpret_cast<const char*>(bytes.data() + p.prefix_size),
                              p.header_size);
  Header h = HeaderParser(text, name).parse();
  h.data_offset = p.prefix_size + p.header_size;
  return h;
}

std::size_t header_end(std::span<const unsigned char> first, std::string_view name) {
  const Preamble p = read_preamble(first, name);
  return p.prefix_size + p.header_size;
}

std::string_view descr(DType dtype) {
  switch (dtype) {
    case DType::f16:
      return "<f2";
    case DType::f32:
      return "<f4";
    case DType::f64:
      return "<f8";
    case DType::boolean:
      return "|b1";
    case DType::u8:
      return "|u1";
    case DType::i8:
      return "|i1";
    case DType::i16:
      return "<i2";
    case DType::i32:
      return "<i4";
    case DType::i64:
      return "<i8";
    case DType::bf16:
      break;
  }
  throw usage_error("a .npy file cannot hold bfloat16 (NumPy has no such dtype)",
                    "write a .safetensors file instead, or choose --dtype f32");
}

std::string header_bytes(DType dtype, std::span<const std::size_t> shape) {
  // As numpy.lib.format._write_array_header: the dict with sorted keys, then room for the first
  // dimension to grow to 21 digits, then spaces and a newline up to a multiple of 64 bytes.
  std::string dict = fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}",
                                 descr(dtype), shape_repr(shape));
  if (!shape.empty())
    dict.append(growth_axis_max_digits -
                    std::min<std::size_t>(growth_axis_max_digits, std::to_string(shape[0]).size()),
                ' ');
  // Version 1.0 has a 2-byte header length; NumPy moves to 2.0 when the header needs more.
  const std::size_t v1_padded =
      dict.size() + 1 + array_align - (10 + dict.size() + 1) % array_align;
  const bool v1 = v1_padded <= 0xffff;
  const std::size_t prefix = v1 ? 10 : 12;
  const std::size_t unpadded = dict.size() + 1;  // the dict and the final newline
  const std::size_t pad = array_align - (prefix + unpadded) % array_align;
  const std::size_t header_size = unpadded + pad;
  std::string out(magic);
  out += static_cast<char>(v1 ? 1 : 2);
  out += '\0';
  for (std::size_t i = 0; i < prefix - 8; ++i)
    out += static_cast<char>((header_size >> (8 * i)) & 0xff);
  out += dict;
  out.append(pad, ' ');
  out += '\n';
  return out;
}

}  // namespace attn::npy
