// What every command shares: the input and output flags, and how results reach the terminal.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <string_view>

#include "attn/input.hpp"
#include "attn/render_text.hpp"

namespace attn::cli {

// Flags that shape how results are printed.
struct OutputOptions {
  bool json = false;
  int digits = 4;
  bool quiet = false;
};

// --q --k --v --scores --input --mask --align --scale --no-scale --empty-rows, in groups.
void add_input_options(CLI::App& cmd, InputArgs& args, Stage stage);
// --json --digits -q
void add_output_options(CLI::App& cmd, OutputOptions& out);

TextOptions text_options(const OutputOptions& out);

// Results go to stdout; notes and warnings to stderr as "attn: warning: …", unless -q.
void print_result(std::string_view text);
void warn(const OutputOptions& out, std::string_view message);

// The help text's opening: what the command does, then examples.
std::string describe(std::string_view summary, std::initializer_list<std::string_view> examples);

}  // namespace attn::cli
