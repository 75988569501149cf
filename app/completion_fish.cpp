// The fish completion script: helper functions that find the command path, then one `complete`
// line per command, subcommand and flag.
#include <fmt/format.h>

#include <string>
#include <string_view>
#include <vector>

#include "completion_spec.hpp"

namespace attn::cli::completion {
namespace {

std::string fish_quote(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

}  // namespace

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

}  // namespace attn::cli::completion
