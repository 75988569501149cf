#include "attn/io/safetensors.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "attn/core/error.hpp"
#include "attn/io/npy.hpp"

namespace fs = std::filesystem;
namespace st = attn::safetensors;
using attn::DType;
using attn::Tensor;

namespace {

// Fixtures written by tests/data/tensor/make_fixtures.py with Python's json and struct: an
// independent writer of the format.
std::string fixture(const std::string& name) {
  return (fs::path(ATTN_SOURCE_DIR) / "tests/data/tensor" / name).string();
}

fs::path scratch(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("attn-st-test-" + std::to_string(::getpid()));
  fs::create_directories(d);
  return d / name;
}

struct Thrown {
  attn::Exit code = attn::Exit::ok;
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

TEST_CASE("read takes the tensors an independent writer put in the file") {
  const st::Index index = st::read_index(fixture("layer.safetensors"));
  REQUIRE(index.tensors.size() == 3);
  CHECK(index.tensors[0].name == "q");  // the header's order
  CHECK(index.metadata.at("format") == "pt");
  CHECK(st::names(fixture("layer.safetensors")) == std::vector<std::string>{"q", "k", "v"});
  const Tensor q = st::read(fixture("layer.safetensors"), "q");
  CHECK(q.dtype() == DType::f32);
  CHECK(q.shape() == std::vector<std::size_t>{1, 1, 6, 4});
  // the same numbers as q.npy, rounded to float32
  const attn::Matrix want = attn::npy::read_matrix(fixture("q.npy"));
  for (std::size_t n = 0; n < 24; ++n) CHECK(q.at(n) == static_cast<float>(want.values()[n]));
  const Tensor v = st::read(fixture("layer.safetensors"), "v");
  CHECK(v.shape() == std::vector<std::size_t>{1, 1, 6, 3});

  SUBCASE("bfloat16 and float16") {
    const Tensor b = st::read(fixture("layer_bf16.safetensors"), "q");
    CHECK(b.dtype() == DType::bf16);
    CHECK(std::abs(b.at(5) - want.values()[5]) <= 0x1p-8 * std::abs(want.values()[5]));
    const Tensor h = st::read(fixture("q_f16.safetensors"), "q");  // unpadded header
    CHECK(h.dtype() == DType::f16);
    CHECK(h.at(0) == attn::npy::read_tensor(fixture("q_f16.npy")).at(0));
  }
}

TEST_CASE("a missing tensor lists the ones there are") {
  CHECK(thrown([] { st::read(fixture("layer.safetensors"), "o"); }).message ==
        fixture("layer.safetensors") + ": no tensor named 'o' (it holds q, k, v)");
}

TEST_CASE("every header defect is a data error naming the file and the fault") {
  const auto error = [](const std::string& name) {
    return thrown([&] { st::read(fixture(name), "q"); });
  };
  const std::pair<const char*, const char*> cases[] = {
      {"bad_truncated.safetensors",
       "tensor 'q': data_offsets [0, 96] run past the end of the data (91 bytes)"},
      {"bad_short.safetensors",
       "file ends after 5 bytes, inside the 8-byte header length of a safetensors file"},
      {"bad_huge_header.safetensors",
       "safetensors header length 1099511627776 is more than the 100000000 allowed"},
      {"bad_header_past_end.safetensors",
       "safetensors header length 176 runs past the end of the file (176 bytes)"},
      {"bad_not_json.safetensors", "the safetensors header is not valid JSON (at byte 2 of 8)"},
      {"bad_dtype.safetensors",
       "tensor 'q': dtype 'F8_E4M3' is not supported (attn reads F16, BF16, F32, F64, BOOL, U8, "
       "I8, I16, I32, I64)"},
      {"bad_shape.safetensors",
       "tensor 'q': shape (6, 5) of F32 needs 120 bytes, but data_offsets [0, 96] hold 96"},
      {"bad_outside.safetensors",
       "tensor 'q': data_offsets [8, 104] run past the end of the data (96 bytes)"},
      {"bad_overlap.safetensors", "tensors 'q' and 'k' overlap (bytes 64 to 96)"},
      {"bad_gap.safetensors", "bytes 0 to 16 of the data belong to no tensor"},
      {"bad_metadata.safetensors", "__metadata__ 'step' is not a string (every value must be)"},
  };
  for (const auto& [file, message] : cases) {
    CAPTURE(file);
    const Thrown t = error(file);
    CHECK(t.code == attn::Exit::data);
    CHECK(t.message == fixture(file) + ": " + message);
  }
  CHECK(thrown([] { st::read("/nonexistent.safetensors", "q"); }).code == attn::Exit::no_input);
}

TEST_CASE("parse_header checks the entries' keys and values") {
  const auto error = [](const std::string& header, std::size_t buffer) {
    return thrown([&] { st::parse_header(header, buffer, "f"); }).message;
  };
  CHECK(error(R"([1])", 0) == "f: the safetensors header is not a JSON object");
  // what no JSON document may hold: a number beyond a double's range (once an uncaught exception,
  // found by the safetensors fuzzer) and a tensor named twice (a JSON reader would keep one)
  CHECK(error(R"({"q": {"dtype": "F32", "shape": [1e400], "data_offsets": [0, 4]}})", 4) ==
        "f: the safetensors header: number overflow parsing '1e400'");
  CHECK(error(R"({"q": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
                  "q": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}})",
              4) == "f: the safetensors header: the key \"q\" is given twice");
  CHECK(error(R"({"q": 1})", 0) == "f: tensor 'q': its entry is not an object");
  CHECK(error(R"({"q": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4], "x": 1}})", 4) ==
        "f: tensor 'q': unexpected key 'x' (expected dtype, shape and data_offsets)");
  CHECK(error(R"({"q": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}})", 4) ==
        "f: tensor 'q': shape [-1] is not a list of dimensions");
  CHECK(error(R"({"q": {"dtype": "F32", "shape": [1], "data_offsets": [4, 0]}})", 4) ==
        "f: tensor 'q': data_offsets [4, 0] end before they begin");
  CHECK(error(R"({"q": {"dtype": "F32", "shape": [1]}})", 4) ==
        "f: tensor 'q': no data_offsets [BEGIN, END]");
  CHECK(error(R"({"q": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}})", 12) ==
        "f: bytes 8 to 12 of the data belong to no tensor");
  // one byte is enough: a U8 tensor of one element a byte apart, a byte into the other, or a
  // byte past the end of a 2-byte buffer
  CHECK(error(R"({"a": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]},
                  "b": {"dtype": "U8", "shape": [1], "data_offsets": [2, 3]}})",
              3) == "f: bytes 1 to 2 of the data belong to no tensor");
  CHECK(error(R"({"a": {"dtype": "U8", "shape": [2], "data_offsets": [0, 2]},
                  "b": {"dtype": "U8", "shape": [1], "data_offsets": [1, 2]}})",
              2) == "f: tensors 'a' and 'b' overlap (bytes 1 to 2)");
  CHECK(error(R"({"a": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]},
                  "b": {"dtype": "U8", "shape": [2], "data_offsets": [1, 3]}})",
              2) == "f: tensor 'b': data_offsets [1, 3] run past the end of the data (2 bytes)");
  // a scalar (shape []) has one element; an empty tensor takes no bytes
  CHECK(st::parse_header(R"({"s": {"dtype": "F64", "shape": [], "data_offsets": [0, 8]},
                             "e": {"dtype": "F32", "shape": [0, 3], "data_offsets": [8, 8]}})",
                         8, "f")
            .tensors.size() == 2);
}

