#include "attn/io/npz.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "attn/core/error.hpp"

namespace fs = std::filesystem;
namespace npy = attn::npy;
namespace npz = attn::npz;
using attn::Exit;
using attn::Matrix;

namespace {

// Fixtures made by tests/data/npy/make_fixtures.py with NumPy 1.24.2.
fs::path fixture(std::string_view name) {
  return fs::path(ATTN_SOURCE_DIR) / "tests/data/npy" / name;
}
std::string fixture_name(std::string_view name) {
  return fixture(name).string();
}

// np.arange(6).reshape(2, 3) / 4: the array the archives hold.
const Matrix a_2x3{{0, 0.25, 0.5}, {0.75, 1, 1.25}};

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

}  // namespace

TEST_CASE("npz::read reads the arrays np.savez and np.savez_compressed write") {
  if (!npz::supported()) {
    CHECK(thrown([] { npz::read(fixture("qkv.npz"), "q"); }).message ==
          fixture_name("qkv.npz") + ": this attn was built without .npz support (libzip)");
    return;
  }
  // np.savez(q=A, k=A.astype("<f4"), i=np.arange(2)) and np.savez_compressed(q=A, k=…): zip64
  // members, stored and deflated.
  CHECK(npz::names(fixture("qkv.npz")) == std::vector<std::string>{"q", "k", "i"});
  CHECK(npz::names(fixture("qkv_compressed.npz")) == std::vector<std::string>{"q", "k"});
  for (const std::string_view name : {"qkv.npz", "qkv_compressed.npz"}) {
    CAPTURE(name);
    const npy::NpyArray q = npz::read(fixture(name), "q");
    CHECK(q.dtype() == npy::DType::f64);
    CHECK(q.to_matrix() == a_2x3);
    const npy::NpyArray k = npz::read(fixture(name), "k");
    CHECK(k.dtype() == npy::DType::f32);
    CHECK(k.to_matrix() == a_2x3);
  }
}

TEST_CASE("npz::read names the archive and the member in its errors") {
  if (!npz::supported()) return;
  const auto error = [](std::string_view name, std::string_view array) {
    return thrown([&] { npz::read(fixture(name), array); });
  };
  const Thrown missing_array = error("qkv.npz", "v");
  CHECK(missing_array.code == Exit::data);
  CHECK(missing_array.message ==
        fixture_name("qkv.npz") + ": no array named 'v' (it holds q, k, i)");
  CHECK(error("qkv.npz", "i").message == fixture_name("qkv.npz") +
                                             ":i.npy: dtype int64 is not supported here (use "
                                             "float32 or float64: arr.astype(np.float64))");
  const Thrown crc = error("crc.npz", "q");  // one data byte flipped after NumPy wrote it
  CHECK(crc.code == Exit::data);
  CHECK(crc.message == fixture_name("crc.npz") + ":q.npy: cannot read: CRC error");
  CHECK(error("c_f8_2x3.npy", "q").message ==
        fixture_name("c_f8_2x3.npy") + ": not a .npz file (it is not a zip archive)");
  const Thrown no_file = error("no_such_file.npz", "q");
  CHECK(no_file.code == Exit::no_input);
  CHECK(no_file.message ==
        "cannot open '" + fixture_name("no_such_file.npz") + "': No such file or directory");
  const Thrown directory = error("", "q");
  CHECK(directory.code == Exit::no_input);
  CHECK(directory.message == "cannot open '" + fixture_name("") + "': Is a directory");
}
