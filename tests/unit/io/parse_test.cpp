#include "attn/io/parse.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "attn/core/error.hpp"

using attn::Exit;
using attn::Matrix;
using namespace std::string_literals;

namespace {

std::pair<Exit, std::string> error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const attn::Error& e) {
    return {e.code(), e.what()};
  }
  return {Exit::ok, ""};
}

// A file under the temporary directory with `content`, removed at the end.
struct TempFile {
  std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("attn-parse-" + std::to_string(::getpid()));
  explicit TempFile(const std::string& content) {
    std::ofstream(path, std::ios::binary) << content;
  }
  ~TempFile() { std::filesystem::remove(path); }
};

}  // namespace

TEST_CASE("parse_number: from_chars syntax, the Unicode minus, a leading +") {
  CHECK(attn::parse_number("2", "--q") == 2.0);
  CHECK(attn::parse_number(" -0.5 ", "--q") == -0.5);
  CHECK(attn::parse_number("1e-3", "--q") == 0.001);
  CHECK(attn::parse_number("+4", "--q") == 4.0);
  CHECK(attn::parse_number("−1.5", "--q") == -1.5);  // U+2212, as course notes print it
  CHECK(error_of([] { attn::parse_number("x", "--q"); }) ==
        std::pair{Exit::usage, "--q: 'x' is not a number"s});
  CHECK(error_of([] { attn::parse_number("1e400", "--q"); }) ==
        std::pair{Exit::data, "--q: '1e400' is out of the range of a double"s});
}

TEST_CASE("parse_matrix: the literal forms and JSON give the same matrix") {
  const Matrix m{{1, 0}, {0, 1}};
  CHECK(attn::parse_matrix("1,0;0,1", "--q") == m);
  CHECK(attn::parse_matrix("1 0; 0 1", "--q") == m);
  CHECK(attn::parse_matrix("[[1,0],[0,1]]", "--q") == m);
  CHECK(attn::parse_matrix("1,0;0,1;", "--q") == m);  // a trailing ; is harmless
  CHECK(attn::parse_matrix("[2,0.5]", "--q") == Matrix{{2, 0.5}});
  CHECK(attn::parse_matrix("-inf,0", "--scores", attn::Allow::blocked)(0, 0) ==
        -std::numeric_limits<double>::infinity());
}

TEST_CASE("parse_matrix: empty items, ragged rows and non-finite values are named") {
  CHECK(error_of([] { attn::parse_matrix("1,,2", "--q"); }) ==
        std::pair{Exit::usage, "--q: empty value at row 0, column 1 in '1,,2'"s});
  CHECK(error_of([] { attn::parse_matrix("1,2;3", "--q"); }) ==
        std::pair{Exit::data, "--q: row 1 has 1 value but row 0 has 2"s});
  CHECK(error_of([] { attn::parse_matrix("1;;2", "--q"); }) ==
        std::pair{Exit::data, "--q: row 1 is empty"s});
  CHECK(error_of([] { attn::parse_matrix("1,nan", "--q"); }) ==
        std::pair{Exit::data, "--q[1] is nan: inputs must be finite numbers"s});
  // −∞ stands for a blocked cell only where one may be (scores, masks)
  CHECK(error_of([] { attn::parse_matrix("-inf", "--q"); }) ==
        std::pair{Exit::data, "--q[0] is -inf: inputs must be finite numbers"s});
}

TEST_CASE("parse_json: a key given twice is refused, at any depth") {
  // nlohmann keeps the last of two equal keys; {"q":[1,2],…,"q":[3,4]} would be read as [3,4].
  CHECK(error_of([] { attn::parse_json(R"({"q":[1,2],"k":[1,2],"q":[3,4]})", "stdin"); }) ==
        std::pair{Exit::data, R"(stdin: the key "q" is given twice)"s});
  CHECK(error_of([] {
          attn::parse_json(R"({"answers": {"1": 0.5, "2": "B", "1": 0.7}})", "a.json");
        }) == std::pair{Exit::data, R"(a.json: the key "1" is given twice in "answers")"s});
  CHECK(error_of([] { attn::parse_json(R"({"a": {"b": {"x": 1, "x": 2}}})", "d"); }) ==
        std::pair{Exit::data, R"(d: the key "x" is given twice in "a.b")"s});
  // The same key in two different objects is no repetition.
  CHECK_NOTHROW(
      attn::parse_json(R"({"a": {"x": 1}, "b": {"x": 2}, "x": [{"x": 3}, {"x": 4}]})", "d"));
}

TEST_CASE("parse_json: a NUL byte is refused with its offset, not taken as the end") {
  const std::string text = "{\"q\":[1],\"k\":[1]}\0junk"s;
  CHECK(error_of([&] { attn::parse_json(text, "stdin"); }) ==
        std::pair{Exit::data, "stdin: a NUL byte at offset 17: JSON is text"s});
  // Without the NUL, the junk after the document is a syntax error, as before.
  CHECK(error_of([] { attn::parse_json("{\"q\":[1]}junk", "stdin"); }).first == Exit::data);
}

TEST_CASE("parse_json: nesting and size limits stop the parser early") {
  const std::string deep = std::string(100'000, '[') + std::string(100'000, ']');
  CHECK(error_of([&] { attn::parse_json(deep, "stdin"); }) ==
        std::pair{Exit::data, "stdin: JSON nested deeper than 64 levels"s});
  CHECK(error_of([] { attn::parse_json("  \n", "stdin"); }) ==
        std::pair{Exit::data, "stdin: the input is empty"s});
  CHECK(error_of([] { attn::parse_json("[1e999]", "x"); }) ==
        std::pair{Exit::data, "x: number overflow parsing '1e999'"s});
}

TEST_CASE("read_text: a NUL byte is refused as it streams in, /dev/zero at its first byte") {
  CHECK(error_of([] { attn::read_text("/dev/zero"); }) ==
        std::pair{Exit::data, "'/dev/zero': a NUL byte at offset 0: attn reads text"s});
  // Far into a file: the offset counts from the start, across read chunks (64 KiB each).
  const TempFile file(std::string(200'000, ' ') + '\0');
  CHECK(error_of([&] { attn::read_text(file.path.string()); }) ==
        std::pair{Exit::data,
                  "'" + file.path.string() + "': a NUL byte at offset 200000: attn reads text"});
}

TEST_CASE("read_text: the cap applies as the bytes arrive") {
  const TempFile file(std::string(100, '1'));
  CHECK(attn::read_text(file.path.string(), 100).size() == 100);
  CHECK(error_of([&] { attn::read_text(file.path.string(), 99); }) ==
        std::pair{Exit::data, "'" + file.path.string() + "' is larger than 99 bytes"});
  CHECK(error_of([] { attn::read_text("/nonexistent/x.json"); }).first == Exit::no_input);
  CHECK(error_of([] { attn::read_text("/tmp"); }).first == Exit::no_input);
}

TEST_CASE("matrix_from_json: vectors, matrices, blocked cells") {
  CHECK(attn::matrix_from_json(nlohmann::json::parse("[1,2]"), "x") == Matrix{{1, 2}});
  CHECK(attn::matrix_from_json(nlohmann::json::parse("[[1],[2]]"), "x") == Matrix{{1}, {2}});
  CHECK(std::isinf(attn::matrix_from_json(nlohmann::json::parse(R"(["-Infinity"])"), "x",
                                          attn::Allow::blocked)(0, 0)));
  CHECK(error_of([] { attn::matrix_from_json(nlohmann::json::parse("[[1],2]"), "x"); }) ==
        std::pair{Exit::data, "x[1] is number, but the other rows are arrays"s});
}
