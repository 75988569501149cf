#include "attn/io/npy.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "attn/core/error.hpp"

// The build defines ATTN_HAVE_LIBZIP=1 when it links libzip, for .npz support.
#ifndef ATTN_HAVE_LIBZIP
#define ATTN_HAVE_LIBZIP 0
#endif
#if ATTN_HAVE_LIBZIP
#include <zip.h>
#endif

namespace attn::npy {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view magic{"\x93NUMPY", 6};
constexpr std::size_t array_align = 64;             // NumPy starts the data at a multiple of this
constexpr std::size_t growth_axis_max_digits = 21;  // NumPy pads its header by this, less digits
constexpr bool native_big_endian = std::endian::native == std::endian::big;

std::string errno_text(int error) {
  return std::generic_category().message(error);
}

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
          "{}: structured dtype is not supported (attn reads a plain float32 or float64 array)",
          name_));
    const std::string_view d = string_literal("a dtype such as '<f8' for 'descr'");
    const bool known_order = !d.empty() && std::string_view("<>=|").find(d[0]) != d.npos;
    if (d.size() == 3 && known_order && (d.substr(1) == "f4" || d.substr(1) == "f8")) {
      h.dtype = d.substr(1) == "f4" ? DType::f32 : DType::f64;
      h.big_endian = d[0] == '>' || (d[0] != '<' && native_big_endian);
      return;
    }
    throw data_error(fmt::format(
        "{}: dtype '{}' is not supported (use float32 or float64: arr.astype(np.float64))", name_,
        d));
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

// ---- files --------------------------------------------------------------------------------------

class InFile {
 public:
  explicit InFile(const fs::path& path) : name_(path.string()) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0)
      throw Error(Exit::no_input, fmt::format("cannot open '{}': {}", name_, errno_text(errno)));
    struct stat st {};
    if (::fstat(fd_, &st) != 0) fail_read(errno);
    if (S_ISDIR(st.st_mode))
      throw Error(Exit::no_input, fmt::format("cannot open '{}': {}", name_, errno_text(EISDIR)));
    if (S_ISREG(st.st_mode)) size_ = static_cast<std::size_t>(st.st_size);
  }
  InFile(const InFile&) = delete;
  InFile& operator=(const InFile&) = delete;
  ~InFile() { ::close(fd_); }

  // The size of a regular file; nothing for a pipe or a device.
  std::optional<std::size_t> size() const { return size_; }

  // Reads n bytes, or fewer only at the end of the file.
  std::size_t read(unsigned char* out, std::size_t n) {
    std::size_t done = 0;
    while (done < n) {
      const ::ssize_t got = ::read(fd_, out + done, std::min<std::size_t>(n - done, 1u << 30));
      if (got == 0) break;
      if (got < 0) {
        if (errno == EINTR) continue;
        fail_read(errno);
      }
      done += static_cast<std::size_t>(got);
    }
    return done;
  }

 private:
  [[noreturn]] void fail_read(int error) const {
    throw Error(Exit::io, fmt::format("error reading '{}': {}", name_, errno_text(error)));
  }

  std::string name_;
  int fd_ = -1;
  std::optional<std::size_t> size_;
};

// Bytes in memory, read like a file.
class MemorySource {
 public:
  explicit MemorySource(std::span<const unsigned char> bytes) : bytes_(bytes) {}
  std::optional<std::size_t> size() const { return bytes_.size(); }
  std::size_t read(unsigned char* out, std::size_t n) {
    n = std::min(n, bytes_.size() - pos_);
    if (n > 0) std::memcpy(out, bytes_.data() + pos_, n);
    pos_ += n;
    return n;
  }

 private:
  std::span<const unsigned char> bytes_;
  std::size_t pos_ = 0;
};

// Reads to the end of the source and returns how many bytes there were.
template <class Source>
std::size_t skip_rest(Source& in) {
  unsigned char buf[4096];
  std::size_t total = 0;
  while (const std::size_t n = in.read(buf, sizeof buf)) total += n;
  return total;
}

