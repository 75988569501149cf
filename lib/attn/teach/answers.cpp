#include "attn/teach/answers.hpp"

#include <fmt/format.h>

#include <charconv>
#include <set>
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

std::string quoted_path(const std::vector<std::string>& path) {
  std::string out;
  for (const auto& p : path) out += (out.empty() ? "" : ".") + json(p).dump();
  return out;
}

}  // namespace

std::string_view answers_hint() {
  return kHint;
}

void refuse_duplicate_keys(std::string_view text, std::string_view what) {
  // One set of keys per open object, and the key under which each object was opened.
  std::vector<std::set<std::string>> seen;
  std::vector<std::string> path;
  std::string last_key;
  const auto callback = [&](int, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
        if (!seen.empty()) path.push_back(last_key);
        seen.emplace_back();
        break;
      case json::parse_event_t::object_end:
        seen.pop_back();
        if (!path.empty() && !seen.empty()) path.pop_back();
        break;
      case json::parse_event_t::key: {
        last_key = parsed.get<std::string>();
        if (!seen.back().insert(last_key).second) {
          std::vector<std::string> full = path;
          full.push_back(last_key);
          throw data_error(fmt::format("{}: the key {} is given twice", what, quoted_path(full)),
                           "give each key once: JSON readers disagree on which value wins");
        }
        break;
      }
      case json::parse_event_t::array_start:
        if (!seen.empty()) path.push_back(last_key);
        seen.emplace_back();  // arrays hold no keys; a placeholder keeps the stack in step
        break;
      case json::parse_event_t::array_end:
        seen.pop_back();
        if (!path.empty() && !seen.empty()) path.pop_back();
        break;
      case json::parse_event_t::value:
        break;
    }
    return true;
  };
  const json ignored = json::parse(text.begin(), text.end(), callback, /*allow_exceptions=*/false);
  (void)ignored;
}

StudentAnswers parse_answers(std::string_view text, std::string_view what,
                             std::size_t question_count) {
  const json doc = parse_json(text, what);
  if (!doc.is_object())
    throw data_error(fmt::format("{}: expected a JSON object, not {}", what, doc.type_name()),
                     std::string(kHint));
  refuse_duplicate_keys(text, what);
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
