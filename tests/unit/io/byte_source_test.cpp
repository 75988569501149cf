#include "attn/io/byte_source.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "attn/core/error.hpp"

namespace fs = std::filesystem;

namespace {

fs::path temp_file(const std::string& name, const std::string& bytes) {
  const fs::path p =
      fs::temp_directory_path() / ("attn-byte-source-" + std::to_string(::getpid()) + name);
  std::ofstream(p, std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return p;
}

}  // namespace

TEST_CASE("FileSource reads a regular file, knows its size and seeks") {
  const fs::path p = temp_file("a", "0123456789");
  attn::FileSource in(p);
  CHECK(in.size() == 10u);
  unsigned char buf[4];
  CHECK(in.read(buf, 4) == 4);
  CHECK(std::string(buf, buf + 4) == "0123");
  in.seek(8);
  CHECK(in.read(buf, 4) == 2);  // fewer only at the end
  CHECK(std::string(buf, buf + 2) == "89");
  CHECK(in.read(buf, 4) == 0);
  in.seek(1);
  CHECK(attn::skip_rest(in) == 9);
  fs::remove(p);
}

TEST_CASE("FileSource names a missing file or a directory as no input") {
  const auto code_of = [](const fs::path& p) {
    try {
      attn::FileSource in(p);
    } catch (const attn::Error& e) {
      return std::pair{e.code(), std::string(e.what())};
    }
    return std::pair{attn::Exit::ok, std::string()};
  };
  const auto [missing, missing_text] = code_of("/nonexistent/q.npy");
  CHECK(missing == attn::Exit::no_input);
  CHECK(missing_text == "cannot open '/nonexistent/q.npy': No such file or directory");
  const auto [dir, dir_text] = code_of(fs::temp_directory_path());
  CHECK(dir == attn::Exit::no_input);
  CHECK(dir_text.ends_with("': Is a directory"));
}

TEST_CASE("MemorySource reads bytes in memory like a file") {
  const std::vector<unsigned char> bytes{1, 2, 3, 4, 5};
  attn::MemorySource in(bytes);
  CHECK(in.size() == 5u);
  unsigned char buf[3];
  CHECK(in.read(buf, 3) == 3);
  CHECK(buf[2] == 3);
  CHECK(in.read(buf, 3) == 2);
  CHECK(buf[1] == 5);
  CHECK(in.read(buf, 3) == 0);
}
