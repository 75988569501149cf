// What every command shares: the input and output flags, the values they accept, the check that
// refuses a flag with nothing to do, and how results and diagnostics reach the terminal.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "attn/io/input.hpp"
#include "attn/io/output_file.hpp"
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

// ---- Values a flag accepts ---------------------------------------------------------------------
// CLI11 reports a refused value as "--flag: MESSAGE"; these write MESSAGE in attn's words, as
// "must be …, not …", which the usage errors print as "--flag must be …, not …".

// A whole number from lo to hi, checked as typed: "-1", "1.5" and 99999999999999999999 are refused
// ("--heads must be a whole number from 1 to 4096, not '-1'") instead of wrapping around.
CLI::Validator whole_number(std::uint64_t lo, std::uint64_t hi);
// A real number as std::from_chars reads it ("2", "-0.5", "1e-3"); the command checks its range.
CLI::Validator real_number();
// One of `names` in any case ("must be auto, always or never, not 'sometimes'"). With `values`,
// the name is replaced by the value at the same index, the text CLI11 then converts.
CLI::Validator one_of(std::vector<std::string> names, std::vector<std::string> values = {});
// The same for an enum: the name is turned into the enum's number, which is how CLI11 reads one.
template <class E>
CLI::Validator one_of(std::initializer_list<std::pair<const char*, E>> choices) {
  std::vector<std::string> names, values;
  for (const auto& [name, value] : choices) {
    names.emplace_back(name);
    values.push_back(std::to_string(static_cast<std::underlying_type_t<E>>(value)));
  }
  return one_of(std::move(names), std::move(values));
}

// A comma-separated list of whole numbers from lo to hi ("4,16,64"), for `flag`: an empty item
// ("4,,16"), a value out of range or an empty list is a usage error naming it.
std::vector<std::size_t> parse_number_list(std::string_view text, std::string_view flag,
                                           std::size_t lo, std::size_t hi);
// --tokens: names at the commas, none of them empty.
std::vector<std::string> parse_tokens(std::string_view text);

// ---- The shared flags --------------------------------------------------------------------------

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

// ---- Flags that would do nothing ---------------------------------------------------------------

// Which flags were typed for one command, so that one with nothing to do can be refused rather
// than ignored.
class Given {
 public:
  explicit Given(const CLI::App* cmd) : cmd_(cmd) {}
  bool operator()(const std::string& flag) const;

 private:
  const CLI::App* cmd_;
};

// With tensor files: refuses by name the flags that shape literals (--heads, --kv-heads,
// --softcap-order, --bias-table), which a tensor's shape or the kernel fixes.
void refuse_literal_only(const InputArgs& in);

// Throws the usage error for a flag that would do nothing: "--standalone has no effect without
// --format latex" (`why` is "without --format latex"), naming the flag.
[[noreturn]] void refuse(std::string_view flag, std::string_view why, std::string hint = {});
// Throws the usage error for two flags that contradict each other: "--json and --format latex
// contradict each other".
[[noreturn]] void contradict(std::string_view first, std::string_view second,
                             std::string hint = {});

// For output shown as `out` says (no heatmap in its place): refuses --json beside another
// --format, --standalone without --format latex, --digits where every digit is written (JSON,
// CSV) and --color where nothing is coloured. `pictures_use_digits` and `pictures_use_color`: an
// SVG or heatmap also drawn uses them.
void check_output_flags(const OutputOptions& out, const Given& given,
                        bool pictures_use_digits = false, bool pictures_use_color = false);
// --ascii and --numbers without a picture, --tokens with nothing to label, and --json or --format
// beside --heatmap (which takes the output's place). `tables_label` is true when the command's
// Markdown, LaTeX and CSV output labels its rows and columns with the tokens.
void check_picture_flags(const PictureOptions& p, const OutputOptions& out, const Given& given,
                         bool tables_label);

// ---- Output ------------------------------------------------------------------------------------

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

// Help as attn prints it: "-h, --help", one line per command in a command list (the full
// description, with its examples, is on the command's own --help), and every line wrapped to the
// terminal's width (COLUMNS, else the terminal's, else 80) with descriptions aligned.
std::shared_ptr<CLI::Formatter> help_formatter();

// --explain I,J: a query row and a key column, counting from 0.
std::pair<std::size_t, std::size_t> parse_cell_flag(const std::string& text);

// Results go to stdout; a failed write is noticed at the end (exit 74).
void print_result(std::string_view text);
// Diagnostics go to stderr and never fail: a stderr that is closed (2>&-) or full loses the text,
// never the exit code.
void print_diagnostic(std::string_view text);
// "attn: warning: …" on stderr, unless -q.
void warn(const OutputOptions& out, std::string_view message);

// A command's summary, for lists of commands: the first sentence of its description.
std::string first_sentence(std::string_view description);
// The help text's opening: what the command does, then examples.
std::string describe(std::string_view summary, std::initializer_list<std::string_view> examples);
// The examples of a command's description ("attn score --q 2,0.5 --k 1,1"), for hints.
std::vector<std::string> examples_of(const CLI::App& cmd);

}  // namespace attn::cli
