// libFuzzer target: a quiz sheet's JSON, as `attn check --quiz FILE` reads it (attn::parse_json,
// then attn::quiz_from_json, which re-solves every question), and the sheet rendered back in
// every format. The first byte picks the format and the key mode.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>

#include "attn/core/error.hpp"
#include "attn/io/parse.hpp"
#include "attn/teach/quiz.hpp"
#include "attn/teach/quiz_json.hpp"
#include "attn/teach/sheet.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  const auto format = static_cast<attn::SheetFormat>(data[0] % 4);
  const auto key = static_cast<attn::KeyMode>((data[0] >> 2) % 4);
  try {
    const attn::Quiz quiz = attn::quiz_from_json(attn::parse_json(text, "quiz.json"), "quiz.json");
    if (attn::render_quiz(quiz, format, key).empty() && key != attn::KeyMode::none)
      __builtin_trap();
  } catch (const attn::Error&) {
  }
  return 0;
}
