// Errors thrown by the library and caught once, in main, where they become a message and an
// exit code. Each carries the code it maps to, so the library decides what kind of failure it is.
#pragma once

#include <stdexcept>
#include <string>

namespace attn {

// Exit codes, after grep/ripgrep (0, 1, 2) and sysexits(3) (65 and up).
enum class Exit : int {
  ok = 0,
  negative = 1,      // a check ran and found something wrong (e.g. `attn check` graded a mistake)
  usage = 2,         // unknown flag or command, unparsable number, bad mask expression
  data = 65,         // the input was read but is not valid (shapes, NaN, malformed JSON)
  no_input = 66,     // an input file is missing or unreadable
  internal = 70,     // a bug in attn
  cant_create = 73,  // an output file cannot be created
  io = 74,           // reading or writing failed part way
};

class Error : public std::runtime_error {
 public:
  Error(Exit code, const std::string& message, std::string hint = {})
      : std::runtime_error(message), code_(code), hint_(std::move(hint)) {}

  Exit code() const noexcept { return code_; }
  // How to fix it, or empty.
  const std::string& hint() const noexcept { return hint_; }

 private:
  Exit code_;
  std::string hint_;
};

inline Error usage_error(const std::string& message, std::string hint = {}) {
  return {Exit::usage, message, std::move(hint)};
}
inline Error data_error(const std::string& message, std::string hint = {}) {
  return {Exit::data, message, std::move(hint)};
}

}  // namespace attn
