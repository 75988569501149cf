// libFuzzer target: a student's answers file (attn::parse_answers). The first byte bounds the
// question numbers (0 to 31); the rest is the file.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "attn/core/error.hpp"
#include "attn/teach/grade.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  try {
    const attn::StudentAnswers a = attn::parse_answers(text, "answers.json", data[0] % 32u);
    for (const auto& [number, answer] : a.answers)
      if (number == 0 || number > data[0] % 32u) __builtin_trap();
  } catch (const attn::Error&) {
  }
  return 0;
}
