// The bash completion script: a few case tables (subcommands, options, what each value is) and
// one function, _attn, that walks the words before the cursor.
#include <fmt/format.h>

#include <string>
#include <vector>

#include "completion_spec.hpp"

namespace attn::cli::completion {
namespace {

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

}  // namespace

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

}  // namespace attn::cli::completion
