// CLI11's parse errors in attn's words. CLI11 says "The following arguments were not expected:
// 1,1 --key" (in reverse), "Check sometimes value in {always->1,…} FAILED" or "A subcommand is
// required"; attn says what was typed, in the order it was typed, and how to fix it:
//   unknown option '--key' for attn score           hint: did you mean '--k'?
//   --q takes one value, but the shell passed 4 words: [2, 0.5, 1, -1.5]
//                                                    hint: quote it: --q '[2, 0.5, 1, -1.5]'
//   unknown command 'attn explain nosuch'           hint: attn explain takes scaling or steps
// The command line is read again against the CLI tree to find the first word at fault.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace attn::cli {

struct UsageMessage {
  std::string message;
  std::string hint;
};

// `args` is the command line after the program's name.
UsageMessage describe_parse_error(const CLI::App& root, const CLI::ParseError& error,
                                  const std::vector<std::string>& args);

}  // namespace attn::cli
