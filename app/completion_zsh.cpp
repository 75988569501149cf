// The zsh completion script: one _arguments function per command, _attn at the top.
#include <fmt/format.h>

#include <string>
#include <string_view>
#include <vector>

#include "completion_spec.hpp"

namespace attn::cli::completion {
namespace {

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

}  // namespace

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

}  // namespace attn::cli::completion