// Reads into v until it holds `total` bytes or the file ends, growing v as bytes arrive so that a
// header or shape that claims more than the file holds never allocates that much. v holds `have`
// bytes already. Returns the bytes v now holds (its size is rounded up to whole elements).
template <class T, class Source>
std::size_t read_growing(Source& in, std::vector<T>& v, std::size_t have, std::size_t total) {
  constexpr std::size_t chunk = std::size_t{1} << 20;
  while (have < total) {
    if (v.size() * sizeof(T) <= have) {
      const std::size_t bytes = std::min(total, std::max(2 * have, have + chunk));
      v.resize((bytes + sizeof(T) - 1) / sizeof(T));
    }
    const std::size_t want = std::min(v.size() * sizeof(T), total) - have;
    const std::size_t got = in.read(reinterpret_cast<unsigned char*>(v.data()) + have, want);
    have += got;
    if (got < want) break;
  }
  return have;
}

template <class T>
void byteswap_all(std::vector<T>& v) {
  using U = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
  for (T& x : v) {
    U u;
    std::memcpy(&u, &x, sizeof u);
    if constexpr (sizeof(T) == 4)
      u = __builtin_bswap32(u);
    else
      u = __builtin_bswap64(u);
    std::memcpy(&x, &u, sizeof u);
  }
}

// Fortran order stores an r×c array column by column, which is a c×r array row by row.
template <class T>
std::vector<T> from_column_major(const std::vector<T>& v, std::size_t rows, std::size_t cols) {
  std::vector<T> out(v.size());
  for (std::size_t j = 0; j < cols; ++j)
    for (std::size_t i = 0; i < rows; ++i) out[i * cols + j] = v[j * rows + i];
  return out;
}

template <class T, class Source>
std::vector<T> read_values(Source& in, const Header& h, MatrixShape ms, std::string_view name) {
  const std::size_t count = ms.rows * ms.cols;  // shape product, checked for overflow by the caller
  const std::size_t need = count * sizeof(T);
  const auto mismatch = [&](std::string_view what, std::size_t found) {
    return data_error(
        fmt::format("{}: {}: shape {} {} needs {} bytes after the header, the file "
                    "has {}",
                    name, what, shape_repr(h.shape), dtype_name(h.dtype), need, found));
  };
  std::vector<T> v;
  if (const auto size = in.size()) {
    const std::size_t found = *size > h.data_offset ? *size - h.data_offset : 0;
    if (found < need) throw mismatch("data is truncated", found);
    v.resize(count);  // the file holds it, so allocate it all at once
  }
  const std::size_t got = read_growing(in, v, 0, need);
  if (got < need) throw mismatch("data is truncated", got);
  if (const std::size_t extra = skip_rest(in)) throw mismatch("file is too long", need + extra);
  if (h.big_endian != native_big_endian) byteswap_all(v);
  if (h.fortran_order && h.shape.size() > 1) v = from_column_major(v, ms.rows, ms.cols);
  return v;
}

// Reads a whole .npy file from in: the header, then the data, then checks nothing follows.
template <class Source>
NpyArray read_array(Source& in, std::string_view name) {
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

  NpyArray a;
  const MatrixShape ms = matrix_shape(h.shape, name);
  std::size_t count = 1;
  for (const std::size_t d : h.shape)
    if (__builtin_mul_overflow(count, d, &count) || count > (SIZE_MAX >> 3))
      throw data_error(fmt::format("{}: shape {} is too large", name, shape_repr(h.shape)));
  a.shape = h.shape;
  a.rows = ms.rows;
  a.cols = ms.cols;
  if (h.dtype == DType::f32)
    a.values = read_values<float>(in, h, ms, name);
  else
    a.values = read_values<double>(in, h, ms, name);
  return a;
}

// ---- .npz archives ------------------------------------------------------------------------------

#if ATTN_HAVE_LIBZIP

std::string zip_error_text(int code) {
  zip_error_t e;
  zip_error_init_with_code(&e, code);
  std::string text = zip_error_strerror(&e);
  zip_error_fini(&e);
  return text;
}

