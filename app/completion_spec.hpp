// The CLI as the completion scripts see it: a tree of commands, each with its flags and what each
// flag's value is, read from the real CLI11 tree at run time (so a new command or flag completes as
// soon as it exists). completion_bash.cpp, completion_zsh.cpp and completion_fish.cpp each turn it
// into one shell's script; completion.cpp is the command.
//
// What a value completes to comes from the option itself:
//   --mask, or a positional described by attn::mask_syntax()
//                                mask atoms (attn::mask_atom_names()) after any & | ! (, or @FILE
//   type_name FILE (or PATH…)    file names
//   type_name a|b|c (lowercase)  those choices, as --align and --empty-rows declare them
//   a matrix (type_name …|MAT) or a description naming @file
//                                @FILE completes file names after the @ (--q, --k, --v, …)
//   --color                      always, never, auto
// and `attn help` completes its topics and the command names.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace attn::cli::completion {

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

// The tree under `root`, hidden options and commands left out.
CommandSpec command_tree(const CLI::App& root);

// The mask atoms as they complete: "causal", and "window:" for an atom that needs parameters.
std::vector<std::string> mask_words();

// Calls f on c and on every command below it, parents first.
template <typename F>
void each_command(const CommandSpec& c, F&& f) {
  f(c);
  for (const CommandSpec& sub : c.commands) each_command(sub, f);
}

std::string joined(const std::vector<std::string>& words, std::string_view separator = " ");
// Every flag name of c ("-q", "--quiet", …).
std::vector<std::string> option_names(const CommandSpec& c);
// The names of c's subcommands.
std::vector<std::string> command_names(const CommandSpec& c);

// The script's opening comment: which shell, which version of attn.
std::string header(std::string_view shell, std::string_view comment);

// One script per shell.
std::string bash_script(const CommandSpec& root);
std::string zsh_script(const CommandSpec& root);
std::string fish_script(const CommandSpec& root);

}  // namespace attn::cli::completion