TEST_CASE("write, then read: the same tensors, and a header the format allows") {
  Tensor a(DType::bf16, {2, 3}, 4096);
  for (std::size_t i = 0; i < 6; ++i)
    a.values<std::uint16_t>()[i] = attn::f32_to_bf16(static_cast<float>(i) - 2.5f);
  Tensor b(DType::f64, {4});
  for (std::size_t i = 0; i < 4; ++i) b.values<double>()[i] = 1.0 / static_cast<double>(i + 1);
  const fs::path one = scratch("one.safetensors");
  const std::pair<std::string, Tensor*> single[] = {{"o", &a}};
  st::write(one, single, {{"written_by", "attn"}});
  const Tensor back = st::read(one, "o");
  CHECK(back.dtype() == DType::bf16);
  CHECK(back.shape() == a.shape());
  CHECK(std::memcmp(back.data(), a.data(), a.bytes()) == 0);
  CHECK(st::read_index(one).metadata.at("written_by") == "attn");
  CHECK(st::read_index(one).buffer_start % 8 == 0);

  const fs::path two = scratch("two.safetensors");
  const std::pair<std::string, Tensor*> pair[] = {{"a", &a}, {"b", &b}};
  st::write(two, pair);
  CHECK(st::read(two, "b").at(2) == 1.0 / 3);
  CHECK(st::read(two, "a").at(5) == 2.5);
}
