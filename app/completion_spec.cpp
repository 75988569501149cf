#include "completion_spec.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "attn/core/error.hpp"
#include "attn/core/version.hpp"
#include "attn/mask/expr.hpp"
#include "attn/teach/help_topics.hpp"
#include "cli.hpp"

namespace attn::cli::completion {
namespace {

std::string first_line(std::string_view text) {
  return std::string(text.substr(0, text.find('\n')));
}

std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(separator, start);
    if (end == std::string_view::npos) end = text.size();
    parts.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

bool is_choice_word(std::string_view w) {
  return !w.empty() && std::all_of(w.begin(), w.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

// "bottom-right|top-left" → {bottom-right, top-left}; "VEC|MAT" and "0..17" are not choices.
// A CLI11 IsMember description ("TEXT:{a,b}") gives its set.
std::vector<std::string> choices_in(const std::string& type) {
  const std::string base = type.substr(0, type.find(':'));
  if (base.find('|') != std::string::npos) {
    auto parts = split(base, '|');
    if (std::all_of(parts.begin(), parts.end(), [](const auto& p) { return is_choice_word(p); }))
      return parts;
  }
  const auto open = type.find(":{");
  const auto close = type.find('}', open);
  if (open != std::string::npos && close != std::string::npos) {
    std::vector<std::string> set;
    for (std::string item : split(type.substr(open + 2, close - open - 2), ',')) {
      item = item.substr(0, item.find("->"));  // a map's key
      if (is_choice_word(item)) set.push_back(item);
    }
    return set;
  }
  return {};
}

void classify(const CLI::Option& opt, std::string_view long_name, OptionSpec& o) {
  const std::string base = o.type.substr(0, o.type.find(':'));
  if (long_name == "mask" || opt.get_description().starts_with(mask_syntax())) {
    o.values = Values::mask;
  } else if (base == "FILE" || base == "PATH" || base == "DIR" || base.ends_with("FILE")) {
    o.values = Values::file;
  } else if (o.choices = choices_in(o.type); !o.choices.empty()) {
    o.values = Values::choices;
  } else if (long_name == "color" || long_name == "colour") {
    o.values = Values::choices;
    o.choices = {"always", "never", "auto"};
  } else if (const auto kinds = split(base, '|');
             std::find(kinds.begin(), kinds.end(), "MAT") != kinds.end() ||
             opt.get_description().find("@file") != std::string::npos) {
    o.values = Values::at_file;
  } else {
    o.values = Values::word;
  }
}

void collect(const CLI::App& app, const CLI::App& root, CommandSpec& spec) {
  for (const CLI::Option* opt : app.get_options()) {
    if (opt->get_group().empty()) continue;  // hidden
    if (!opt->nonpositional()) {
      if (!spec.argument.empty()) continue;  // only the first positional completes
      spec.argument = opt->get_name();
      OptionSpec tmp;
      tmp.type = opt->get_type_name();
      classify(*opt, "", tmp);
      spec.argument_values = tmp.values;
      spec.argument_choices = tmp.choices;
      if (spec.argument == "topic") {  // attn help: the topics, then the commands
        spec.argument_values = Values::choices;
        spec.argument_choices.clear();
        for (const HelpTopic& t : help_topics()) {
          spec.argument_choices.emplace_back(t.name);
          spec.argument_help.emplace_back(t.summary);
        }
        for (const CLI::App* c : root.get_subcommands({}))
          if (!c->get_name().empty() && !c->get_group().empty()) {
            spec.argument_choices.push_back(c->get_name());
            spec.argument_help.push_back(first_sentence(c->get_description()));
          }
      }
      continue;
    }
    OptionSpec o;
    for (const std::string& s : opt->get_snames()) o.names.push_back("-" + s);
    for (const std::string& l : opt->get_lnames()) o.names.push_back("--" + l);
    o.help = first_line(opt->get_description());
    if (opt->get_items_expected_max() > 0) {
      o.type = opt->get_type_name();
      classify(*opt, opt->get_lnames().empty() ? "" : opt->get_lnames().front(), o);
    }
    spec.options.push_back(std::move(o));
  }
  for (const CLI::App* sub : app.get_subcommands({})) {
    if (sub->get_name().empty()) {  // an option group: its options belong to this command
      collect(*sub, root, spec);
      continue;
    }
    if (sub->get_group().empty()) continue;  // hidden
    CommandSpec child;
    child.name = sub->get_name();
    child.path = spec.path.empty() ? child.name : spec.path + " " + child.name;
    child.summary = first_sentence(sub->get_description());
    collect(*sub, root, child);
    spec.commands.push_back(std::move(child));
  }
}

}  // namespace

CommandSpec command_tree(const CLI::App& root) {
  CommandSpec spec;
  spec.summary = first_sentence(root.get_description());
  collect(root, root, spec);
  return spec;
}

// Atoms that need parameters ("window") complete with their colon ("window:"); the parser says
// which: a bare parameterised atom does not parse.
std::vector<std::string> mask_words() {
  std::vector<std::string> words;
  for (std::string_view atom : mask_atom_names()) {
    bool bare = true;
    try {
      (void)MaskExpr::parse(atom);
    } catch (const Error&) {
      bare = false;
    }
    words.push_back(std::string(atom) + (bare ? "" : ":"));
  }
  return words;
}

std::string joined(const std::vector<std::string>& words, std::string_view separator) {
  return fmt::format("{}", fmt::join(words, separator));
}

std::vector<std::string> option_names(const CommandSpec& c) {
  std::vector<std::string> names;
  for (const OptionSpec& o : c.options) names.insert(names.end(), o.names.begin(), o.names.end());
  return names;
}

std::vector<std::string> command_names(const CommandSpec& c) {
  std::vector<std::string> names;
  for (const CommandSpec& sub : c.commands) names.push_back(sub.name);
  return names;
}

std::string header(std::string_view shell, std::string_view comment) {
  return fmt::format(
      "{0} {1} completion for attn {2}, generated by `attn completion {1}` from attn's own\n"
      "{0} commands and options.\n",
      comment, shell, version());
}

}  // namespace attn::cli::completion
