#include "attn/teach/answers.hpp"

#include <fmt/format.h>

#include <charconv>
#include <vector>

#include "attn/core/error.hpp"
#include "attn/core/suggest.hpp"
#include "attn/io/parse.hpp"

namespace attn {
namespace {

using nlohmann::json;

constexpr std::string_view kHint =
    R"(write {"answers": {"1": -0.5, "2": [0.09, 0.245, 0.665], "3": "B"}}; see data/answers-example.json)";

constexpr std::string_view kKeys[] = {"format", "format_version", "comment", "student",
                                      "sheet",  "seed",           "answers"};


}  // namespace

std::string_view answers_hint() {
  return kHint;
}

StudentAnswers parse_answers(std::string_view text, std::string_view what,
                             std::size_t question_count) {
  const json doc = parse_json(text, what);
  if (!doc.is_object())
    throw data_error(fmt::format("{}: expected a JSON object, not {}", what, doc.type_name()),
                     std::string(kHint));
  for (const auto& [key, value] : doc.items()) {
    if (std::ranges::find(kKeys, key) != std::end(kKeys)) continue;
    const auto guess = nearest(key, kKeys);
    throw data_error(
        fmt::format("{}: unknown key \"{}\"", what, key),
        guess ? fmt::format("did you mean \"{}\"? An answers file has the keys \"student\", "
                            "\"sheet\", \"seed\", \"answers\" (and \"comment\")",
                            *guess)
              : std::string("an answers file has the keys \"student\", \"sheet\", \"seed\", "
                            "\"answers\" (and \"comment\")"));
  }
  if (const auto f = doc.find("format"); f != doc.end() && *f != "attn-answers")
    throw data_error(fmt::format("{}: \"format\" is {}, not \"attn-answers\"", what, f->dump()),
                     std::string(kHint));
  if (const auto v = doc.find("format_version"); v != doc.end() && *v != 1)
    throw data_error(
        fmt::format("{}: \"format_version\" is {}, but this attn reads version 1", what, v->dump()),
        "write \"format_version\": 1, or leave it out");
  StudentAnswers out;
  if (const auto s = doc.find("seed"); s != doc.end() && !s->is_null()) {
    if (!s->is_number_unsigned())
      throw data_error(
          fmt::format("{}: \"seed\" must be a whole number ≥ 0, not {}", what, s->dump()));
    out.seed = s->get<std::uint64_t>();
  }
  for (const char* key : {"student", "sheet"})
    if (const auto s = doc.find(key); s != doc.end() && !s->is_null()) {
      if (!s->is_string())
        throw data_error(fmt::format("{}: \"{}\" must be a string, not {}", what, key, s->dump()));
      (std::string_view(key) == "student" ? out.student : out.sheet) = s->get<std::string>();
    }
  const auto a = doc.find("answers");
  if (a == doc.end())
    throw data_error(fmt::format("{}: missing key \"answers\"", what), std::string(kHint));
  if (!a->is_object())
    throw data_error(fmt::format("{}: \"answers\" must be an object from question numbers to "
                                 "answers, not {}",
                                 what, a->type_name()),
                     std::string(kHint));
  for (const auto& [key, value] : a->items()) {
    std::size_t n = 0;
    const auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), n);
    if (ec != std::errc{} || end != key.data() + key.size() || n < 1 || n > question_count)
      throw data_error(
          fmt::format("{}: answers has the key \"{}\", but the keys must be question "
                      "numbers from 1 to {}",
                      what, key, question_count));
    if (out.answers.contains(n))
      throw data_error(fmt::format("{}: answers has question {} twice (as \"{}\")", what, n, key),
                       "give each question once");
    out.answers[n] = value;
  }
  return out;
}

}  // namespace attn
