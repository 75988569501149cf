// `attn completion bash|zsh|fish`: a completion script for the shell, written by walking the real
// CLI11 command tree at run time, so a new command or flag completes as soon as it exists.
//
// The walk gives a CommandSpec tree (names, flags, what each flag's value is); one writer per
// shell turns it into a script. What a value completes to comes from the option itself:
//   --mask, or a positional described by attn::mask_syntax()
//                                mask atoms (attn::mask_atom_names()) after any & | ! (, or @FILE
//   type_name FILE (or PATH…)    file names
//   type_name a|b|c (lowercase)  those choices, as --align and --empty-rows declare them
//   a matrix (type_name …|MAT) or a description naming @file
//                                @FILE completes file names after the @ (--q, --k, --v, …)
//   --color                      always, never, auto
// and `attn help` completes its topics and the command names.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "attn/core/error.hpp"
#include "attn/teach/help_topics.hpp"
#include "attn/mask/expr.hpp"
#include "attn/core/suggest.hpp"
#include "attn/core/version.hpp"
#include "cli.hpp"
#include "commands.hpp"

namespace attn::cli {
namespace {

enum class Values {
  none,     // a flag
  word,     // a value with nothing to offer (a number, a literal matrix)
  choices,  // one of `choices`
  file,     // a file name
  at_file,  // a literal, or @FILE
  mask,     // a mask expression, or @FILE
};

struct OptionSpec {
  std::vector<std::string> names;  // "-q", "--quiet"
  std::string help;                // one line
  std::string type;                // "FILE", "VEC|MAT", empty for a flag
  Values values = Values::none;
  std::vector<std::string> choices;
};

struct CommandSpec {
  std::string name;  // empty for attn itself
  std::string path;  // "score", or "mask show" for a nested command; empty for attn itself
  std::string summary;
  std::vector<OptionSpec> options;
  std::vector<CommandSpec> commands;
  std::string argument;  // the positional's name, e.g. "topic"; empty if none
  Values argument_values = Values::none;
  std::vector<std::string> argument_choices;
  std::vector<std::string> argument_help;  // one line per choice, or empty
};

// ---- walking the CLI11 tree ------------------------------------------------------------------

std::string first_line(std::string_view text) {
  return std::string(text.substr(0, text.find('\n')));
}

// A command's summary for a completion menu: its description's first sentence.
std::string first_sentence(std::string_view text) {
  std::string line = first_line(text);
  if (const auto stop = line.find(". "); stop != std::string::npos) line.resize(stop + 1);
  return line;
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

template <typename F>
void each_command(const CommandSpec& c, F&& f) {
  f(c);
  for (const CommandSpec& sub : c.commands) each_command(sub, f);
}

std::string joined(const std::vector<std::string>& words, std::string_view separator = " ") {
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

// How a value completes, as a word the bash and fish helpers switch on.
std::string how(Values v, const std::vector<std::string>& choices) {
  switch (v) {
    case Values::none:
      return "";
    case Values::word:
      return "word";
    case Values::choices:
      return "choices " + joined(choices);
    case Values::file:
      return "file";
    case Values::at_file:
      return "at-file";
    case Values::mask:
      return "mask";
  }
  return "";
}

std::string header(std::string_view shell, std::string_view comment) {
  return fmt::format(
      "{0} {1} completion for attn {2}, generated by `attn completion {1}` from attn's own\n"
      "{0} commands and options.\n",
      comment, shell, version());
}

// ---- bash -----------------------------------------------------------------------------------

std::string bash_script(const CommandSpec& root) {
  std::string s = header("bash", "#");
  s += "# Load it with: source <(attn completion bash)\n\n";

  s += "__attn_subcommands() {\n  case $1 in\n";
  each_command(root, [&](const CommandSpec& c) {
    if (!c.commands.empty())
      s += fmt::format("    '{}') echo '{}' ;;\n", c.path, joined(command_names(c)));
  });
  s += "  esac\n}\n\n";

  s += "__attn_options() {\n  case $1 in\n";
  each_command(root, [&](const CommandSpec& c) {
    s += fmt::format("    '{}') echo '{}' ;;\n", c.path, joined(option_names(c)));
  });
  s += "  esac\n}\n\n";

  s += "# How the value of option $2 of command $1 completes; nothing for a flag.\n";
  s += "__attn_value() {\n  case \"$1 $2\" in\n";
  each_command(root, [&](const CommandSpec& c) {
    for (const OptionSpec& o : c.options) {
      if (o.values == Values::none) continue;
      std::vector<std::string> patterns;
      for (const std::string& n : o.names) patterns.push_back(fmt::format("'{} {}'", c.path, n));
      s += fmt::format("    {}) echo '{}' ;;\n", joined(patterns, "|"), how(o.values, o.choices));
    }
  });
  s += "  esac\n}\n\n";

  s += "__attn_argument() {\n  case $1 in\n";
  each_command(root, [&](const CommandSpec& c) {
    if (c.argument_values != Values::none)
      s += fmt::format("    '{}') echo '{}' ;;\n", c.path,
                       how(c.argument_values, c.argument_choices));
  });
  s += "  esac\n}\n\n";

  s += fmt::format("__attn_mask_words='{}'\n\n", joined(mask_words()));

  s += R"sh(# Completes $cur as a value of kind $1 into COMPREPLY.
__attn_complete_value() {
  local head
  case $1 in
    file)
      compopt -o filenames 2>/dev/null
      COMPREPLY=($(compgen -f -- "$cur")) ;;
    at-file | mask)
      if [[ $cur == @* ]]; then
        compopt -o nospace 2>/dev/null
        COMPREPLY=($(compgen -f -P @ -- "${cur#@}"))
      elif [[ $1 == mask ]]; then
        # Keep what is written up to the last operator; complete the atom after it.
        head=${cur%"${cur##*[&|!(]}"}
        compopt -o nospace 2>/dev/null
        COMPREPLY=($(compgen -P "$head" -W "$__attn_mask_words" -- "${cur#"$head"}"))
      fi ;;
    choices\ *)
      COMPREPLY=($(compgen -W "${1#choices }" -- "$cur")) ;;
  esac
}

_attn() {
  local cur=${COMP_WORDS[COMP_CWORD]} path= opt= i j w nargs=0 words argument
  COMPREPLY=()
  # Walk the words before the cursor: command names extend the path; an option that takes a
  # value skips it (bash splits --opt=VALUE at the '=').
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=${COMP_WORDS[i]}
    case $w in
      -*)
        [[ -z $(__attn_value "$path" "$w") ]] && continue
        j=$((i + 1))
        [[ ${COMP_WORDS[j]} == = ]] && ((j++))
        if ((j >= COMP_CWORD)); then
          opt=$w
          break
        fi
        i=$j ;;
      *)
        if [[ " $(__attn_subcommands "$path") " == *" $w "* ]]; then
          path=${path:+$path }$w
          nargs=0
        else
          ((nargs++))
        fi ;;
    esac
  done
  [[ $cur == = ]] && cur=
  if [[ -n $opt ]]; then
    __attn_complete_value "$(__attn_value "$path" "$opt")"
    return 0
  fi
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$(__attn_options "$path")" -- "$cur"))
    return 0
  fi
  words=$(__attn_subcommands "$path")
  argument=$(__attn_argument "$path")
  if [[ -n $argument && $nargs == 0 ]]; then
    __attn_complete_value "$argument"
  elif [[ -z $words ]]; then
    words=$(__attn_options "$path")
  fi
  COMPREPLY+=($(compgen -W "$words" -- "$cur"))
  return 0
}

