#include "attn/teach/quiz.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <iterator>
#include <map>

#include "attn/core/error.hpp"
#include "attn/core/version.hpp"
#include "attn/teach/generate.hpp"
#include "attn/teach/rng.hpp"
#include "attn/teach/solve.hpp"

namespace attn {
namespace {

std::size_t presentation_rank(const KindSpec& s) {
  const auto order = all_question_kinds();
  return static_cast<std::size_t>(std::ranges::find(order, s.kind) - order.begin());
}

// The seed of the sheet's structure with same_structure: one per class, never a student's.
std::uint64_t structure_seed(const QuizOptions& o) {
  constexpr std::string_view tag = "\x01same-structure";
  return o.secret ? keyed_sheet_seed(*o.secret, o.seed, tag) : student_seed(o.seed, tag);
}

// The kinds of the sheet in presentation order: shuffled rounds of the listed kinds.
std::vector<KindSpec> plan_kinds(const std::vector<KindSpec>& kinds, std::size_t count,
                                 SeededRng& rng) {
  std::vector<KindSpec> chosen;
  while (chosen.size() < count) {
    std::vector<KindSpec> round = kinds;
    rng.shuffle(round);
    for (const KindSpec& k : round)
      if (chosen.size() < count) chosen.push_back(k);
  }
  std::ranges::stable_sort(chosen, {}, presentation_rank);
  return chosen;
}

// Variants in rounds, per kind: each is drawn from the variants the sheet has not had yet.
class VariantRounds {
 public:
  std::string draw(QuestionKind kind, SeededRng& rng) {
    auto& left = unused(kind);
    const std::size_t pick = rng.index(left.size());
    std::string v(left[pick]);
    left.erase(left.begin() + static_cast<std::ptrdiff_t>(pick));
    return v;
  }
  void used(QuestionKind kind, std::string_view variant) {
    auto& left = unused(kind);
    if (const auto it = std::ranges::find(left, variant); it != left.end()) left.erase(it);
  }

 private:
  std::vector<std::string_view>& unused(QuestionKind kind) {
    auto& left = unused_[kind];
    if (left.empty()) {
      const auto all = question_variants(kind);
      left.assign(all.begin(), all.end());
    }
    return left;
  }
  std::map<QuestionKind, std::vector<std::string_view>> unused_;
};

}  // namespace

Quiz generate_quiz(const QuizOptions& options) {
  if (options.count == 0 || options.count > max_quiz_questions)
    throw usage_error(
        fmt::format("--count must be between 1 and {}, not {}", max_quiz_questions, options.count));
  if (options.student && options.student->empty())
    throw usage_error("--student: the name is empty");
  Quiz quiz;
  quiz.class_seed = options.seed;
  quiz.student = options.student;
  quiz.keyed = options.secret.has_value();
  if (options.secret) {
    quiz.seed = keyed_sheet_seed(*options.secret, options.seed, options.student.value_or(""));
    quiz.sheet_id = keyed_sheet_id(*options.secret, options.seed, options.student.value_or(""));
  } else {
    quiz.seed = options.student ? student_seed(options.seed, *options.student) : options.seed;
  }
  quiz.version = std::string(version());
  quiz.kinds = options.kinds;
  quiz.same_structure = options.same_structure;
  std::vector<KindSpec> kinds = options.kinds;
  if (kinds.empty())
    for (QuestionKind k : default_question_kinds()) kinds.push_back({k, std::nullopt});

  SeededRng rng(quiz.seed);
  std::vector<KindSpec> chosen;
  if (options.same_structure) {
    // The whole structure, variants too, from the class's seed.
    SeededRng shared(structure_seed(options));
    chosen = plan_kinds(kinds, options.count, shared);
    VariantRounds rounds;
    for (KindSpec& k : chosen)
      if (!k.variant) k.variant = rounds.draw(k.kind, shared);
  } else {
    chosen = plan_kinds(kinds, options.count, rng);
  }
  // A kind's first question draws its own variant (as sheets did before variants came in rounds);
  // its later ones take the variants it has not had yet.
  VariantRounds rounds;
  std::map<QuestionKind, std::size_t> seen;
  for (KindSpec& k : chosen) {
    if (!k.variant && seen[k.kind]++ > 0) k.variant = rounds.draw(k.kind, rng);
    Question q = make_question(k.kind, k.variant, rng);
    rounds.used(q.kind, q.variant);
    q.number = quiz.questions.size() + 1;
    solve(q);
    quiz.points.push_back(default_points(q));
    quiz.questions.push_back(std::move(q));
  }
  return quiz;
}

double default_points(const Question& q) {
  double total = 0;
  for (const auto& r : q.answer.rubric) total += r.points;
  return q.answer.free() ? total : 1.0;
}

std::vector<double> parse_points(std::string_view text, std::size_t question_count) {
  std::vector<double> points;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    std::string_view item = text.substr(start, comma - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    double x = 0;
    const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), x);
    if (item.empty() || ec != std::errc{} || end != item.data() + item.size() ||
        !std::isfinite(x) || x < 0)
      throw usage_error(fmt::format("--points: '{}' is not a number of points ≥ 0", item),
                        "give one number for every question (--points 2) or one per question "
                        "(--points 1,1,2)");
    points.push_back(x);
    start = comma + 1;
  }
  if (points.size() == 1) points.assign(question_count, points.front());
  if (points.size() != question_count)
    throw usage_error(fmt::format("--points gives {} numbers, but the sheet has {} questions",
                                  points.size(), question_count),
                      "give one number for every question (--points 2) or one per question");
  return points;
}

namespace {

std::string shell_quote(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                        "0123456789-_.") == std::string::npos)
    return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

std::string regenerate_command(const Quiz& quiz) {
  if (quiz.keyed) return {};
  std::string cmd =
      fmt::format("attn quiz --seed {} --count {}", quiz.class_seed, quiz.questions.size());
  if (!quiz.kinds.empty()) cmd += " --kinds " + kind_specs_text(quiz.kinds);
  if (quiz.same_structure) cmd += " --same-structure";
  if (quiz.student) cmd += " --student " + shell_quote(*quiz.student) + " --practice";
  return cmd;
}

void require_key_access(const QuizOptions& options, bool practice, std::string_view action) {
  if (options.secret && practice)
    throw usage_error("--practice and a class secret contradict each other",
                      "a practice sheet is made without the secret; leave out one of them");
  if (!options.student || options.secret || practice) return;
  throw usage_error(
      fmt::format("{} for a student's sheet needs the class secret: give --class-secret FILE or "
                  "set {}",
                  action, class_secret_env),
      "for a practice sheet whose key anyone can print, add --practice; --key none prints the "
      "sheet alone");
}

QuizOptions for_student(QuizOptions options, std::optional<std::string> student) {
  options.student = std::move(student);
  return options;
}

}  // namespace attn
