#include "attn/io/npy.hpp"

#include <fmt/format.h>
#include <sys/mman.h>

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <utility>

#include "attn/core/error.hpp"
#include "attn/io/output_file.hpp"

namespace attn::npy {

namespace {

constexpr std::string_view magic{"\x93NUMPY", 6};
constexpr std::size_t array_align = 64;             // NumPy starts the data at a multiple of this
constexpr std::size_t growth_axis_max_digits = 21;  // NumPy pads its header by this, less digits
constexpr bool native_big_endian = std::endian::native == std::endian::big;

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

// Reads into v until it holds `total` bytes or the source ends, growing v as bytes arrive so that
// a header or shape that claims more than the file holds never allocates that much. v holds `have`
// bytes already. Returns the bytes v now holds.
std::size_t read_growing(ByteSource& in, std::vector<unsigned char>& v, std::size_t have,
                         std::size_t total) {
  constexpr std::size_t chunk = std::size_t{1} << 20;
  while (have < total) {
    if (v.size() <= have) v.resize(std::min(total, std::max(2 * have, have + chunk)));
    const std::size_t want = std::min(v.size(), total) - have;
    const std::size_t got = in.read(v.data() + have, want);
    have += got;
    if (got < want) break;
  }
  return have;
}

// Reverses the bytes of each element of size `size` in place.
void byteswap_all(std::byte* p, std::size_t count, std::size_t size) {
  if (size == 1) return;
  for (std::size_t i = 0; i < count; ++i) std::reverse(p + i * size, p + (i + 1) * size);
}

// Fortran order stores the first axis fastest; C order the last. Returns t's elements, read from
// column-major storage, in row-major order.
Tensor from_column_major(const Tensor& t) {
  const std::vector<std::size_t>& shape = t.shape();
  const std::size_t size = dtype_size(t.dtype());
  Tensor out(t.dtype(), shape);
  std::vector<std::size_t> index(shape.size(), 0), stride(shape.size(), 1);
  for (std::size_t a = 1; a < shape.size(); ++a) stride[a] = stride[a - 1] * shape[a - 1];
  std::size_t from = 0;  // the Fortran offset of `index`
  for (std::size_t n = 0; n < t.count(); ++n) {
    std::memcpy(out.data() + n * size, t.data() + from * size, size);
    for (std::size_t a = shape.size(); a-- > 0;) {  // the next C-order index: last axis fastest
      if (++index[a] < shape[a]) {
        from += stride[a];
        break;
      }
      from -= (shape[a] - 1) * stride[a];
      index[a] = 0;
    }
  }
  return out;
}

// Reads the elements after the header into a tensor, then checks nothing follows.
Tensor read_values(ByteSource& in, const Header& h, std::string_view name) {
  const std::size_t need = element_count(h.shape, dtype_size(h.dtype), name) * dtype_size(h.dtype);
  const auto mismatch = [&](std::string_view what, std::size_t found) {
    return data_error(
        fmt::format("{}: {}: shape {} {} needs {} bytes after the header, the file "
                    "has {}",
                    name, what, shape_repr(h.shape), dtype_name(h.dtype), need, found));
  };
  std::optional<Tensor> t;
  if (const auto size = in.size()) {
    // the file says how much it holds, so allocate only what it can fill
    const std::size_t found = *size > h.data_offset ? *size - h.data_offset : 0;
    if (found < need) throw mismatch("data is truncated", found);
    t.emplace(h.dtype, h.shape, 0, name);
    const std::size_t got = in.read(reinterpret_cast<unsigned char*>(t->data()), need);
    if (got < need) throw mismatch("data is truncated", got);
  } else {  // a pipe or an archive member: its size is not known, so grow as bytes arrive
    std::vector<unsigned char> bytes;
    const std::size_t got = read_growing(in, bytes, 0, need);
    if (got < need) throw mismatch("data is truncated", got);
    t.emplace(h.dtype, h.shape, 0, name);
    if (need > 0) std::memcpy(t->data(), bytes.data(), need);
  }
  if (const std::size_t extra = skip_rest(in)) throw mismatch("file is too long", need + extra);
  if (h.big_endian != native_big_endian) byteswap_all(t->data(), t->count(), dtype_size(h.dtype));
  if (h.fortran_order && h.shape.size() > 1) return from_column_major(*t);
  return std::move(*t);
}

// Reads a whole .npy file from in: the header, then the data, then checks nothing follows.
Tensor read_array(ByteSource& in, std::string_view name) {
  // The preamble is 10 bytes (version 1.0) or 12; read 12, then the rest of the header. A file
  // shorter than 12 bytes cannot hold a valid header, and parse_header says what is wrong with it.
  std::vector<unsigned char> head(12);
  head.resize(in.read(head.data(), head.size()));
  if (head.size() == 12) {
    const Preamble p = read_preamble(head, name);
    head.resize(read_growing(in, head, head.size(), p.prefix_size + p.header_size));
  }
  const Header h = parse_header(head, name);
  if (head.size() != h.data_offset)  // only if the header were shorter than 2 bytes, never valid
    throw Error(Exit::internal, fmt::format("{}: .npy header of impossible length", name));
  return read_values(in, h, name);
}

// The matrix view of a tensor: float data only, in its own precision (float16 widened to float).
NpyArray to_array(Tensor t, std::string_view name) {
  const MatrixShape ms = matrix_shape(t.shape(), name);
  NpyArray a;
  a.shape = t.shape();
  a.rows = ms.rows;
  a.cols = ms.cols;
  switch (t.dtype()) {
    case DType::f32: {
      const auto v = t.values<float>();
      a.values = std::vector<float>(v.begin(), v.end());
      break;
    }
    case DType::f64: {
      const auto v = t.values<double>();
      a.values = std::vector<double>(v.begin(), v.end());
      break;
    }
    case DType::f16:
    case DType::bf16: {
      std::vector<float> v(t.count());
      for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(t.at(i));
      a.values = std::move(v);
      break;
    }
    default:
      throw data_error(
          fmt::format("{}: dtype {} is not supported here (use float32 or float64: "
                      "arr.astype(np.float64))",
                      name, dtype_name(t.dtype())));
  }
  return a;
}

// ---- writing ------------------------------------------------------------------------------------

// Appends values to out as little-endian T, converting from S.
template <class T, class S>
void append_values(std::string& out, std::span<const S> values) {
  const std::size_t start = out.size();
  out.resize(start + values.size() * sizeof(T));
  char* p = out.data() + start;
  for (const S x : values) {
    T t = static_cast<T>(x);  // double to float rounds to nearest
    if constexpr (native_big_endian) t = swap_bytes(t);
    std::memcpy(p, &t, sizeof t);
    p += sizeof t;
  }
}

}  // namespace

// ---- public functions ---------------------------------------------------------------------------

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

MatrixShape matrix_shape(std::span<const std::size_t> shape, std::string_view name) {
  switch (shape.size()) {
    case 0:
      throw data_error(
          fmt::format("{}: shape () is a scalar; attn needs a 1-D or 2-D array", name));
    case 1:
      return {1, shape[0]};
    default:
      if (std::all_of(shape.begin(), shape.end() - 2, [](std::size_t d) { return d == 1; }))
        return {shape[shape.size() - 2], shape[shape.size() - 1]};
      throw data_error(fmt::format(
          "{}: shape {} has {} dimensions; attn needs a 1-D or 2-D array (leading dimensions of "
          "size 1 are dropped)",
          name, shape_repr(shape), shape.size()));
  }
}

DType NpyArray::dtype() const noexcept {
  return std::holds_alternative<std::vector<float>>(values) ? DType::f32 : DType::f64;
}

Matrix NpyArray::to_matrix() const& {
  return NpyArray(*this).to_matrix();
}

Matrix NpyArray::to_matrix() && {
  if (auto* d = std::get_if<std::vector<double>>(&values)) return {rows, cols, std::move(*d)};
  const auto& f = std::get<std::vector<float>>(values);
  return {rows, cols, std::vector<double>(f.begin(), f.end())};
}

std::vector<float> NpyArray::to_f32() const& {
  return NpyArray(*this).to_f32();
}

std::vector<float> NpyArray::to_f32() && {
  if (auto* f = std::get_if<std::vector<float>>(&values)) return std::move(*f);
  const auto& d = std::get<std::vector<double>>(values);
  std::vector<float> out(d.size());
  std::transform(d.begin(), d.end(), out.begin(), [](double x) { return static_cast<float>(x); });
  return out;
}

Tensor read_tensor(const std::filesystem::path& path) {
  FileSource in(path);
  const std::string name = path.string();
  // A large regular file in C order and this machine's byte order is mapped rather than read:
  // its pages come from the page cache without a copy (private, so writes stay in this process).
  constexpr std::size_t map_from = std::size_t{1} << 20;
  if (const auto size = in.size(); size && *size >= map_from) {
    std::vector<unsigned char> head(std::min<std::size_t>(*size, 12 + 65536 + 4));
    head.resize(in.read(head.data(), head.size()));
    std::optional<Header> h;
    try {
      h = parse_header(head, name);
    } catch (const Error&) {  // the read below reports it precisely
    }
    const std::size_t element = h ? dtype_size(h->dtype) : 0;
    const bool plain = h && h->big_endian == native_big_endian &&
                       (!h->fortran_order || h->shape.size() < 2) && h->data_offset % 64 == 0 &&
                       *size == h->data_offset + element_count(h->shape, element, name) * element;
    if (plain) {
      void* base =
          ::mmap(nullptr, *size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_POPULATE, in.fd(), 0);
      if (base != MAP_FAILED)
        return Tensor::adopt(h->dtype, h->shape, static_cast<std::byte*>(base), h->data_offset,
                             [length = *size](std::byte* p) { ::munmap(p, length); });
    }
    in.seek(0);  // anything else: read it, which also gives the precise errors
  }
  return read_array(in, name);
}

Tensor read_tensor(ByteSource& in, std::string_view name) {
  return read_array(in, name);
}

Tensor decode_tensor(std::span<const unsigned char> bytes, std::string_view name) {
  MemorySource in(bytes);
  return read_array(in, name);
}

NpyArray read(const std::filesystem::path& path) {
  return to_array(read_tensor(path), path.string());
}

NpyArray read(ByteSource& in, std::string_view name) {
  return to_array(read_array(in, name), name);
}

NpyArray decode(std::span<const unsigned char> bytes, std::string_view name) {
  return to_array(decode_tensor(bytes, name), name);
}

Matrix read_matrix(const std::filesystem::path& path) {
  return read(path).to_matrix();
}

std::optional<std::size_t> first_non_finite(std::span<const double> values) noexcept {
  const auto it =
      std::find_if(values.begin(), values.end(), [](double x) { return !std::isfinite(x); });
  if (it == values.end()) return std::nullopt;
  return static_cast<std::size_t>(it - values.begin());
}

std::optional<std::size_t> first_non_finite(std::span<const float> values) noexcept {
  const auto it =
      std::find_if(values.begin(), values.end(), [](float x) { return !std::isfinite(x); });
  if (it == values.end()) return std::nullopt;
  return static_cast<std::size_t>(it - values.begin());
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

void write(const std::filesystem::path& path, const Matrix& m, DType dtype) {
  const std::size_t shape[] = {m.rows(), m.cols()};
  std::string bytes = header_bytes(dtype, shape);
  if (dtype == DType::f32)
    append_values<float>(bytes, m.values());
  else
    append_values<double>(bytes, m.values());
  write_file_atomically(path, bytes);
}

void write(const std::filesystem::path& path, Tensor& t) {
  const std::string header = header_bytes(t.dtype(), t.shape());
  const std::span<std::byte> room = t.headroom();
  if (room.size() >= header.size() &&
      !native_big_endian) {  // the header goes just before the elements: no copy
    std::byte* start = t.data() - header.size();
    std::memcpy(start, header.data(), header.size());
    write_file_atomically(
        path, std::string_view(reinterpret_cast<const char*>(start), header.size() + t.bytes()));
    return;
  }
  std::string bytes = header;
  bytes.append(reinterpret_cast<const char*>(t.data()), t.bytes());
  if (native_big_endian)
    byteswap_all(reinterpret_cast<std::byte*>(bytes.data() + header.size()), t.count(),
                 dtype_size(t.dtype()));
  write_file_atomically(path, bytes);
}

void write_f32(const std::filesystem::path& path, std::size_t rows, std::size_t cols,
               std::span<const float> values) {
  if (values.size() != rows * cols)
    throw std::invalid_argument(
        fmt::format("npy::write_f32: {} values for a {}×{} array", values.size(), rows, cols));
  const std::size_t shape[] = {rows, cols};
  std::string bytes = header_bytes(DType::f32, shape);
  append_values<float>(bytes, values);
  write_file_atomically(path, bytes);
}

}  // namespace attn::npy
