// What every command shares: the input and output flags, and how results reach the terminal.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <string_view>

#include "attn/io/input.hpp"
#include "attn/render/color.hpp"
#include "attn/render/formats.hpp"
#include "attn/render/heatmap.hpp"
#include "attn/render/html.hpp"
#include "attn/render/text.hpp"

namespace attn::cli {

// Flags that shape how results are printed.
struct OutputOptions {
  bool json = false;
  Format format = Format::text;
  bool standalone = false;  // latex: a whole document
  int digits = 4;
  bool quiet = false;
  ColorMode color = ColorMode::automatic;
};

// The matrix as a picture instead of (--heatmap) or besides (--svg, --html) the numbers.
struct PictureOptions {
  bool heatmap = false;
  std::optional<std::string> svg;     // file to write
  std::optional<std::string> html;    // the explorable page, file to write
  std::optional<std::string> tokens;  // "The,cat,sat": names for the positions
  bool ascii = false;
  bool numbers = false;  // the value in each cell
};

// --q --k --v --scores --input --mask --align --scale --no-scale --empty-rows, in groups.
void add_input_options(CLI::App& cmd, InputArgs& args, Stage stage);
// --rope, --rope-base, --rope-style, --rope-dim, --rope-scale, --q-positions, --k-positions.
void add_rope_options(CLI::App& cmd, RopeArgs& rope);
// --align: where queries sit when n_q ≠ n_k.
void add_align_option(CLI::App& cmd, Align& align, const char* group);
// --n N [--m M] [--align]: the shape of a mask or bias printed without vectors (`attn mask`,
// `attn bias`), up to 1 000 000 on a side.
void add_shape_options(CLI::App& cmd, std::size_t& n, std::optional<std::size_t>& m, Align& align);

// --json --format --standalone --digits --color -q
void add_output_options(CLI::App& cmd, OutputOptions& out);
// --heatmap --svg --html --tokens --ascii --numbers
void add_picture_options(CLI::App& cmd, PictureOptions& pictures);

Format output_format(const OutputOptions& out);
// Colour for results on stdout, by the one policy (--color, NO_COLOR, CLICOLOR_FORCE, tty).
ColorChoice stdout_color(const OutputOptions& out);
TextOptions text_options(const OutputOptions& out);
FormatOptions format_options(const OutputOptions& out, const AxisLabels& labels);
HtmlOptions html_options(const OutputOptions& out, const AxisLabels& labels);

// One picture: a matrix per head (or just one), how it is coloured and what its axes are.
struct Picture {
  std::string title;  // above the heatmap when there are several pictures: "weights" (ASCII)
  std::vector<NamedMatrix> panels;
  HeatScale scale = HeatScale::unit;
  AxisLabels labels;
  AxisTitles axes;
  std::string caption;  // the SVG's: "attn: weights α, mask causal"
};

// --heatmap draws every picture on the terminal, one under the other; --svg FILE writes the first.
// Returns true when the heatmap took the place of the usual output.
bool show_pictures(const PictureOptions& p, const OutputOptions& out,
                   std::span<const Picture> pictures);

// -q with --svg or --html: the files are all the command writes, nothing goes to stdout.
bool files_only(const PictureOptions& p, const OutputOptions& out);

// Help as attn prints it: "-h, --help", and one line per command in a command list (the full
// description, with its examples, is on the command's own --help).
std::shared_ptr<CLI::Formatter> help_formatter();

// --explain I,J: a query row and a key column, counting from 0.
std::pair<std::size_t, std::size_t> parse_cell_flag(const std::string& text);

// Results go to stdout; notes and warnings to stderr as "attn: warning: …", unless -q.
void print_result(std::string_view text);
void warn(const OutputOptions& out, std::string_view message);

// A command's summary, for lists of commands: the first sentence of its description.
std::string first_sentence(std::string_view description);

// The help text's opening: what the command does, then examples.
std::string describe(std::string_view summary, std::initializer_list<std::string_view> examples);

}  // namespace attn::cli
