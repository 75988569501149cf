// A private folder for the files a unit test writes: made once per test binary and process, under
// the system's temporary folder, named after the test file that asks for it.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>

namespace attn_test {

// temp/attn-NAME-test-PID, made on the first call; the same path on every later one.
inline std::filesystem::path scratch_dir(const std::string& name) {
  std::filesystem::path d = std::filesystem::temp_directory_path() /
                            ("attn-" + name + "-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(d);
  return d;
}

}  // namespace attn_test
