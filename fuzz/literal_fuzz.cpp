// libFuzzer target: command-line vector and matrix literals (attn::parse_matrix).
// The first byte chooses Allow::finite or Allow::blocked; the rest is the literal. `@file` is
// skipped: a fuzzer must not read files (`@-` would wait on stdin).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "attn/core/error.hpp"
#include "attn/io/parse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const attn::Allow allow = (data[0] & 1) != 0 ? attn::Allow::blocked : attn::Allow::finite;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  if (text.find('@') != std::string_view::npos) return 0;
  try {
    const attn::Matrix m = attn::parse_matrix(text, "--q", allow);
    // What parse_matrix promises: a non-empty rectangle of finite numbers (or −∞ when blocked).
    if (m.empty() || m.size() != m.rows() * m.cols()) __builtin_trap();
    for (const double x : m.values())
      if (!std::isfinite(x) && !(allow == attn::Allow::blocked && x < 0 && std::isinf(x)))
        __builtin_trap();
  } catch (const attn::Error&) {
    // a usage or data error with a message is the right answer to bad input
  }
  return 0;
}