// An open .npz (zip) archive.
class Archive {
 public:
  explicit Archive(const fs::path& path) : name_(path.string()) {
    std::error_code ec;
    if (fs::is_directory(path, ec))
      throw Error(Exit::no_input, fmt::format("cannot open '{}': {}", name_, errno_text(EISDIR)));
    int code = 0;
    zip_ = zip_open(path.c_str(), ZIP_RDONLY, &code);
    if (zip_) return;
    zip_error_t e;
    zip_error_init_with_code(&e, code);
    const int system = zip_error_code_system(&e);
    zip_error_fini(&e);
    switch (code) {
      case ZIP_ER_NOENT:
        throw Error(Exit::no_input, fmt::format("cannot open '{}': {}", name_, errno_text(ENOENT)));
      case ZIP_ER_OPEN:
      case ZIP_ER_READ:
        throw Error(Exit::no_input,
                    fmt::format("cannot open '{}': {}", name_,
                                system ? errno_text(system) : zip_error_text(code)));
      case ZIP_ER_NOZIP:
        throw data_error(fmt::format("{}: not a .npz file (it is not a zip archive)", name_));
      default:
        throw data_error(fmt::format("{}: not a valid .npz file: {}", name_, zip_error_text(code)));
    }
  }
  Archive(const Archive&) = delete;
  Archive& operator=(const Archive&) = delete;
  ~Archive() { zip_discard(zip_); }

  zip_t* get() const { return zip_; }
  const std::string& name() const { return name_; }

  // Member names in archive order.
  std::vector<std::string> members() const {
    std::vector<std::string> names;
    const zip_int64_t n = zip_get_num_entries(zip_, 0);
    for (zip_int64_t i = 0; i < n; ++i)
      if (const char* member = zip_get_name(zip_, static_cast<zip_uint64_t>(i), 0))
        names.emplace_back(member);
    return names;
  }

 private:
  std::string name_;
  zip_t* zip_ = nullptr;
};

// One member of an archive, read (and inflated) as it goes. The size recorded in the archive is not
// trusted, so size() is unknown and the reader grows its buffer as bytes arrive.
class ZipSource {
 public:
  ZipSource(const Archive& archive, zip_uint64_t index, std::string name)
      : file_(zip_fopen_index(archive.get(), index, 0)), name_(std::move(name)) {
    if (!file_)
      throw data_error(fmt::format("{}: cannot read: {}", name_, zip_strerror(archive.get())));
  }
  ZipSource(const ZipSource&) = delete;
  ZipSource& operator=(const ZipSource&) = delete;
  ~ZipSource() { zip_fclose(file_); }

  std::optional<std::size_t> size() const { return std::nullopt; }

  std::size_t read(unsigned char* out, std::size_t n) {
    std::size_t done = 0;
    while (done < n) {
      const zip_int64_t got = zip_fread(file_, out + done, n - done);
      if (got < 0)  // a CRC mismatch or bad deflate stream shows up here
        throw data_error(fmt::format("{}: cannot read: {}", name_, zip_file_strerror(file_)));
      if (got == 0) break;
      done += static_cast<std::size_t>(got);
    }
    return done;
  }

 private:
  zip_file_t* file_;
  std::string name_;
};

#endif  // ATTN_HAVE_LIBZIP

// ---- writing ------------------------------------------------------------------------------------

// A file written under a temporary name in the target's directory and renamed over the target
// when complete; removed if anything fails first.
class AtomicFile {
 public:
  explicit AtomicFile(const fs::path& target) : target_(target) {
    static std::atomic<unsigned> counter{0};
    for (int attempt = 0; attempt < 100; ++attempt) {
      temp_ = target.parent_path() /
              fmt::format(".{}.tmp-{}-{}", target.filename().string(), ::getpid(), counter++);
      // 0666 less the umask, as np.save's open(path, "wb") would create it.
      fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
      if (fd_ >= 0) return;
      if (errno != EEXIST) break;
    }
    throw Error(Exit::cant_create,
                fmt::format("cannot create '{}': {}", target_.string(), errno_text(errno)));
  }
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(temp_.c_str());
  }

  void write(const void* data, std::size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    while (n > 0) {
      const ::ssize_t put = ::write(fd_, p, std::min<std::size_t>(n, 1u << 30));
      if (put < 0) {
        if (errno == EINTR) continue;
        fail_write(errno);
      }
      p += put;
      n -= static_cast<std::size_t>(put);
    }
  }

  void commit() {
    const int fd = std::exchange(fd_, -1);
    if (::close(fd) != 0) fail_write(errno);
    if (::rename(temp_.c_str(), target_.c_str()) != 0)
      throw Error(Exit::cant_create,
                  fmt::format("cannot create '{}': {}", target_.string(), errno_text(errno)));
    committed_ = true;
  }

 private:
  [[noreturn]] void fail_write(int error) const {
    throw Error(Exit::io,
                fmt::format("error writing '{}': {}", target_.string(), errno_text(error)));
  }

  fs::path target_;
  fs::path temp_;
  int fd_ = -1;
  bool committed_ = false;
};

