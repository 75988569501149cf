#include "usage_errors.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <string_view>

#include "attn/core/suggest.hpp"
#include "cli.hpp"

namespace attn::cli {
namespace {

// ---- Reading the command line again ------------------------------------------------------------

enum class Fault {
  unknown_option,   // --key
  unknown_command,  // attn explain nosuch
  unexpected,       // a word no option or argument takes
};

struct Problem {
  Fault fault = Fault::unexpected;
  std::size_t at = 0;                  // index into args
  std::optional<std::size_t> follows;  // for a word that continues a value: the value's index
};

struct Scan {
  const CLI::App* command = nullptr;  // the deepest command named
  std::string path;                   // "explain scaling"; empty for attn itself
  std::vector<Problem> problems;      // in the order typed
  // For each word that is a value: the option (or positional) it belongs to.
  std::vector<const CLI::Option*> owner;
  std::vector<std::string> owner_name;  // "--q", or "EXPR"
};

bool is_number_start(char c) {
  return (c >= '0' && c <= '9') || c == '.';
}

// "--q", "-x", "--q=1": what CLI11 takes for an option. "-1.5" and "-inf,0" are values.
bool looks_like_option(std::string_view word) {
  if (word.size() < 2 || word[0] != '-') return false;
  if (word[1] == '-') return word.size() > 2;
  return !is_number_start(word[1]) && !word.starts_with("-inf") && !word.starts_with("-Inf");
}

std::string_view option_name(std::string_view word) {
  return word.substr(0, word.find('='));
}

const CLI::App* named_subcommand(const CLI::App* cmd, std::string_view word) {
  for (const CLI::App* sub : cmd->get_subcommands({}))
    if (!sub->get_name().empty() && !sub->get_disabled() && sub->get_name() == word) return sub;
  return nullptr;
}

std::vector<const CLI::Option*> positionals(const CLI::App* cmd) {
  return cmd->get_options([](const CLI::Option* o) { return o->get_positional(); });
}

bool takes_value(const CLI::Option* opt) {
  return opt->get_items_expected_max() > 0;
}

Scan scan(const CLI::App& root, const std::vector<std::string>& args) {
  Scan s;
  s.command = &root;
  s.owner.assign(args.size(), nullptr);
  s.owner_name.assign(args.size(), "");
  auto slots = positionals(s.command);
  std::size_t filled = 0;
  std::optional<std::size_t> last_value;  // the index of the word before, if it was a value
  bool only_positionals = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& word = args[i];
    if (!only_positionals && word == "--") {
      only_positionals = true;
      last_value.reset();
      continue;
    }
    if (!only_positionals && looks_like_option(word)) {
      last_value.reset();
      const std::string name(option_name(word));
      const CLI::Option* opt = s.command->get_option_no_throw(name);
      const bool inline_value = word.find('=') != std::string::npos;
      if (!opt) {
        s.problems.push_back({Fault::unknown_option, i, std::nullopt});
        // Its value, if one follows, belongs to it rather than being a fault of its own.
        if (!inline_value && i + 1 < args.size() && !looks_like_option(args[i + 1]) &&
            !named_subcommand(s.command, args[i + 1]))
          ++i;
        continue;
      }
      if (!takes_value(opt) || inline_value) continue;
      // CLI11 takes the next word whatever it looks like ("--scores -inf,0").
      if (i + 1 < args.size()) {
        ++i;
        s.owner[i] = opt;
        s.owner_name[i] = name;
        last_value = i;
      }
      continue;
    }
    if (const CLI::App* sub = named_subcommand(s.command, word); sub && !only_positionals) {
      s.command = sub;
      s.path += (s.path.empty() ? "" : " ") + sub->get_name();
      slots = positionals(sub);
      filled = 0;
      last_value.reset();
      continue;
    }
    if (filled < slots.size()) {
      s.owner[i] = slots[filled];
      s.owner_name[i] = slots[filled]->get_name();
      ++filled;
      last_value = i;
      continue;
    }
    const bool has_commands =
        !s.command->get_subcommands([](const CLI::App* c) { return !c->get_name().empty(); })
             .empty();
    const Fault fault = has_commands && slots.empty() ? Fault::unknown_command : Fault::unexpected;
    s.problems.push_back({fault, i, last_value});
    if (fault == Fault::unknown_command) break;  // what follows belongs to a command unknown
    if (last_value) {  // a chain of words after one value: each continues it
      s.owner[i] = s.owner[*last_value];
      s.owner_name[i] = s.owner_name[*last_value];
      last_value = i;
    }
  }
  return s;
}

// ---- Words
// ---------------------------------------------------------------------------------------

std::string upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return text;
}

