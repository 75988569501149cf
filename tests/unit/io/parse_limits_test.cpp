// The input limits (JSON depth, number size, value count, file size, d_k and heads) that keep a
// hostile input a clear error, and invalid UTF-8 quoted in messages.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "../support/random_inputs.hpp"
#include "attn/core/attention.hpp"
#include "attn/core/error.hpp"
#include "attn/io/input.hpp"
#include "attn/io/parse.hpp"
#include "attn/mask/expr.hpp"

using attn::BoolMatrix;
using attn::Geometry;
using attn::MaskExpr;
using attn::Matrix;
using doctest::Approx;
using namespace attn_test;

TEST_CASE("limits: JSON nesting") {
  SUBCASE("100 000 nested arrays are refused at level 65, without recursion") {
    const std::string deep = std::string(100000, '[') + std::string(100000, ']');
    CHECK(error_of([&] { attn::parse_json(deep, "--q"); }) ==
          "--q: JSON nested deeper than 64 levels");
    CHECK(error_of([&] { attn::parse_matrix(deep, "--q"); }) ==
          "--q: JSON nested deeper than 64 levels");
  }
  SUBCASE("100 000 unclosed objects") {
    CHECK(error_of([&] {
            attn::parse_json(std::string(100000, '{'), "in");
          }).starts_with("in: malformed JSON at line 1, column 2"));
    const std::string objects = [] {
      std::string s;
      for (int d = 0; d < 100000; ++d) s += "{\"a\":";
      return s + "1" + std::string(100000, '}');
    }();
    CHECK(error_of([&] { attn::parse_json(objects, "in"); }) ==
          "in: JSON nested deeper than 64 levels");
  }
  SUBCASE("64 levels parse, and the value can be dumped and copied") {
    const std::string ok = std::string(64, '[') + "1" + std::string(64, ']');
    const nlohmann::json j = attn::parse_json(ok, "in");
    const nlohmann::json copy = j;
    CHECK(copy.dump() == ok);
  }
}

TEST_CASE("limits: numbers too large for a double") {
  CHECK(error_of([] { attn::parse_matrix("[1e400]", "--q"); }) ==
        "--q: number overflow parsing '1e400'");
  CHECK(error_of([] { attn::parse_json(R"({"q": [[1, -1e999]]})", "in.json"); }) ==
        "in.json: number overflow parsing '-1e999'");
  CHECK(error_of([] { attn::parse_matrix("1,1e400", "--q"); }) ==
        "--q: '1e400' is out of the range of a double");
  try {
    attn::parse_matrix("[1e400]", "--q");
  } catch (const attn::Error& e) {
    CHECK(e.code() == attn::Exit::data);
    CHECK(e.hint() == "numbers must fit in a double (at most about 1.8e308)");
  }
  // The largest double is fine.
  CHECK(attn::parse_matrix("[1.7976931348623157e308]", "--q")(0, 0) ==
        std::numeric_limits<double>::max());
}

TEST_CASE("limits: invalid UTF-8 is quoted as \\xNN in messages") {
  CHECK(error_of([] { attn::parse_json("{\"q\": \"\xff\"}", "in.json"); }) ==
        "in.json: malformed JSON at line 1, column 8: syntax error while parsing value - invalid "
        "string: ill-formed UTF-8 byte; last read: '\"\\xFF'");
  CHECK(error_of([] { attn::parse_matrix("1,\xc3(", "--q"); }) == "--q: '\\xC3(' is not a number");
  // Valid UTF-8 is kept as it is.
  CHECK(error_of([] { attn::parse_matrix("1,é", "--q"); }) == "--q: 'é' is not a number");
}

TEST_CASE("limits: too many values") {
  // 50 000 001 values without building them: the JSON parser counts before the DOM is built.
  // Checked on a smaller scale through matrix_from_json's own count, which is the same code path.
  SUBCASE("matrix_from_json counts rows times columns") {
    nlohmann::json row = nlohmann::json::array();
    row.get_ref<nlohmann::json::array_t&>().resize(10000, 0);
    nlohmann::json rows = nlohmann::json::array();
    rows.get_ref<nlohmann::json::array_t&>().resize(5001, row);
    CHECK(error_of([&] { attn::matrix_from_json(rows, "input.q"); }) ==
          "input.q has more than 50000000 values");
  }
}

TEST_CASE("limits: read_text refuses files and streams over the limit") {
  const std::filesystem::path dir = std::filesystem::temp_directory_path();
  const std::filesystem::path small = dir / fmt::format("attn-props-{}.json", ::getpid());
  { std::ofstream(small) << "[1, 2, 3]"; }
  CHECK(attn::read_text(small.string(), 9) == "[1, 2, 3]");
  CHECK(error_of([&] { attn::read_text(small.string(), 8); }) ==
        fmt::format("'{}' is larger than 8 bytes", small.string()));
  // A sparse file a little over 1 GiB is refused from its size, before any of it is read.
  const std::filesystem::path big = dir / fmt::format("attn-props-big-{}.json", ::getpid());
  { std::ofstream(big) << "["; }
  std::filesystem::resize_file(big, attn::max_text_bytes + 1);
  CHECK(error_of([&] { attn::read_text(big.string()); }) ==
        fmt::format("'{}' is larger than 1 GiB", big.string()));
  std::filesystem::remove(big);
  std::filesystem::remove(small);
  CHECK(error_of([&] { attn::read_text(dir.string()); }) ==
        fmt::format("'{}' is a directory, not a file", dir.string()));
}

TEST_CASE("limits: d_k and head counts") {
  CHECK(error_of([] { attn::parse_matrix("[[]]", "--q"); }) == "--q is empty");
  CHECK(error_of([] { attn::parse_matrix("[[], []]", "--q"); }) == "--q is empty");
  attn::InputArgs args;
  args.q = "1,2";
  args.k = "1,2";
  args.heads = 0;
  CHECK(error_of([&] { attn::load_input(args, attn::Stage::scores); }) ==
        "--heads must be from 1 to 4096, not 0");
  args.heads = 4097;
  CHECK(error_of([&] { attn::load_input(args, attn::Stage::scores); }) ==
        "--heads must be from 1 to 4096, not 4097");
  args.heads = 1;
  args.kv_heads = 100000;
  CHECK(error_of([&] { attn::load_input(args, attn::Stage::scores); }) ==
        "--kv-heads must be from 1 to 4096, not 100000");
}