complete -F _attn attn
)sh";
  return s;
}

// ---- zsh ------------------------------------------------------------------------------------

// Text inside a single-quoted zsh word, within an _arguments [description].
std::string zsh_quote(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\'')
      out += "'\\''";
    else if (c == '[')
      out += '(';
    else if (c == ']')
      out += ')';
    else if (c == '\\')
      out += "\\\\";
    else
      out += c;
  }
  return out;
}

std::string zsh_function(const CommandSpec& c) {
  // Commands are _attn, _attn_score, _attn_explain_steps; helpers start with two underscores.
  std::string name = c.path.empty() ? "_attn" : "_attn_";
  for (char ch : c.path) name += (ch == ' ' || ch == '-') ? '_' : ch;
  return name;
}

std::string zsh_action(Values v, const std::vector<std::string>& choices) {
  switch (v) {
    case Values::choices:
      return fmt::format("({})", joined(choices));
    case Values::file:
      return "_files";
    case Values::at_file:
      return "__attn_at_file";
    case Values::mask:
      return "__attn_mask_expr";
    case Values::none:
    case Values::word:
      return " ";
  }
  return " ";
}

std::string zsh_message(std::string_view type) {
  std::string out;
  for (char c : type) out += c == ':' ? ' ' : c;
  return zsh_quote(out.empty() ? "VALUE" : out);
}