std::string command_text(const Scan& s) {
  return s.path.empty() ? std::string("attn") : "attn " + s.path;
}

std::string help_hint(const Scan& s) {
  return fmt::format("run '{} --help'", command_text(s));
}

// "2,0.5", "-1.5]", "[[1,0],": a piece of a list or matrix that the shell split at spaces.
bool numeric_piece(std::string_view w) {
  return !w.empty() && std::all_of(w.begin(), w.end(), [](char c) {
    return (c >= '0' && c <= '9') ||
           std::string_view(".,;+-eE[]").find(c) != std::string_view::npos;
  });
}

// "&", "window:3", "!(causal": a piece of a mask expression with spaces in it.
bool expression_piece(std::string_view w) {
  return !w.empty() && std::all_of(w.begin(), w.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           std::string_view(":,&|!()-").find(c) != std::string_view::npos;
  });
}

std::string shell_quoted(const std::string& text) {
  return text.find('\'') == std::string::npos ? "'" + text + "'" : "\"" + text + "\"";
}

// Lists of words as the user typed them: 'a', 'b' and 'c'.
std::string word_list(const std::vector<std::string>& words) {
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i)
    out += fmt::format("{}'{}'", i == 0 ? "" : i + 1 == words.size() ? " and " : ", ", words[i]);
  return out;
}

std::vector<std::string> long_names(const CLI::App* cmd) {
  std::vector<std::string> names;
  for (const CLI::Option* o : cmd->get_options()) {
    for (const std::string& l : o->get_lnames()) names.push_back("--" + l);
    for (const std::string& sn : o->get_snames()) names.push_back("-" + sn);
  }
  return names;
}

std::vector<std::string> command_names(const CLI::App* cmd) {
  std::vector<std::string> names;
  for (const CLI::App* sub : cmd->get_subcommands({}))
    if (!sub->get_name().empty() && !sub->get_group().empty()) names.push_back(sub->get_name());
  return names;
}

std::string or_list(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i)
    out += fmt::format("{}{}", i == 0 ? "" : i + 1 == names.size() ? " or " : ", ", names[i]);
  return out;
}

// Every command below `app` that has the option `name`, as "attn weights".
void commands_with(const CLI::App* app, const std::string& path, const std::string& name,
                   std::vector<std::string>& out) {
  for (const CLI::App* sub : app->get_subcommands({})) {
    if (sub->get_name().empty()) continue;
    const std::string sub_path = path + " " + sub->get_name();
    if (sub->get_option_no_throw(name)) out.push_back(sub_path);
    commands_with(sub, sub_path, name, out);
  }
}

std::optional<std::string> nearest_of(std::string_view word, const std::vector<std::string>& all) {
  std::vector<std::string_view> candidates(all.begin(), all.end());
  return nearest(word, candidates);
}

// The first example of the command that uses `word`, else its first example, as "e.g. …".
std::string example_hint(const CLI::App* cmd, std::string_view word, const std::string& fallback) {
  const auto examples = examples_of(*cmd);
  for (const std::string& e : examples)
    if (word.empty() || e.find(word) != std::string::npos) return "e.g. " + e;
  return fallback;
}

// ---- The first fault, in the order typed
// ---------------------------------------------------------

UsageMessage unknown_option(const CLI::App& root, const Scan& s, const std::string& word) {
  const std::string name(option_name(word));
  const std::string where = command_text(s);
  UsageMessage m{fmt::format("unknown option '{}' for {}", name, where), ""};
  if (const auto guess = nearest_of(name, long_names(s.command))) {
    m.hint = fmt::format("did you mean '{}'?", *guess);
    return m;
  }
  std::vector<std::string> elsewhere;
  commands_with(&root, "attn", name, elsewhere);
  if (!elsewhere.empty() && s.command != &root)
    m.hint = fmt::format("{} is an option of {}", name, or_list(elsewhere));
  else if (s.command == &root)
    m.hint = "options come after the command: run 'attn --help' for the list of commands";
  else
    m.hint = help_hint(s) + " for its options";
  return m;
}

UsageMessage unknown_command(const Scan& s, const std::string& word) {
  const auto names = command_names(s.command);
  UsageMessage m;
  m.message = s.path.empty() ? fmt::format("unknown command '{}'", word)
                             : fmt::format("unknown command '{} {}'", command_text(s), word);
  if (const auto guess = nearest_of(word, names))
    m.hint = fmt::format("did you mean '{} {}'?", command_text(s), *guess);
  else if (s.path.empty())
    m.hint = "run 'attn --help' for the list of commands";
  else
    m.hint = fmt::format("{} takes {}", command_text(s), or_list(names));
  return m;
}

