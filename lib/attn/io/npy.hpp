// Reading and writing NumPy .npy files: the way q, k and v arrive from Python. (.npz archives of
// them: io/npz.)
//
// Format (numpy.lib.format): the magic "\x93NUMPY", a version byte pair (1.0, 2.0 or 3.0), the
// header length (2 bytes little-endian in 1.0, 4 bytes in 2.0 and 3.0), then the header, a Python
// dict literal such as
//     {'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }
// padded with spaces and a newline, then the raw elements.
//
// attn reads float16, float32 and float64 ('<f2', '<f4', '>f8', …; '=' and '|' mean native), bool
// ('|b1') and integers (u1, i1, i2, i4, i8), in C or Fortran order, of any rank, as a Tensor
// (io/tensor): read_tensor. The matrix readers (read, read_matrix) take float arrays whose shapes
// map to matrices like this:
//     (n,)              -> 1×n
//     (r, c)            -> r×c
//     (1, r, c)         -> r×c   leading dimensions of size 1 (a batch or head of one) are dropped
//     (), (2, r, c), …  -> error
// Values are returned as read, NaN and ±∞ included; checking them is the caller's job
// (first_non_finite helps).
//
// Errors: a missing, unreadable or directory path is Exit::no_input; a file that is read but is
// not a valid .npy file (bad magic, header, dtype, shape or size) is Exit::data; a read that
// fails part way is Exit::io. Every message begins with the file's name.
#pragma once

#include <bit>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "attn/core/matrix.hpp"
#include "attn/io/byte_source.hpp"
#include "attn/io/tensor.hpp"

namespace attn {
class OutputBatch;  // io/output_file
}

namespace attn::npy {

using attn::DType;

// This machine's byte order: '=' in a header means it, and the reader swaps what differs.
inline constexpr bool native_big_endian = std::endian::native == std::endian::big;
using attn::dtype_name;
using attn::shape_repr;

// What the header of a .npy file says.
struct Header {
  DType dtype = DType::f64;
  bool big_endian = false;
  bool fortran_order = false;
  std::vector<std::size_t> shape;  // as written: () is empty, (4,) has one entry
  std::size_t data_offset = 0;     // bytes from the start of the file to the first element
};

// Parses the preamble and header at the start of bytes (which must hold at least the whole
// header; the data may follow). name is the file's name, for messages. Throws a data_error for a
// bad magic string, an unsupported version, a header that runs past the end of bytes, a header
// that is not a dict with exactly the keys descr, fortran_order and shape, or a dtype attn does
// not read (complex, structured, strings, objects, …).
Header parse_header(std::span<const unsigned char> bytes, std::string_view name);

// Where the header ends (the preamble's and the header's bytes), read from the first 12 bytes of
// a file; throws as parse_header does for a bad magic string or version.
std::size_t header_end(std::span<const unsigned char> first, std::string_view name);

// The matrix shape of an array shape (see the table above), or a data_error naming the shape.
struct MatrixShape {
  std::size_t rows = 0;
  std::size_t cols = 0;
};
MatrixShape matrix_shape(std::span<const std::size_t> shape, std::string_view name);

// An array as stored in the file, in its own precision: rows × cols values, row-major (Fortran
// order already transposed), in this machine's byte order.
struct NpyArray {
  std::vector<std::size_t> shape;  // the file's shape, before mapping to rows × cols
  std::size_t rows = 0;
  std::size_t cols = 0;
  std::variant<std::vector<float>, std::vector<double>> values;

  DType dtype() const noexcept;
  // Widens float32 exactly; moves the values when the rvalue overload is used on float64 data.
  Matrix to_matrix() const&;
  Matrix to_matrix() &&;
  // Narrows float64 to the nearest float32; moves the values when already float32.
  std::vector<float> to_f32() const&;
  std::vector<float> to_f32() &&;
};

// Reads a .npy file of any supported dtype and rank, elements in C order and native byte order.
Tensor read_tensor(const std::filesystem::path& path);
// The same from any source (an archive member: io/npz); name is for messages.
Tensor read_tensor(ByteSource& in, std::string_view name);
// The same from bytes in memory.
Tensor decode_tensor(std::span<const unsigned char> bytes, std::string_view name);

// Reads a .npy file of floats keeping its precision (float16 widens to float32 exactly), as a
// matrix (the shapes above); other dtypes are a data_error.
NpyArray read(const std::filesystem::path& path);

// Reads a .npy file of either precision as a matrix of doubles.
Matrix read_matrix(const std::filesystem::path& path);

// Reads .npy bytes already in memory (name is for messages), the same way as read.
NpyArray decode(std::span<const unsigned char> bytes, std::string_view name);

// Reads a whole .npy file from any source (an archive member: io/npz), checking that nothing
// follows the data. name is for messages.
NpyArray read(ByteSource& in, std::string_view name);

// The index of the first NaN or ±∞, if any.
std::optional<std::size_t> first_non_finite(std::span<const double> values) noexcept;
std::optional<std::size_t> first_non_finite(std::span<const float> values) noexcept;

// The bytes NumPy (1.24) writes before the data of a little-endian, C-order array of this dtype
// and shape: magic, version 1.0, header length, and the header dict padded with spaces and a
// newline so the data starts at a multiple of 64 bytes. bfloat16 has no NumPy dtype: a usage
// error saying to write safetensors or choose another dtype.
std::string header_bytes(DType dtype, std::span<const std::size_t> shape);

// Writes t with its own shape and dtype, as np.save would. When t has headroom for the header the
// file is written from t's storage without a copy.
void write(const std::filesystem::path& path, Tensor& t, OutputBatch* batch = nullptr);

// Writes m as a 2-D (rows, cols) array, '<f8' or '<f4' (float32 rounds to nearest), C order,
// version 1.0, exactly as np.save would, through write_file_atomically (io/output_file): path is
// either left as it was or holds the whole array, and its errors are that function's.
void write(const std::filesystem::path& path, const Matrix& m, DType dtype = DType::f64);

// Writes rows × cols float32 values (row-major; values.size() must be rows * cols, else
// std::invalid_argument) as '<f4', the same way.
void write_f32(const std::filesystem::path& path, std::size_t rows, std::size_t cols,
               std::span<const float> values);

}  // namespace attn::npy
