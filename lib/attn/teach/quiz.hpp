// A sheet of exercises: which kinds and variants it holds and in what order, the seed its numbers
// come from, and the id that names it. Practice sheets are seeded from the class seed (and the
// student's name), so anyone can regenerate them and print their key; sheets made with a class
// secret (teach/secret) are seeded under the secret, carry a sheet id instead of their seed, and
// can be keyed and graded only with the secret.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "attn/teach/question.hpp"
#include "attn/teach/secret.hpp"

namespace attn {

struct QuizOptions {
  std::uint64_t seed = 1;  // the class seed
  std::size_t count = 6;
  std::vector<KindSpec> kinds;         // empty = default_question_kinds(), any variant
  std::optional<std::string> student;  // this student's own sheet
  std::optional<ClassSecret> secret;   // seed the sheet under the class secret
  // Every student gets the same kinds and variants in the same order (drawn from the class seed),
  // each with their own numbers.
  bool same_structure = false;
};

// Where a sheet's answers go: after each question, after all questions, alone, or nowhere.
enum class KeyMode { inline_key, separate, only, none };

inline constexpr std::size_t max_quiz_questions = 200;

struct Quiz {
  std::uint64_t class_seed = 1;
  std::optional<std::string> student;
  std::uint64_t seed = 1;       // the seed the questions were drawn from
  bool keyed = false;           // made with a class secret: the seed is never shown
  std::string sheet_id;         // keyed sheets: keyed_sheet_id(); empty for practice sheets
  std::string version;          // attn's version, without the commit, so sheets match across builds
  std::vector<KindSpec> kinds;  // as asked (empty specs list = the defaults, listed)
  bool same_structure = false;
  std::vector<Question> questions;
  std::vector<double> points;  // what each question is worth, shown on paper sheets and exports
};

// Draws options.count questions. Kinds come in shuffled rounds (each listed kind once per round),
// then in the presentation order; when a kind appears again on the sheet its variants come in
// rounds too, so six mask questions show six different masks. With same_structure the rounds are
// drawn from the class seed, shared by every student. Every answer is computed by solve().
Quiz generate_quiz(const QuizOptions& options);

// What a question is worth unless --points says otherwise: 1, or a free response's rubric total.
double default_points(const Question& q);
// --points: one number for every question ("2") or one per question ("1,1,2,…"), each a finite
// number ≥ 0. Throws usage_error naming the bad item or the wrong count.
std::vector<double> parse_points(std::string_view text, std::size_t question_count);

// The regenerating command of a practice sheet: "attn quiz --seed 7 --count 6 --student Ada
// --practice". Keyed sheets have none (their seed is never shown).
std::string regenerate_command(const Quiz& quiz);

// A student's key (printed, exported or graded) needs the class secret, unless the sheet is asked
// for as a practice sheet: a usage error naming the missing secret otherwise. `action` says what
// needed it ("--key separate", "grading").
void require_key_access(const QuizOptions& options, bool practice, std::string_view action);

// The sheet for another student of the same class: the same options with `student` changed.
QuizOptions for_student(QuizOptions options, std::optional<std::string> student);

}  // namespace attn