// Words after a value that continue it: the value was a list, a matrix or an expression with
// spaces, not quoted, so the shell passed it as several words.
std::optional<UsageMessage> split_value(const Scan& s, const std::vector<std::string>& args,
                                        const Problem& p) {
  if (!p.follows) return std::nullopt;
  // The value is the word p follows; the words after p that continue it go with it.
  const std::size_t first = *p.follows;
  std::size_t last = p.at;
  while (last + 1 < args.size() &&
         std::any_of(s.problems.begin(), s.problems.end(),
                     [&](const Problem& q) { return q.at == last + 1 && q.follows == last; }))
    ++last;
  std::vector<std::string> pieces(args.begin() + static_cast<std::ptrdiff_t>(first),
                                  args.begin() + static_cast<std::ptrdiff_t>(last) + 1);
  const std::string& flag = s.owner_name[first];
  const bool mask = flag == "--mask" || flag == "EXPR";
  const bool numeric = std::all_of(pieces.begin(), pieces.end(), numeric_piece);
  const bool expression = mask && std::all_of(pieces.begin(), pieces.end(), expression_piece);
  if (!numeric && !expression) return std::nullopt;
  std::string spaced;
  for (const std::string& piece : pieces) spaced += (spaced.empty() ? "" : " ") + piece;
  UsageMessage m;
  m.message = fmt::format("{} takes one value, but the shell passed {} words: {}", flag,
                          pieces.size(), spaced);
  const std::string prefix = flag.starts_with('-') ? flag + " " : command_text(s) + " ";
  // Whole rows ("1,0 0,1") are a matrix written with spaces for ';'; anything else ("[2, 0.5,",
  // "causal & window:3") is one value with spaces in it.
  const bool rows = numeric && std::none_of(pieces.begin(), pieces.end(), [](const std::string& w) {
                      return w.find_first_of("[];") != std::string::npos || w.ends_with(',') ||
                             w.starts_with(',');
                    });
  if (rows) {
    std::string joined;
    for (const std::string& piece : pieces) joined += (joined.empty() ? "" : ";") + piece;
    m.hint = fmt::format("a matrix is one word, its rows separated by ; and quoted: {}\"{}\"",
                         prefix, joined);
  } else {
    m.hint = fmt::format("quote it: {}{}", prefix, shell_quoted(spaced));
  }
  return m;
}

UsageMessage unexpected(const Scan& s, const std::vector<std::string>& args, const Problem& p) {
  if (auto m = split_value(s, args, p)) return *m;
  const std::string& word = args[p.at];
  UsageMessage m{fmt::format("unexpected argument '{}' for {}", word, command_text(s)), ""};
  const auto slots = positionals(s.command);
  if (slots.empty())
    m.hint = fmt::format("{} takes only options: {}", command_text(s), help_hint(s));
  else if (const std::string type = slots.front()->get_type_name();
           type.find('|') != std::string::npos)
    m.hint =
        fmt::format("{} takes one {}: {}", command_text(s), upper(slots.front()->get_name()), type);
  else
    m.hint = fmt::format("{} takes one {}; quote a value that has spaces", command_text(s),
                         upper(slots.front()->get_name()));
  return m;
}

std::optional<UsageMessage> first_fault(const CLI::App& root, const Scan& s,
                                        const std::vector<std::string>& args) {
  if (s.problems.empty()) return std::nullopt;
  const Problem& p = s.problems.front();
  UsageMessage m;
  switch (p.fault) {
    case Fault::unknown_option:
      m = unknown_option(root, s, args[p.at]);
      break;
    case Fault::unknown_command:
      m = unknown_command(s, args[p.at]);
      break;
    case Fault::unexpected:
      m = unexpected(s, args, p);
      break;
  }
  // Further faults are named too, so that fixing the first does not just reveal the next. Words
  // that continue a value are part of that value's fault, not faults of their own.
  std::vector<std::string> more;
  for (std::size_t k = 1; k < s.problems.size(); ++k)
    if (!s.problems[k].follows) more.emplace_back(option_name(args[s.problems[k].at]));
  if (!more.empty()) m.message += fmt::format(" (also not understood: {})", word_list(more));
  return m;
}

// ---- CLI11's other errors ----------------------------------------------------------------------

// "NAME: rest" → {NAME, rest}.
std::pair<std::string, std::string> split_name(const std::string& what) {
  const auto colon = what.find(": ");
  if (colon == std::string::npos) return {"", what};
  return {what.substr(0, colon), what.substr(colon + 2)};
}

