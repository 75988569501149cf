#include "attn/io/npy.hpp"

#include <doctest/doctest.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "attn/core/error.hpp"

namespace fs = std::filesystem;
namespace npy = attn::npy;
using attn::Exit;
using attn::Matrix;
using namespace std::string_view_literals;

namespace {

// Fixtures made by tests/data/npy/make_fixtures.py with NumPy 1.24.2.
fs::path fixture(std::string_view name) {
  return fs::path(ATTN_SOURCE_DIR) / "tests/data/npy" / name;
}
std::string fixture_name(std::string_view name) {
  return fixture(name).string();
}

// np.arange(6).reshape(2, 3) / 4: the array most fixtures hold.
const Matrix a_2x3{{0, 0.25, 0.5}, {0.75, 1, 1.25}};

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void put(const fs::path& path, std::string_view bytes) {
  std::ofstream(path, std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A .npy preamble and header around dict, unpadded: version 1.0 has a 2-byte header length,
// 2.0 and 3.0 a 4-byte one.
std::vector<unsigned char> npy_bytes(std::string_view dict, unsigned char major = 1) {
  std::vector<unsigned char> b{0x93, 'N', 'U', 'M', 'P', 'Y', major, 0};
  const std::size_t length_bytes = major == 1 ? 2 : 4;
  for (std::size_t i = 0; i < length_bytes; ++i)
    b.push_back(static_cast<unsigned char>(dict.size() >> (8 * i)));
  b.insert(b.end(), dict.begin(), dict.end());
  return b;
}
std::string as_string(const std::vector<unsigned char>& b) {
  return {b.begin(), b.end()};
}

struct Thrown {
  Exit code = Exit::ok;
  std::string message = "(nothing thrown)";
};
template <class F>
Thrown thrown(F&& f) {
  try {
    f();
  } catch (const attn::Error& e) {
    return {e.code(), e.what()};
  }
  return {};
}

Thrown header_error(std::string_view dict) {
  return thrown([&] { npy::parse_header(npy_bytes(dict), "q.npy"); });
}

class TempDir {
 public:
  TempDir() {
    static int n = 0;
    path_ = fs::temp_directory_path() /
            ("attn-npy-test-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    fs::create_directories(path_);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  fs::path operator/(std::string_view name) const { return path_ / name; }
  const fs::path& path() const { return path_; }
  std::size_t entries() const {
    return static_cast<std::size_t>(std::distance(fs::directory_iterator(path_), {}));
  }

 private:
  fs::path path_;
};

// Reads bytes through a pipe, as from `attn … q=<(python make_q.py)`: no file size to go by.
npy::NpyArray read_through_pipe(std::string bytes) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  std::thread writer([fd = fds[1], bytes = std::move(bytes)] {
    // If the reader stops early, let write fail with EPIPE rather than SIGPIPE ending the tests.
    sigset_t pipe_signal;
    sigemptyset(&pipe_signal);
    sigaddset(&pipe_signal, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_signal, nullptr);
    std::size_t done = 0;
    while (done < bytes.size()) {
      const ::ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
    ::close(fd);
  });
  struct Cleanup {
    int fd;
    std::thread& t;
    ~Cleanup() {
      ::close(fd);  // unblocks the writer if the reader stopped early
      t.join();
    }
  } cleanup{fds[0], writer};
  return npy::read("/dev/fd/" + std::to_string(fds[0]));
}

bool same_bits(double x, double y) {
  return std::bit_cast<std::uint64_t>(x) == std::bit_cast<std::uint64_t>(y);
}

}  // namespace

// ---- parse_header ------------------------------------------------------------------------------

TEST_CASE("parse_header reads the dict NumPy writes") {
  const std::string_view dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }\n";
  const npy::Header h = npy::parse_header(npy_bytes(dict), "q.npy");
  CHECK(h.dtype == npy::DType::f64);
  CHECK_FALSE(h.big_endian);
  CHECK_FALSE(h.fortran_order);
  CHECK(h.shape == std::vector<std::size_t>{2, 3});
  CHECK(h.data_offset == 10 + dict.size());  // magic 6, version 2, length 2, then the dict
}

TEST_CASE("parse_header accepts keys in any order, any spacing, either quotes") {
  const npy::Header h = npy::parse_header(
      npy_bytes("  {\"shape\":(3,5),'fortran_order' :True,\n\t'descr':'>f4'}   \n"), "q.npy");
  CHECK(h.dtype == npy::DType::f32);
  CHECK(h.big_endian);
  CHECK(h.fortran_order);
  CHECK(h.shape == std::vector<std::size_t>{3, 5});
}

TEST_CASE("parse_header reads tuple shapes as Python writes them") {
  const auto shape_of = [](std::string_view shape) {
    const std::string dict =
        "{'descr': '<f8', 'fortran_order': False, 'shape': " + std::string(shape) + ", }";
    return npy::parse_header(npy_bytes(dict), "q.npy").shape;
  };
  using Shape = std::vector<std::size_t>;
  CHECK(shape_of("()") == Shape{});
  CHECK(shape_of("( )") == Shape{});
  CHECK(shape_of("(4,)") == Shape{4});
  CHECK(shape_of("( 4 , )") == Shape{4});
  CHECK(shape_of("(3, 5)") == Shape{3, 5});
  CHECK(shape_of("(3, 5,)") == Shape{3, 5});
  CHECK(shape_of("(1, 2, 3)") == Shape{1, 2, 3});
  CHECK(shape_of("(2L, 3L)") == Shape{2, 3});  // Python 2 longs
  CHECK(shape_of("(0, 3)") == Shape{0, 3});
}

TEST_CASE("parse_header reads every float dtype and byte order") {
  const auto header_for = [](std::string_view descr) {
    const std::string dict =
        "{'descr': '" + std::string(descr) + "', 'fortran_order': False, 'shape': (1,), }";
    return npy::parse_header(npy_bytes(dict), "q.npy");
  };
  constexpr bool native_big = std::endian::native == std::endian::big;
  CHECK(header_for("<f4").dtype == npy::DType::f32);
  CHECK_FALSE(header_for("<f4").big_endian);
  CHECK(header_for(">f4").big_endian);
  CHECK(header_for("<f8").dtype == npy::DType::f64);
  CHECK(header_for(">f8").big_endian);
  CHECK(header_for("=f8").big_endian == native_big);  // '=' is this machine's order
  CHECK(header_for("|f4").big_endian == native_big);
}

TEST_CASE("parse_header reads versions 2.0 and 3.0, whose header length has 4 bytes") {
  const std::string_view dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }\n";
  for (const unsigned char major : std::array<unsigned char, 2>{2, 3}) {
    CAPTURE(major);
    const npy::Header h = npy::parse_header(npy_bytes(dict, major), "q.npy");
    CHECK(h.shape == std::vector<std::size_t>{2, 3});
    CHECK(h.data_offset == 12 + dict.size());
  }
}

TEST_CASE("parse_header rejects a file that is not .npy, naming the file") {
  const auto error = [](std::string_view bytes) {
    return thrown([&] {
      npy::parse_header({reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()},
                        "q.npy");
    });
  };
  CHECK(error("").message == "q.npy: file is empty, not a .npy file");
  CHECK(error("PK\3\4"sv).message ==
        "q.npy: not a .npy file (it does not begin with \"\\x93NUMPY\")");
  CHECK(error("\x93NUM"sv).message == "q.npy: file ends inside the .npy preamble, after 4 bytes");
  CHECK(error("\x93NUMPY\1\0\5"sv).message ==
        "q.npy: file ends inside the .npy preamble, after 9 bytes");
  CHECK(error("\x93NUMPY\2\0\5\0\0"sv).message ==
        "q.npy: file ends inside the .npy preamble, after 11 bytes");
  CHECK(error("\x93NUMPY\4\0\5\0"sv).message ==
        "q.npy: .npy format version 4.0 is not supported (attn reads 1.0, 2.0 and 3.0)");
  CHECK(error("\x93NUMPY\1\1\5\0"sv).message ==
        "q.npy: .npy format version 1.1 is not supported (attn reads 1.0, 2.0 and 3.0)");
  CHECK(error("\x93NUMPY\1\0\x80\0{}"sv).message ==
        "q.npy: header length 128 runs past the end of the file (12 bytes)");
  CHECK(error("\x93NUMPY\1\0\x80\0{}"sv).code == Exit::data);
}

TEST_CASE("parse_header rejects a malformed dict, saying where") {
  CHECK(header_error("[1, 2, 3]\n").message ==
        "q.npy: .npy header is not a Python dict: [1, 2, 3]");
  CHECK(header_error("{'descr' '<f8'}").message ==
        "q.npy: malformed .npy header at byte 9: expected ':' after 'descr': {'descr' '<f8'}");
  CHECK(header_error("{descr: '<f8'}").message ==
        "q.npy: malformed .npy header at byte 1: expected a key in quotes: {descr: '<f8'}");
  CHECK(header_error("{'descr': '<f8").message ==
        "q.npy: malformed .npy header at byte 10: unterminated string: {'descr': '<f8");
  CHECK(header_error("{'descr': '<f8' 'shape': (2,)}").message ==
        "q.npy: malformed .npy header at byte 16: expected ',' or '}': {'descr': '<f8' 'shape': "
        "(2,)}");
  CHECK(header_error("{'descr': '<f8', 'fortran_order': false, 'shape': (2,)}").message ==
        "q.npy: malformed .npy header at byte 34: expected True or False for 'fortran_order': "
        "{'descr': '<f8', 'fortran_order': false, 'shape': (2,)}");
  CHECK(header_error("{'shape': (2), 'descr': '<f8', 'fortran_order': False}").message ==
        "q.npy: malformed .npy header at byte 11: a 1-D shape is written (n,) with a comma, not "
        "(n): {'shape': (2), 'descr': '<f8', 'fortran_order': False}");
  CHECK(header_error("{'shape': (2, -3), 'descr': '<f8', 'fortran_order': False}").message ==
        "q.npy: malformed .npy header at byte 14: expected a dimension (a non-negative integer): "
        "{'shape': (2, -3), 'descr': '<f8', 'fortran_order': False}");
  CHECK(header_error("{'shape': [2, 3], 'descr': '<f8', 'fortran_order': False}").message ==
        "q.npy: malformed .npy header at byte 10: expected a tuple such as (2, 3) for 'shape': "
        "{'shape': [2, 3], 'descr': '<f8', 'fortran_order': False}");
  CHECK(header_error("{'shape': (99999999999999999999999,), 'descr': '<f8'}").message ==
        "q.npy: malformed .npy header at byte 11: dimension too large: {'shape': "
        "(99999999999999999999999,), 'descr': '<f8'}");
  CHECK(header_error("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), } x").message ==
        "q.npy: malformed .npy header at byte 58: unexpected text after the dict: {'descr': "
        "'<f8', 'fortran_order': False, 'shape': (2,), } x");
  CHECK(header_error("{'descr': '<f8', 'descr': '<f8'}").message ==
        "q.npy: malformed .npy header at byte 17: key 'descr' appears twice: {'descr': '<f8', "
        "'descr': '<f8'}");
  CHECK(header_error("{'descr': '<f8', 'fortran_order': False}").message ==
        "q.npy: .npy header has no 'shape' key: {'descr': '<f8', 'fortran_order': False}");
  CHECK(header_error("{'descr': '<f8', 'order': 'C'}").message ==
        "q.npy: .npy header has an unexpected key 'order' (expected 'descr', 'fortran_order' and "
        "'shape')");
  CHECK(header_error("{'descr': '<f8', \x01\xff}").message ==
        "q.npy: malformed .npy header at byte 17: expected a key in quotes: {'descr': '<f8', "
        "\\x01\\xff}");
  CHECK(header_error("{").code == Exit::data);
}

TEST_CASE("parse_header reads float16, bool and integer dtypes") {
  const auto dtype_of = [](std::string_view descr) {
    const std::string dict =
        "{'descr': '" + std::string(descr) + "', 'fortran_order': False, 'shape': (1,), }";
    return npy::parse_header(npy_bytes(dict), "q.npy").dtype;
  };
  CHECK(dtype_of("<f2") == attn::DType::f16);
  CHECK(dtype_of("|b1") == attn::DType::boolean);
  CHECK(dtype_of("|u1") == attn::DType::u8);
  CHECK(dtype_of("|i1") == attn::DType::i8);
  CHECK(dtype_of("<i2") == attn::DType::i16);
  CHECK(dtype_of("<i4") == attn::DType::i32);
  CHECK(dtype_of("<i8") == attn::DType::i64);
}

TEST_CASE("parse_header rejects the dtypes attn does not read") {
  const auto error = [](std::string_view descr) {
    return header_error("{'descr': '" + std::string(descr) +
                        "', 'fortran_order': False, 'shape': (2,), }")
        .message;
  };
  const auto unsupported = [](std::string_view descr) {
    return "q.npy: dtype '" + std::string(descr) +
           "' is not supported (attn reads float16, float32, float64, bool and integer arrays: "
           "arr.astype(np.float32))";
  };
  CHECK(error("<c16") == unsupported("<c16"));
  CHECK(error("<u8") == unsupported("<u8"));
  CHECK(error("<U3") == unsupported("<U3"));
  CHECK(error("f8") == unsupported("f8"));  // no byte order
  CHECK(
      header_error("{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (2,), }").message ==
      "q.npy: structured dtype is not supported (attn reads a plain array of numbers)");
}

// ---- shapes
// --------------------------------------------------------------------------------------

TEST_CASE("matrix_shape makes a matrix of 1-D and 2-D shapes and squeezes leading 1s") {
  using Shape = std::vector<std::size_t>;
  const auto rc = [](const Shape& s) {
    const npy::MatrixShape m = npy::matrix_shape(s, "q.npy");
    return std::array{m.rows, m.cols};
  };
  using RC = std::array<std::size_t, 2>;
  CHECK(rc({4}) == RC{1, 4});  // a vector is a 1×n matrix
  CHECK(rc({3, 5}) == RC{3, 5});
  CHECK(rc({1, 3, 5}) == RC{3, 5});  // one batch or head
  CHECK(rc({1, 1, 3, 5}) == RC{3, 5});
  CHECK(rc({1, 5}) == RC{1, 5});
  CHECK(rc({0, 3}) == RC{0, 3});
  const auto error = [](const Shape& s) { return thrown([&] { npy::matrix_shape(s, "q.npy"); }); };
  CHECK(error({}).message == "q.npy: shape () is a scalar; attn needs a 1-D or 2-D array");
  CHECK(error({2, 3, 5}).message ==
        "q.npy: shape (2, 3, 5) has 3 dimensions; attn needs a 1-D or 2-D array (leading "
        "dimensions of size 1 are dropped)");
  CHECK(error({1, 2, 3, 5}).code == Exit::data);
}

TEST_CASE("shape_repr writes shapes as Python does") {
  using Shape = std::vector<std::size_t>;
  CHECK(npy::shape_repr(Shape{}) == "()");
  CHECK(npy::shape_repr(Shape{4}) == "(4,)");
  CHECK(npy::shape_repr(Shape{2, 3}) == "(2, 3)");
}

// ---- reading NumPy's files -------------------------------------------------------------------

TEST_CASE("read_matrix reads every float layout NumPy writes as the same 2×3 matrix") {
  for (const std::string_view name :
       {"c_f8_2x3.npy", "c_f4_2x3.npy", "be_f8_2x3.npy", "be_f4_2x3.npy", "fortran_f8_2x3.npy",
        "fortran_be_f4_2x3.npy", "batch_f8_1x2x3.npy", "v2_f8_2x3.npy", "v3_f8_2x3.npy",
        "long_header_f8_2x3.npy"}) {
    CAPTURE(name);
    CHECK(npy::read_matrix(fixture(name)) == a_2x3);
  }
}

TEST_CASE("read keeps float32 data as float32") {
  for (const std::string_view name : {"c_f4_2x3.npy", "be_f4_2x3.npy", "fortran_be_f4_2x3.npy"}) {
    CAPTURE(name);
    npy::NpyArray a = npy::read(fixture(name));
    CHECK(a.dtype() == npy::DType::f32);
    CHECK(a.rows == 2);
    CHECK(a.cols == 3);
    CHECK(a.shape == std::vector<std::size_t>{2, 3});
    CHECK(std::get<std::vector<float>>(a.values) ==
          std::vector<float>{0, 0.25f, 0.5f, 0.75f, 1, 1.25f});
    CHECK(std::move(a).to_f32() == std::vector<float>{0, 0.25f, 0.5f, 0.75f, 1, 1.25f});
  }
}

TEST_CASE("read keeps the file's shape beside the matrix shape") {
  const npy::NpyArray batch = npy::read(fixture("batch_f8_1x2x3.npy"));
  CHECK(batch.shape == std::vector<std::size_t>{1, 2, 3});
  CHECK(batch.rows == 2);
  CHECK(batch.cols == 3);
  CHECK(batch.dtype() == npy::DType::f64);
  CHECK(npy::read(fixture("long_header_f8_2x3.npy")).shape.size() == 26);  // 24 ones, then 2, 3
}

TEST_CASE("read_matrix reads a 1-D array as a 1×n matrix") {
  // np.array([-1.5, 0.0, 2.0, 1024.0])
  CHECK(npy::read_matrix(fixture("vec_f8_4.npy")) == Matrix{{-1.5, 0, 2, 1024}});
}

TEST_CASE("read_matrix reads an empty array") {
  const Matrix m = npy::read_matrix(fixture("empty_f8_0x3.npy"));  // np.zeros((0, 3))
  CHECK(m.rows() == 0);
  CHECK(m.cols() == 3);
}

TEST_CASE("read returns NaN and infinity as read; first_non_finite finds them") {
  // np.array([[1.0, np.nan], [np.inf, -np.inf]])
  const Matrix m = npy::read_matrix(fixture("nonfinite_f8_2x2.npy"));
  CHECK(m(0, 0) == 1);
  CHECK(std::isnan(m(0, 1)));
  CHECK(m(1, 0) == std::numeric_limits<double>::infinity());
  CHECK(m(1, 1) == -std::numeric_limits<double>::infinity());
  CHECK(npy::first_non_finite(m.values()) == 1);
  CHECK(npy::first_non_finite(a_2x3.values()) == std::nullopt);
  const std::vector<float> f{1, 2, -std::numeric_limits<float>::infinity()};
  CHECK(npy::first_non_finite(std::span<const float>(f)) == 2);
  CHECK(npy::first_non_finite(std::span<const float>()) == std::nullopt);
}

TEST_CASE("read rejects the arrays NumPy writes that attn cannot use") {
  const auto error = [](std::string_view name) {
    return thrown([&] { npy::read(fixture(name)); });
  };
  CHECK(error("int64.npy").message ==
        fixture_name("int64.npy") +
            ": dtype int64 is not supported here (use float32 or float64: arr.astype(np.float64))");
  CHECK(error("complex.npy").message ==
        fixture_name("complex.npy") +
            ": dtype '<c16' is not supported (attn reads float16, float32, float64, bool and "
            "integer arrays: arr.astype(np.float32))");
  CHECK(error("structured.npy").message ==
        fixture_name("structured.npy") +
            ": structured dtype is not supported (attn reads a plain array of numbers)");
  CHECK(error("scalar_f8.npy").message ==
        fixture_name("scalar_f8.npy") + ": shape () is a scalar; attn needs a 1-D or 2-D array");
  CHECK(error("cube_f8_2x2x2.npy").message ==
        fixture_name("cube_f8_2x2x2.npy") +
            ": shape (2, 2, 2) has 3 dimensions; attn needs a 1-D or 2-D array (leading "
            "dimensions of size 1 are dropped)");
  for (const std::string_view name : {"int64.npy", "complex.npy", "scalar_f8.npy"})
    CHECK(error(name).code == Exit::data);
}

TEST_CASE("read_tensor reads every dtype and rank as a tensor in C order") {
  // np.array([1.0], dtype="<f2"); np.arange(6, dtype="<i8"); a 2×2×2 cube of float64
  const attn::Tensor f2 = npy::read_tensor(fixture("f2.npy"));
  CHECK(f2.dtype() == attn::DType::f16);
  CHECK(f2.shape() == std::vector<std::size_t>{1});
  CHECK(f2.values<std::uint16_t>()[0] == 0x3c00);  // 1.0 in float16
  const attn::Tensor i8 = npy::read_tensor(fixture("int64.npy"));
  CHECK(i8.dtype() == attn::DType::i64);
  CHECK(i8.at(5) == 5.0);
  const attn::Tensor cube = npy::read_tensor(fixture("cube_f8_2x2x2.npy"));
  CHECK(cube.shape() == std::vector<std::size_t>{2, 2, 2});
  CHECK(cube.at(5) == 5.0);  // np.arange(8.0).reshape(2, 2, 2)[1, 0, 1]
  // Fortran order and big-endian come back in C order and native byte order
  const attn::Tensor fortran = npy::read_tensor(fixture("fortran_be_f4_2x3.npy"));
  CHECK(fortran.dtype() == attn::DType::f32);
  CHECK(attn::to_matrix(fortran, "m") == a_2x3);
}

TEST_CASE("read rejects broken files, naming the file and the problem") {
  const auto error = [](std::string_view name) {
    return thrown([&] { npy::read(fixture(name)); });
  };
  const Thrown truncated = error("truncated_f8_2x3.npy");
  CHECK(truncated.code == Exit::data);
  CHECK(truncated.message ==
        fixture_name("truncated_f8_2x3.npy") +
            ": data is truncated: shape (2, 3) float64 needs 48 bytes after the header, the file "
            "has 44");
  CHECK(error("extra_bytes_f8_2x3.npy").message ==
        fixture_name("extra_bytes_f8_2x3.npy") +
            ": file is too long: shape (2, 3) float64 needs 48 bytes after the header, the file "
            "has 56");
  CHECK(error("bad_magic.npy").message ==
        fixture_name("bad_magic.npy") +
            ": not a .npy file (it does not begin with \"\\x93NUMPY\")");
  CHECK(error("bad_version.npy").message ==
        fixture_name("bad_version.npy") +
            ": .npy format version 4.0 is not supported (attn reads 1.0, 2.0 and 3.0)");
  CHECK(error("header_past_end.npy").message ==
        fixture_name("header_past_end.npy") +
            ": header length 1000 runs past the end of the file (176 bytes)");
  CHECK(error("short.npy").message ==
        fixture_name("short.npy") + ": file ends inside the .npy preamble, after 7 bytes");
  CHECK(error("not_dict.npy").message ==
        fixture_name("not_dict.npy") + ": .npy header is not a Python dict: [1, 2, 3]");
  for (const std::string_view name : {"extra_bytes_f8_2x3.npy", "bad_magic.npy", "bad_version.npy",
                                      "header_past_end.npy", "short.npy", "not_dict.npy"})
    CHECK(error(name).code == Exit::data);
}

TEST_CASE("read reports a missing file or a directory as no input") {
  const Thrown missing = thrown([] { npy::read(fixture("no_such_file.npy")); });
  CHECK(missing.code == Exit::no_input);
  CHECK(missing.message ==
        "cannot open '" + fixture_name("no_such_file.npy") + "': No such file or directory");
  const Thrown directory = thrown([] { npy::read_matrix(fixture("")); });
  CHECK(directory.code == Exit::no_input);
  CHECK(directory.message == "cannot open '" + fixture_name("") + "': Is a directory");
}

TEST_CASE("read does not allocate what a header claims but the file does not hold") {
  TempDir dir;
  // Version 2.0, header length 0xfffffff0: about 4 GiB of header in a 16-byte file.
  put(dir / "huge_header.npy", "\x93NUMPY\2\0\xf0\xff\xff\xff{'de"sv);
  CHECK(thrown([&] { npy::read(dir / "huge_header.npy"); }).message ==
        (dir / "huge_header.npy").string() +
            ": header length 4294967280 runs past the end of the file (16 bytes)");
  // A shape of 10^16 doubles, 8×10^16 bytes, in a file of a few.
  put(dir / "huge_shape.npy",
      as_string(npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (100000000, "
                          "100000000), }")) +
          "12345678");
  CHECK(thrown([&] { npy::read(dir / "huge_shape.npy"); }).message ==
        (dir / "huge_shape.npy").string() +
            ": data is truncated: shape (100000000, 100000000) float64 needs 80000000000000000 "
            "bytes after the header, the file has 8");
  // A shape whose size overflows.
  put(dir / "overflow.npy",
      as_string(npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (1, "
                          "100000000000, 100000000000), }")));
  CHECK(thrown([&] { npy::read(dir / "overflow.npy"); }).message ==
        (dir / "overflow.npy").string() + ": shape (1, 100000000000, 100000000000) is too large");
}

TEST_CASE("read reads from a pipe, where the size is not known in advance") {
  CHECK(read_through_pipe(slurp(fixture("be_f4_2x3.npy"))).to_matrix() == a_2x3);
  CHECK(read_through_pipe(slurp(fixture("fortran_f8_2x3.npy"))).to_matrix() == a_2x3);
  const std::string good = slurp(fixture("c_f8_2x3.npy"));
  CHECK(thrown([&] { read_through_pipe(good.substr(0, good.size() - 4)); })
            .message.ends_with(": data is truncated: shape (2, 3) float64 needs 48 bytes after "
                               "the header, the file has 44"));
  CHECK(thrown([&] { read_through_pipe(good + "x"); })
            .message.ends_with(": file is too long: shape (2, 3) float64 needs 48 bytes after "
                               "the header, the file has 49"));
  CHECK(thrown([&] {
          read_through_pipe(good.substr(0, 100));
        }).message.ends_with(": header length 118 runs past the end of the file (100 bytes)"));
  // Claims 8×10^16 bytes; the reader stops at the end of the pipe instead of allocating them.
  CHECK(thrown([&] {
          read_through_pipe(as_string(npy_bytes("{'descr': '<f8', 'fortran_order': False, "
                                                "'shape': (100000000, 100000000), }")) +
                            std::string(3'000'000, '\0'));
        }).message.ends_with("the file has 3000000"));
}

// ---- conversions -------------------------------------------------------------------------------

TEST_CASE("NpyArray converts between float32 and float64") {
  npy::NpyArray a;
  a.shape = {1, 3};
  a.rows = 1;
  a.cols = 3;
  a.values = std::vector<double>{0.1, -2.5, 1e300};
  // 0.1 rounds to the nearest float; 1e300 is beyond float's range and becomes infinity.
  CHECK(a.to_f32() == std::vector<float>{0.1f, -2.5f, std::numeric_limits<float>::infinity()});
  CHECK(a.to_matrix() == Matrix{{0.1, -2.5, 1e300}});
  a.values = std::vector<float>{0.1f, -2.5f, 3};
  CHECK(a.dtype() == npy::DType::f32);
  CHECK(a.to_matrix() == Matrix{{double{0.1f}, -2.5, 3}});  // widening is exact
  CHECK(npy::dtype_name(npy::DType::f32) == "float32");
  CHECK(npy::dtype_name(npy::DType::f64) == "float64");
}

// ---- writing
// -------------------------------------------------------------------------------------

TEST_CASE("write produces exactly the bytes np.save does") {
  TempDir dir;
  npy::write(dir / "f8.npy", a_2x3);
  CHECK(slurp(dir / "f8.npy") == slurp(fixture("c_f8_2x3.npy")));
  npy::write(dir / "f4.npy", a_2x3, npy::DType::f32);
  CHECK(slurp(dir / "f4.npy") == slurp(fixture("c_f4_2x3.npy")));
  const std::vector<float> f{0, 0.25f, 0.5f, 0.75f, 1, 1.25f};
  npy::write_f32(dir / "f32.npy", 2, 3, f);
  CHECK(slurp(dir / "f32.npy") == slurp(fixture("c_f4_2x3.npy")));
  CHECK(dir.entries() == 3);  // and no temporaries left behind
}

TEST_CASE("header_bytes pads the header so the data starts at a multiple of 64") {
  using Shape = std::vector<std::size_t>;
  const std::string h = npy::header_bytes(npy::DType::f64, Shape{2, 3});
  CHECK(h.size() == 128);
  CHECK(h.substr(0, 10) == "\x93NUMPY\1\0\x76\0"sv);  // 118 = 128 - 10
  // The dict, then spaces (NumPy leaves room for the first dimension to grow), then a newline.
  const std::string_view dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }";
  CHECK(h.substr(10, dict.size()) == dict);
  CHECK(h.find_first_not_of(' ', 10 + dict.size()) == 127);
  CHECK(h.back() == '\n');
  for (const Shape& shape : {Shape{}, Shape{7}, Shape{1, 1}, Shape{123456789, 987654321},
                             Shape{SIZE_MAX, SIZE_MAX}, Shape(40, 1)}) {
    CAPTURE(npy::shape_repr(shape));
    for (const npy::DType dtype : {npy::DType::f32, npy::DType::f64}) {
      const std::string b = npy::header_bytes(dtype, shape);
      CHECK(b.size() % 64 == 0);
      const npy::Header parsed =
          npy::parse_header({reinterpret_cast<const unsigned char*>(b.data()), b.size()}, "h");
      CHECK(parsed.shape == shape);
      CHECK(parsed.dtype == dtype);
      CHECK(parsed.data_offset == b.size());
    }
  }
}

TEST_CASE("write then read gives back the same matrix") {
  TempDir dir;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  Matrix m{{0.1, -0.0, 1e-310, 1e300}, {-inf, nan, 3.0, -7.25}, {1, 2, 3, 4}};
  SUBCASE("float64 keeps every bit") {
    npy::write(dir / "m.npy", m);
    const Matrix back = npy::read_matrix(dir / "m.npy");
    REQUIRE(back.rows() == 3);
    REQUIRE(back.cols() == 4);
    for (std::size_t i = 0; i < m.size(); ++i) {
      CAPTURE(i);
      CHECK(same_bits(back.values()[i], m.values()[i]));
    }
  }
  SUBCASE("float32 rounds each value to the nearest float") {
    npy::write(dir / "m.npy", m, npy::DType::f32);
    const npy::NpyArray back = npy::read(dir / "m.npy");
    REQUIRE(back.dtype() == npy::DType::f32);
    const auto& f = std::get<std::vector<float>>(back.values);
    for (std::size_t i = 0; i < m.size(); ++i) {
      CAPTURE(i);
      CHECK(std::bit_cast<std::uint32_t>(f[i]) ==
            std::bit_cast<std::uint32_t>(static_cast<float>(m.values()[i])));
    }
  }
  SUBCASE("a larger matrix, written in more than one block") {
    Matrix big(300, 70);
    for (std::size_t i = 0; i < big.size(); ++i) big.values()[i] = static_cast<double>(i) / 8;
    npy::write(dir / "big.npy", big, npy::DType::f32);
    CHECK(npy::read_matrix(dir / "big.npy") == big);  // i/8 is exact in float32 for i < 2^21
    npy::write(dir / "big.npy", big);
    CHECK(npy::read_matrix(dir / "big.npy") == big);
  }
  SUBCASE("an empty matrix") {
    npy::write(dir / "empty.npy", Matrix(0, 5));
    CHECK(npy::read(dir / "empty.npy").shape == std::vector<std::size_t>{0, 5});
  }
}

TEST_CASE("write replaces an existing file whole") {
  TempDir dir;
  put(dir / "o.npy", "old contents");
  npy::write(dir / "o.npy", a_2x3);
  CHECK(npy::read_matrix(dir / "o.npy") == a_2x3);
  CHECK(dir.entries() == 1);
}

TEST_CASE("write fails cleanly, leaving no file and no temporary") {
  TempDir dir;
  const Thrown no_dir = thrown([&] { npy::write(dir / "missing" / "o.npy", a_2x3); });
  CHECK(no_dir.code == Exit::cant_create);
  CHECK(no_dir.message ==
        "cannot create '" + (dir / "missing" / "o.npy").string() + "': No such file or directory");

  fs::create_directory(dir / "taken");
  put(dir / "taken" / "inside", "x");
  const Thrown is_dir = thrown([&] { npy::write(dir / "taken", a_2x3); });
  CHECK(is_dir.code == Exit::cant_create);
  CHECK(is_dir.message == "cannot create '" + (dir / "taken").string() + "': Is a directory");
  CHECK(fs::is_directory(dir / "taken"));
  CHECK(dir.entries() == 1);  // just "taken": the temporary was removed

  const std::vector<float> three{1, 2, 3};
  CHECK_THROWS_AS(npy::write_f32(dir / "o.npy", 2, 2, three), std::invalid_argument);
  CHECK(dir.entries() == 1);
}

// ---- bytes in memory ----------------------------------------------------------------

TEST_CASE("decode reads .npy bytes already in memory") {
  const std::string bytes = slurp(fixture("fortran_be_f4_2x3.npy"));
  const std::span<const unsigned char> span(reinterpret_cast<const unsigned char*>(bytes.data()),
                                            bytes.size());
  CHECK(npy::decode(span, "mem").to_matrix() == a_2x3);
  CHECK(thrown([&] { npy::decode(span.first(span.size() - 1), "mem"); }).message ==
        "mem: data is truncated: shape (2, 3) float32 needs 24 bytes after the header, the file "
        "has 23");
}

TEST_CASE("read_tensor maps a large file and keeps changes to the elements private") {
  TempDir dir;
  attn::Tensor t(attn::DType::f32, {512, 1024}, 4096);  // 2 MB: mapped, not read
  for (std::size_t i = 0; i < t.count(); ++i) t.values<float>()[i] = static_cast<float>(i % 977);
  npy::write(dir / "big.npy", t);
  attn::Tensor back = npy::read_tensor(dir / "big.npy");
  CHECK(back.shape() == t.shape());
  CHECK(std::memcmp(back.data(), t.data(), t.bytes()) == 0);
  CHECK(back.headroom().empty());  // the header before the mapped elements is not free
  back.values<float>()[0] = -1;
  CHECK(npy::read_tensor(dir / "big.npy").at(0) == 0.0);  // the file is unchanged
}
