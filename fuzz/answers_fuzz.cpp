// libFuzzer target: an answers file graded against a real quiz, as `attn check --seed S --answers
// FILE` does: attn::parse_answers, then attn::grade, which reads each answer as the question's
// kind asks (numbers, matrices, letters, −∞) and names the mistake behind a wrong one. The first
// byte picks the quiz (its seed and length, from one of 16 sheets made once); the rest is the file.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "attn/core/error.hpp"
#include "attn/teach/grade.hpp"
#include "attn/teach/quiz.hpp"

namespace {

const attn::Quiz& sheet(std::uint8_t pick) {
  static const std::array<attn::Quiz, 16> sheets = [] {
    std::array<attn::Quiz, 16> all;
    for (std::size_t n = 0; n < all.size(); ++n) {
      attn::QuizOptions o;
      o.seed = 7 + n;
      o.count = 1 + n % 8;
      all[n] = attn::generate_quiz(o);
    }
    return all;
  }();
  return sheets[pick % sheets.size()];
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const attn::Quiz& quiz = sheet(data[0]);
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  try {
    const attn::StudentAnswers answers =
        attn::parse_answers(text, "answers.json", quiz.questions.size());
    const attn::GradeReport report = attn::grade(quiz, answers, "answers.json");
    if (report.verdicts.size() != quiz.questions.size() || report.right > report.verdicts.size())
      __builtin_trap();
  } catch (const attn::Error&) {
  }
  return 0;
}
