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
    head.resize(read_growing(in, head, head.size(), header_end(head, name)));
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

void write(const std::filesystem::path& path, const Matrix& m, DType dtype) {
  const std::size_t shape[] = {m.rows(), m.cols()};
  std::string bytes = header_bytes(dtype, shape);
  if (dtype == DType::f32)
    append_values<float>(bytes, m.values());
  else
    append_values<double>(bytes, m.values());
  write_file_atomically(path, bytes);
}

void write(const std::filesystem::path& path, Tensor& t, OutputBatch* batch) {
  const std::string header = header_bytes(t.dtype(), t.shape());
  const std::span<std::byte> room = t.headroom();
  if (room.size() >= header.size() &&
      !native_big_endian) {  // the header goes just before the elements: no copy
    std::byte* start = t.data() - header.size();
    std::memcpy(start, header.data(), header.size());
    write_file(path,
               std::string_view(reinterpret_cast<const char*>(start), header.size() + t.bytes()),
               batch);
    return;
  }
  std::string bytes = header;
  bytes.append(reinterpret_cast<const char*>(t.data()), t.bytes());
  if (native_big_endian)
    byteswap_all(reinterpret_cast<std::byte*>(bytes.data() + header.size()), t.count(),
                 dtype_size(t.dtype()));
  write_file(path, bytes, batch);
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