std::vector<std::string> values_of(const Scan& s, const std::vector<std::string>& args,
                                   const std::string& name) {
  std::vector<std::string> values;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (s.owner_name[i] == name) values.push_back(args[i]);
    if (args[i].starts_with(name + "=")) values.push_back(args[i].substr(name.size() + 1));
  }
  return values;
}

UsageMessage missing(const Scan& s, const std::string& name) {
  const CLI::Option* opt = s.command->get_option_no_throw(name);
  UsageMessage m;
  if (opt && opt->get_positional()) {
    const std::string type = opt->get_type_name();
    m.message = fmt::format("{}: {} is missing", command_text(s), upper(name));
    if (type.find('|') != std::string::npos) {
      std::vector<std::string> choices;
      for (std::size_t start = 0; start <= type.size();) {
        const std::size_t bar = std::min(type.find('|', start), type.size());
        choices.push_back(type.substr(start, bar - start));
        start = bar + 1;
      }
      m.message += fmt::format(" (one of {})", or_list(choices));
    }
    m.hint = example_hint(s.command, "", help_hint(s));
  } else {
    m.message = fmt::format("{}: {} is missing", command_text(s), name);
    m.hint = example_hint(s.command, name + " ", help_hint(s));
  }
  return m;
}

}  // namespace

UsageMessage describe_parse_error(const CLI::App& root, const CLI::ParseError& error,
                                  const std::vector<std::string>& args) {
  const Scan s = scan(root, args);
  if (auto fault = first_fault(root, s, args)) return *fault;
  const std::string what = error.what();
  const std::string hint = help_hint(s);

  if (dynamic_cast<const CLI::RequiredError*>(&error)) {
    if (what.ends_with(" is required") && what != "A subcommand is required")
      return missing(s, what.substr(0, what.size() - std::string_view(" is required").size()));
    const auto names = command_names(s.command);
    return {fmt::format("{} needs a command: {}", command_text(s), or_list(names)),
            example_hint(s.command, "", hint)};
  }
  if (dynamic_cast<const CLI::ArgumentMismatch*>(&error)) {
    const auto [name, rest] = split_name(what);
    if (rest.find("At Most") != std::string::npos) {
      const auto values = values_of(s, args, name);
      return {fmt::format("{} is given {} times{}", name, values.size(),
                          values.empty() ? "" : fmt::format(" ({})", word_list(values))),
              fmt::format("give {} once", name)};
    }
    const CLI::Option* opt = s.command->get_option_no_throw(name);
    const std::string type = opt ? opt->get_type_name() : std::string();
    return {fmt::format("{} needs a value{}", name, type.empty() ? "" : " (" + type + ")"),
            example_hint(s.command, name + " ", hint)};
  }
  if (dynamic_cast<const CLI::ValidationError*>(&error)) {
    // The validators in cli.cpp word the rest: "--digits: must be from 0 to 17, not 40".
    const auto [name, rest] = split_name(what);
    if (rest.starts_with("must ")) return {fmt::format("{} {}", name, rest), hint};
    return {what, hint};
  }
  if (dynamic_cast<const CLI::ConversionError*>(&error)) {
    std::string name, value;
    if (constexpr std::string_view lead = "Could not convert: "; what.starts_with(lead)) {
      const auto eq = what.find(" = ");
      name = what.substr(lead.size(), eq - lead.size());
      value = eq == std::string::npos ? "" : what.substr(eq + 3);
    } else {
      name = split_name(what).first;
    }
    const CLI::Option* opt = s.command->get_option_no_throw(name);
    if (opt && !takes_value(opt))
      return {value.empty() ? fmt::format("{} is a flag: it takes no value", name)
                            : fmt::format("{} is a flag: it takes no value, not '{}'", name, value),
              fmt::format("write {} alone", name)};
    return {fmt::format("{}: '{}' is not a value it takes", name, value), hint};
  }
  if (dynamic_cast<const CLI::RequiresError*>(&error)) {
    const auto at = what.find(" requires ");
    const std::string first = what.substr(0, at), second = what.substr(at + 10);
    return {fmt::format("{} applies only with {}", first, second),
            fmt::format("give {} as well, or drop {}", second, first)};
  }
  if (dynamic_cast<const CLI::ExcludesError*>(&error)) {
    const auto at = what.find(" excludes ");
    const std::string first = what.substr(0, at), second = what.substr(at + 10);
    return {fmt::format("{} and {} cannot be given together", first, second),
            fmt::format("give {} or {}, not both", first, second)};
  }
  return {what, hint};
}

}  // namespace attn::cli