void zsh_command(const CommandSpec& c, std::string& s) {
  s += fmt::format("{}() {{\n", zsh_function(c));
  if (!c.commands.empty())
    s += "  local curcontext=$curcontext state state_descr line ret=1\n  typeset -A opt_args\n";
  s += fmt::format("  _arguments -s -S{}", c.commands.empty() ? "" : " -C");
  for (const OptionSpec& o : c.options) {
    const std::string exclusive =
        o.names.size() > 1 ? fmt::format("({})", joined(o.names)) : std::string();
    for (const std::string& n : o.names) {
      if (o.values == Values::none) {
        s += fmt::format(" \\\n    '{}{}[{}]'", exclusive, n, zsh_quote(o.help));
      } else {
        s +=
            fmt::format(" \\\n    '{}{}{}[{}]:{}:{}'", exclusive, n, n.starts_with("--") ? "=" : "",
                        zsh_quote(o.help), zsh_message(o.type), zsh_action(o.values, o.choices));
      }
    }
  }
  if (!c.commands.empty()) {
    s += " \\\n    '1: :->command' \\\n    '*:: :->argument' && ret=0\n";
    s += "  case $state in\n    command)\n      local -a commands=(\n";
    for (const CommandSpec& sub : c.commands)
      s += fmt::format("        '{}:{}'\n", sub.name, zsh_quote(sub.summary));
    s += "      )\n      _describe -t commands 'attn command' commands && ret=0 ;;\n";
    s += "    argument)\n      curcontext=${curcontext%:*:*}:attn-$line[1]:\n";
    s += "      case $line[1] in\n";
    for (const CommandSpec& sub : c.commands)
      s += fmt::format("        {}) {} && ret=0 ;;\n", sub.name, zsh_function(sub));
    s += "      esac ;;\n  esac\n  return ret\n}\n\n";
  } else {
    if (c.argument_values != Values::none)
      s += fmt::format(" \\\n    '1:{}:{}'", c.argument,
                       zsh_action(c.argument_values, c.argument_choices));
    s += "\n}\n\n";
  }
  for (const CommandSpec& sub : c.commands) zsh_command(sub, s);
}

std::string zsh_script(const CommandSpec& root) {
  std::string s = "#compdef attn\n";
  s += header("zsh", "#");
  s += "# Install it as _attn in a directory on $fpath, or after compinit: "
       "source <(attn completion zsh)\n\n";
  std::vector<std::string> bare, parameterised;
  for (const std::string& w : mask_words()) (w.ends_with(':') ? parameterised : bare).push_back(w);
  s += fmt::format(
      R"sh(# A mask expression: keep what is written up to the last operator, complete the atom after
# it; @FILE completes a file name.
__attn_mask_expr() {{
  if [[ $PREFIX == @* ]]; then
    compset -P '@'
    _files
    return
  fi
  compset -P '*[&|!(]'
  compadd -- {}
  compadd -S '' -- {}
}}

# A literal value, or @FILE.
__attn_at_file() {{
  if [[ $PREFIX == @* ]]; then
    compset -P '@'
    _files
  else
    _message 'a value, or @FILE' 
  fi
}}

)sh",
      joined(bare), joined(parameterised));
  zsh_command(root, s);
  s += R"sh(if [[ $funcstack[1] == _attn ]]; then
  _attn "$@"
else
  compdef _attn attn
fi
)sh";
  return s;
}

// ---- fish -----------------------------------------------------------------------------------