// Writes values as little-endian T, converting from S (double to float rounds to nearest) a block
// at a time.
template <class T, class S>
void write_values(AtomicFile& out, std::span<const S> values) {
  if constexpr (std::is_same_v<T, S> && !native_big_endian) {
    out.write(values.data(), values.size_bytes());
  } else {
    std::vector<T> block;
    for (std::size_t start = 0; start < values.size(); start += 8192) {
      const auto part = values.subspan(start, std::min<std::size_t>(8192, values.size() - start));
      block.assign(part.begin(), part.end());
      if constexpr (native_big_endian) byteswap_all(block);
      out.write(block.data(), block.size() * sizeof(T));
    }
  }
}

}  // namespace

// ---- public functions ---------------------------------------------------------------------------

std::string_view dtype_name(DType dtype) noexcept {
  return dtype == DType::f32 ? "float32" : "float64";
}

std::string shape_repr(std::span<const std::size_t> shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + (shape.size() == 1 ? ",)" : ")");
}

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

NpyArray read(const std::filesystem::path& path) {
  InFile in(path);
  return read_array(in, path.string());
}

NpyArray decode(std::span<const unsigned char> bytes, std::string_view name) {
  MemorySource in(bytes);
  return read_array(in, name);
}

Matrix read_matrix(const std::filesystem::path& path) {
  return read(path).to_matrix();
}

bool npz_supported() noexcept {
  return ATTN_HAVE_LIBZIP;
}

#if ATTN_HAVE_LIBZIP

namespace {
// As np.load's NpzFile.files: member names, less the ".npy" on those that have it.
std::vector<std::string> array_names(const Archive& archive) {
  std::vector<std::string> names = archive.members();
  for (std::string& n : names)
    if (n.ends_with(".npy")) n.resize(n.size() - 4);
  return names;
}
}  // namespace

std::vector<std::string> npz_names(const std::filesystem::path& path) {
  return array_names(Archive(path));
}

NpyArray read_npz(const std::filesystem::path& path, std::string_view array) {
  const Archive archive(path);
  const std::string member = std::string(array) + ".npy";
  const zip_int64_t index = zip_name_locate(archive.get(), member.c_str(), 0);
  if (index < 0) {
    std::string names;
    for (const std::string& n : array_names(archive)) names += (names.empty() ? "" : ", ") + n;
    throw data_error(fmt::format("{}: no array named '{}' (it holds {})", archive.name(), array,
                                 names.empty() ? "no arrays" : names));
  }
  const std::string name = fmt::format("{}:{}", archive.name(), member);
  ZipSource in(archive, static_cast<zip_uint64_t>(index), name);
  return read_array(in, name);
}

#else

namespace {
[[noreturn]] void no_npz(const std::filesystem::path& path) {
  throw data_error(
      fmt::format("{}: this attn was built without .npz support (libzip)", path.string()),
      "save each array with np.save and pass the .npy files");
}
}  // namespace

std::vector<std::string> npz_names(const std::filesystem::path& path) {
  no_npz(path);
}
NpyArray read_npz(const std::filesystem::path& path, std::string_view) {
  no_npz(path);
}

#endif  // ATTN_HAVE_LIBZIP

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

std::string header_bytes(DType dtype, std::span<const std::size_t> shape) {
  // As numpy.lib.format._write_array_header: the dict with sorted keys, then room for the first
  // dimension to grow to 21 digits, then spaces and a newline up to a multiple of 64 bytes.
  std::string dict = fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}",
                                 dtype == DType::f32 ? "<f4" : "<f8", shape_repr(shape));
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
  AtomicFile out(path);
  const std::string header = header_bytes(dtype, shape);
  out.write(header.data(), header.size());
  if (dtype == DType::f32)
    write_values<float>(out, m.values());
  else
    write_values<double>(out, m.values());
  out.commit();
}

void write_f32(const std::filesystem::path& path, std::size_t rows, std::size_t cols,
               std::span<const float> values) {
  if (values.size() != rows * cols)
    throw std::invalid_argument(
        fmt::format("npy::write_f32: {} values for a {}×{} array", values.size(), rows, cols));
  const std::size_t shape[] = {rows, cols};
  AtomicFile out(path);
  const std::string header = header_bytes(DType::f32, shape);
  out.write(header.data(), header.size());
  write_values<float>(out, values);
  out.commit();
}

}  // namespace attn::npy
