#include "attn/io/output_file.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "attn/core/error.hpp"

namespace fs = std::filesystem;

namespace {

// A fresh empty directory under the system's temporary directory, removed at the end.
struct TempDir {
  fs::path path = fs::temp_directory_path() / ("attn-output-file-" + std::to_string(::getpid()));
  TempDir() {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::size_t entries(const fs::path& dir) {
  return static_cast<std::size_t>(
      std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

}  // namespace

TEST_CASE("write_file_atomically writes the whole content and leaves no temporary file") {
  TempDir dir;
  const auto file = dir.path / "heatmap.svg";
  attn::write_file_atomically(file, "<svg/>\n");
  CHECK(slurp(file) == "<svg/>\n");
  attn::write_file_atomically(file, "replaced");  // over an existing file
  CHECK(slurp(file) == "replaced");
  CHECK(entries(dir.path) == 1);
}

TEST_CASE("write_file_atomically into a missing directory: cant_create, nothing left behind") {
  TempDir dir;
  const auto file = dir.path / "no-such-dir" / "x.svg";
  try {
    attn::write_file_atomically(file, "<svg/>");
    FAIL("no error");
  } catch (const attn::Error& e) {
    CHECK(e.code() == attn::Exit::cant_create);
    CHECK(std::string(e.what()) ==
          "cannot create '" + file.string() + "': No such file or directory");
  }
  CHECK_FALSE(fs::exists(file));
  CHECK(entries(dir.path) == 0);
}

TEST_CASE("write_file_atomically over a directory: cant_create, the temporary file removed") {
  TempDir dir;
  fs::create_directory(dir.path / "taken");
  CHECK_THROWS_AS(attn::write_file_atomically(dir.path / "taken", "x"), attn::Error);
  CHECK(entries(dir.path) == 1);  // just "taken"
  CHECK(fs::is_directory(dir.path / "taken"));
}