std::string fish_quote(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

std::string fish_script(const CommandSpec& root) {
  std::string s = header("fish", "#");
  s += "# Load it with: attn completion fish | source\n\n";

  s += "function __attn_subcommands --argument-names path\n    switch \"$path\"\n";
  each_command(root, [&](const CommandSpec& c) {
    if (!c.commands.empty())
      s += fmt::format("        case {}\n            printf '%s\\n' {}\n", fish_quote(c.path),
                       joined(command_names(c)));
  });
  s += "    end\nend\n\n";

  s += "function __attn_takes_value --argument-names path option\n    switch \"$path $option\"\n";
  each_command(root, [&](const CommandSpec& c) {
    std::vector<std::string> patterns;
    for (const OptionSpec& o : c.options)
      if (o.values != Values::none)
        for (const std::string& n : o.names) patterns.push_back(fish_quote(c.path + " " + n));
    if (!patterns.empty())
      s += fmt::format("        case {}\n            return 0\n", joined(patterns));
  });
  s += "    end\n    return 1\nend\n\n";

  s += R"sh(# The command path so far ("" for attn itself, "score", …), skipping option values.
function __attn_path
    set -l words (commandline -opc)
    set -e words[1]
    set -l path ''
    set -l skip 0
    for w in $words
        if test $skip = 1
            set skip 0
            continue
        end
        switch $w
            case '--*=*'
            case '-*'
                __attn_takes_value "$path" $w; and set skip 1
            case '*'
                if contains -- $w (__attn_subcommands "$path")
                    set path (string trim -- "$path $w")
                end
        end
    end
    echo $path
end

function __attn_at --argument-names want
    set -l path (__attn_path)
    test "$path" = "$want"
end

# The value being typed, without a leading --option=.
function __attn_token
    string replace -r -- '^--[^=]*=' '' (commandline -ct)
end

function __attn_at_file
    set -l token (__attn_token)
    string match -q -- '@*' "$token"; or return
    for f in (string sub -s 2 -- "$token")*
        if test -d $f
            echo @$f/
        else
            echo @$f
        end
    end
end

)sh";
  s += "function __attn_mask\n    set -l token (__attn_token)\n";
  s += "    if string match -q -- '@*' \"$token\"\n        __attn_at_file\n        return\n    "
       "end\n";
  s += "    set -l head (string match -r -- '^.*[&|!(]' \"$token\")\n";
  s += "    set -q head[1]; or set head ''\n";
  s += fmt::format("    for atom in {}\n        echo $head$atom\n    end\nend\n\n",
                   joined(mask_words()));

  s += "complete -c attn -f\n";
  each_command(root, [&](const CommandSpec& c) {
    const std::string at = fmt::format("-n {}", fish_quote("__attn_at " + fish_quote(c.path)));
    for (const CommandSpec& sub : c.commands)
      s += fmt::format("complete -c attn {} -a {} -d {}\n", at, sub.name, fish_quote(sub.summary));
    if (c.argument_values == Values::choices)
      for (std::size_t k = 0; k < c.argument_choices.size(); ++k)
        s += fmt::format(
            "complete -c attn {} -a {}{}\n", at, fish_quote(c.argument_choices[k]),
            k < c.argument_help.size() ? " -d " + fish_quote(c.argument_help[k]) : std::string());
    else if (c.argument_values == Values::file)
      s += fmt::format("complete -c attn {} -F\n", at);
    else if (c.argument_values == Values::mask)
      s += fmt::format("complete -c attn {} -a '(__attn_mask)'\n", at);
    for (const OptionSpec& o : c.options) {
      std::string names;
      for (const std::string& n : o.names)
        names += n.starts_with("--") ? fmt::format(" -l {}", n.substr(2))
                                     : fmt::format(" -s {}", n.substr(1));
      std::string value;
      switch (o.values) {
        case Values::none:
          break;
        case Values::word:
          value = " -x";
          break;
        case Values::choices:
          value = fmt::format(" -x -a {}", fish_quote(joined(o.choices)));
          break;
        case Values::file:
          value = " -r -F";
          break;
        case Values::at_file:
          value = " -x -a '(__attn_at_file)'";
          break;
        case Values::mask:
          value = " -x -a '(__attn_mask)'";
          break;
      }
      s += fmt::format("complete -c attn {}{}{} -d {}\n", at, names, value, fish_quote(o.help));
    }
  });
  return s;
}

// ---- the command ----------------------------------------------------------------------------

constexpr std::array<std::string_view, 3> kShells{"bash", "zsh", "fish"};

struct CompletionOptions {
  std::string shell;
};

void run_completion(const CLI::App& root, const CompletionOptions& o) {
  const CommandSpec tree = command_tree(root);
  if (o.shell == "bash") return print_result(bash_script(tree));
  if (o.shell == "zsh") return print_result(zsh_script(tree));
  if (o.shell == "fish") return print_result(fish_script(tree));
  const auto guess = nearest(o.shell, kShells);
  throw usage_error(fmt::format("attn has no completion for the shell '{}'", o.shell),
                    guess ? fmt::format("did you mean 'attn completion {}'?", *guess)
                          : std::string("give bash, zsh or fish"));
}

}  // namespace

void setup_completion(CLI::App& app) {
  auto opts = std::make_shared<CompletionOptions>();
  auto* cmd = app.add_subcommand(
      "completion",
      describe("Print a shell completion script for attn: commands, flags, mask atoms, choices "
               "and files. Packages install it already.",
               {"source <(attn completion bash)", "attn completion zsh > ~/.zfunc/_attn",
                "attn completion fish > ~/.config/fish/completions/attn.fish"}));
  cmd->add_option("shell", opts->shell, "the shell to complete for")
      ->required()
      ->type_name("bash|zsh|fish");
  const CLI::App* root = &app;
  cmd->callback([root, opts] { run_completion(*root, *opts); });
}

}  // namespace attn::cli
