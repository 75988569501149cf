// io/npy_header: where a header ends, read from a file's first 12 bytes. (parse_header and
// header_bytes, also in this component, are tested beside the reader in npy_test.cpp.)
#include <doctest/doctest.h>

#include <span>
#include <string>
#include <vector>

#include "attn/core/error.hpp"
#include "attn/io/npy.hpp"

namespace npy = attn::npy;

namespace {

std::span<const unsigned char> first_12(const std::string& bytes) {
  return {reinterpret_cast<const unsigned char*>(bytes.data()), 12};
}

}  // namespace

TEST_CASE("header_end: the preamble's bytes plus the header length it gives") {
  // Version 1.0: 6 bytes of magic, 2 of version, a 2-byte length 0x0076 = 118: 10 + 118 = 128.
  const std::string v1 = std::string("\x93NUMPY\x01\x00\x76\x00{'", 12);
  CHECK(npy::header_end(first_12(v1), "v1.npy") == 128);
  // Version 2.0: a 4-byte length 0x00010074 = 65652, after a 12-byte preamble: 65664.
  const std::string v2 = std::string("\x93NUMPY\x02\x00\x74\x00\x01\x00", 12);
  CHECK(npy::header_end(first_12(v2), "v2.npy") == 12 + 65652);
  // What header_bytes writes ends where header_end says.
  const std::vector<std::size_t> shape{2, 3};
  const std::string written = npy::header_bytes(npy::DType::f64, shape);
  CHECK(npy::header_end(first_12(written), "w.npy") == written.size());
}

TEST_CASE("header_end: a file that is not .npy is a data error naming it") {
  const std::string png = std::string("\x89PNG\r\n\x1a\n\0\0\0\r", 12);
  try {
    (void)npy::header_end(first_12(png), "picture.npy");
    FAIL("expected an error");
  } catch (const attn::Error& e) {
    CHECK(e.code() == attn::Exit::data);
    CHECK(std::string(e.what()).starts_with("picture.npy: not a .npy file"));
  }
}
