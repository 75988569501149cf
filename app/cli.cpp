#include "cli.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cstdio>
#include <map>
#include <sstream>

#include "attn/core/error.hpp"
#include "attn/io/output_file.hpp"
#include "attn/render/svg.hpp"

namespace attn::cli {

void add_input_options(CLI::App& cmd, InputArgs& args, Stage stage) {
  const char* input = "Input";
  cmd.add_option("--q", args.q,
                 "queries: a vector 2,0.5,1,-1.5, a matrix \"1,0;0,1\", JSON, or @file")
      ->type_name("VEC|MAT")
      ->group(input);
  cmd.add_option("--k", args.k, "keys, one row per key, as --q")
      ->type_name("VEC|MAT")
      ->group(input);
  if (stage == Stage::output)
    cmd.add_option("--v", args.v, "values, one row per key, as --q")
        ->type_name("VEC|MAT")
        ->group(input);
  if (stage == Stage::weights)
    cmd.add_option("--scores", args.scores,
                   "take these scores straight to softmax (-inf = blocked) instead of --q/--k")
        ->type_name("ROW|MAT")
        ->group(input);
  cmd.add_option("--input", args.input,
                 "read a JSON document {\"q\":…,\"k\":…,…} from FILE (- = stdin)")
      ->type_name("FILE")
      ->group(input);

  const char* computation = "Computation";
  cmd.add_option("--scale", args.scale, "multiply q·k by C instead of 1/√d_k")
      ->type_name("C")
      ->group(computation);
  cmd.add_flag("--no-scale", args.no_scale, "do not scale: c = 1")->group(computation);
  cmd.add_option("--mask", args.mask,
                 "causal, none, an expression like causal&window:3, or a matrix (JSON or @file)")
      ->type_name("EXPR|MAT")
      ->group(computation);
  cmd.add_option("--bias", args.bias,
                 "add a positional bias: alibi, alibi:SLOPE, alibi:symmetric[:SLOPE], t5, "
                 "t5:causal, relative:V,…, or a matrix (JSON or @file)")
      ->type_name("KIND|MAT")
      ->group(computation);
  cmd.add_option("--bias-table", args.bias_table, "the t5 bias's value per bucket (JSON or @file)")
      ->type_name("VALUES")
      ->group(computation);
  cmd.add_option("--softcap", args.softcap, "cap scores at ±C with C·tanh(β/C) (Gemma 2: 50)")
      ->type_name("C")
      ->group(computation);
  cmd.add_option("--softcap-order", args.softcap_order,
                 "bias-first caps c·s + b (the default); cap-first caps c·s, then adds b "
                 "(flash-attn)")
      ->type_name("bias-first|cap-first")
      ->group(computation);
  cmd.add_option("--heads", args.heads, "split q, k, v into H heads (q has H·d_k columns)")
      ->type_name("H")
      ->group(computation);
  cmd.add_option("--kv-heads", args.kv_heads,
                 "key/value heads for grouped-query attention (default H; 1 = multi-query)")
      ->type_name("G")
      ->group(computation);
  cmd.add_option("--head", args.head, "show only head h (from 1)")
      ->type_name("h")
      ->group(computation);
  add_align_option(cmd, args.align, computation);
  add_rope_options(cmd, args.rope);
  if (stage != Stage::scores) {
    static const std::map<std::string, EmptyRows> kEmpty{{"zero", EmptyRows::zero},
                                                         {"nan", EmptyRows::nan},
                                                         {"uniform", EmptyRows::uniform},
                                                         {"error", EmptyRows::error}};
    cmd.add_option("--empty-rows", args.empty_rows,
                   "what a row with every key blocked gets (default zero)")
        ->transform(CLI::CheckedTransformer(kEmpty, CLI::ignore_case).description(""))
        ->type_name("zero|nan|uniform|error")
        ->group(computation);
  }
}

void add_rope_options(CLI::App& cmd, RopeArgs& rope) {
  const char* group = "Rotary position embedding";
  cmd.add_flag("--rope", rope.enabled, "rotate q and k by their positions before the dot products")
      ->group(group);
  cmd.add_option("--rope-base", rope.base, "θ_i = B^(−2i/R) (default 10000)")
      ->type_name("B")
      ->group(group);
  static const std::map<std::string, RopeStyle> kStyle{{"half", RopeStyle::half},
                                                       {"interleaved", RopeStyle::interleaved}};
  cmd.add_option("--rope-style", rope.style,
                 "pairs (i, i + R/2) as GPT-NeoX and HF LLaMA (default), or (2i, 2i + 1) as GPT-J")
      ->transform(CLI::CheckedTransformer(kStyle, CLI::ignore_case).description(""))
      ->type_name("half|interleaved")
      ->group(group);
  cmd.add_option("--rope-dim", rope.dim, "rotate the first R dimensions only (default d_k)")
      ->type_name("R")
      ->group(group);
  cmd.add_option("--rope-scale", rope.scale, "divide positions by s (linear interpolation)")
      ->type_name("s")
      ->group(group);
  cmd.add_option("--q-positions", rope.q_positions,
                 "the queries' position ids (default: the last n_q, or the first with top-left)")
      ->type_name("P1,P2,…")
      ->group(group);
  cmd.add_option("--k-positions", rope.k_positions, "the keys' position ids (default 0 … n_k − 1)")
      ->type_name("P1,P2,…")
      ->group(group);
}

void add_align_option(CLI::App& cmd, Align& align, const char* group) {
  static const std::map<std::string, Align> kAlign{{"bottom-right", Align::bottom_right},
                                                   {"top-left", Align::top_left}};
  cmd.add_option("--align", align,
                 "where queries sit when n_q ≠ n_k: the last positions (default, p = i + n_k − "
                 "n_q) or the first (p = i)")
      ->transform(CLI::CheckedTransformer(kAlign, CLI::ignore_case).description(""))
      ->type_name("bottom-right|top-left")
      ->group(group);
}

void add_shape_options(CLI::App& cmd, std::size_t& n, std::optional<std::size_t>& m, Align& align) {
  const char* shape = "Shape";
  const auto side = CLI::Range(std::size_t{1}, std::size_t{1'000'000}).description("");
  cmd.add_option("--n", n, "queries (rows)")
      ->required()
      ->check(side)
      ->type_name("1..1000000")
      ->group(shape);
  cmd.add_option("--m", m, "keys (columns); default --n")
      ->check(side)
      ->type_name("1..1000000")
      ->group(shape);
  add_align_option(cmd, align, shape);
}

void add_output_options(CLI::App& cmd, OutputOptions& out) {
  const char* output = "Output";
  cmd.add_flag("--json", out.json, "write one JSON object instead of the worked steps")
      ->group(output);
  static const std::map<std::string, Format> kFormats{{"text", Format::text},
                                                      {"json", Format::json},
                                                      {"markdown", Format::markdown},
                                                      {"latex", Format::latex},
                                                      {"csv", Format::csv}};
  cmd.add_option("--format", out.format,
                 "text (worked steps, the default), json, markdown, latex or csv")
      ->transform(CLI::CheckedTransformer(kFormats, CLI::ignore_case).description(""))
      ->type_name("text|json|markdown|latex|csv")
      ->group(output);
  cmd.add_flag("--standalone", out.standalone, "with --format latex: a whole document for pdflatex")
      ->group(output);
  static const std::map<std::string, ColorMode> kColor{
      {"auto", ColorMode::automatic}, {"always", ColorMode::always}, {"never", ColorMode::never}};
  cmd.add_option("--color", out.color,
                 "colour: auto (on a terminal, unless NO_COLOR is set), always or never")
      ->transform(CLI::CheckedTransformer(kColor, CLI::ignore_case).description(""))
      ->type_name("auto|always|never")
      ->group(output);
  cmd.add_option("--digits", out.digits, "decimals shown in text output (default 4)")
      ->check(CLI::Range(0, 17).description(""))
      ->type_name("0..17")
      ->group(output);
  cmd.add_flag("-q,--quiet", out.quiet, "no warnings or notes on stderr")->group(output);
}

void add_picture_options(CLI::App& cmd, PictureOptions& pictures) {
  const char* group = "Pictures";
  cmd.add_flag("--heatmap", pictures.heatmap, "draw the matrix as a coloured heatmap")
      ->group(group);
  cmd.add_option("--svg", pictures.svg,
                 "write the matrix as a standalone SVG picture to FILE (with -q, nothing else)")
      ->type_name("FILE")
      ->group(group);
  cmd.add_option("--html", pictures.html,
                 "write a web page of every step to FILE, each cell's derivation a hover away")
      ->type_name("FILE")
      ->group(group);
  cmd.add_option("--tokens", pictures.tokens, "names for the positions, e.g. The,cat,sat,down")
      ->type_name("T1,T2,…")
      ->group(group);
  cmd.add_flag("--ascii", pictures.ascii, "heatmap in plain ASCII (the ramp \" .:-=+*#%@\")")
      ->group(group);
  cmd.add_flag("--numbers", pictures.numbers, "write each value in its heatmap cell")->group(group);
}

Format output_format(const OutputOptions& out) {
  return out.json ? Format::json : out.format;
}

ColorChoice stdout_color(const OutputOptions& out) {
  return decide_color(out.color, Stream::out);
}

TextOptions text_options(const OutputOptions& out) {
  TextOptions t;
  t.number.digits = out.digits;
  t.color = stdout_color(out).enabled;
  if (is_terminal(Stream::out)) t.width = terminal_width(Stream::out, process_env());
  return t;
}

FormatOptions format_options(const OutputOptions& out, const AxisLabels& labels) {
  FormatOptions f;
  f.number.digits = out.digits;
  f.query_labels = labels.rows;
  f.key_labels = labels.cols;
  f.standalone = out.standalone;
  f.text = text_options(out);
  return f;
}

HtmlOptions html_options(const OutputOptions& out, const AxisLabels& labels) {
  HtmlOptions h;
  h.number.digits = out.digits;
  h.labels = labels;
  return h;
}

bool show_pictures(const PictureOptions& p, const OutputOptions& out,
                   std::span<const Picture> pictures) {
  if (p.svg) {
    const Picture& first = pictures.front();
    SvgOptions svg;
    svg.scale = first.scale;
    svg.row_labels = first.labels.rows;
    svg.col_labels = first.labels.cols;
    svg.axes = first.axes;
    svg.caption = first.caption;
    svg.numbers = p.numbers;
    svg.number.digits = out.digits;
    write_file_atomically(*p.svg, first.panels.size() == 1 ? render_svg(first.panels.front().m, svg)
                                                           : render_svg(first.panels, svg));
  }
  if (!p.heatmap) return false;
  std::string text;
  for (const Picture& picture : pictures) {
    HeatmapOptions h;
    h.scale = picture.scale;
    h.color = stdout_color(out);
    h.ascii = p.ascii;
    h.row_labels = picture.labels.rows;
    h.col_labels = picture.labels.cols;
    h.axes = picture.axes;
    h.numbers = p.numbers;
    h.number.digits = out.digits;
    h.width = terminal_width(Stream::out, process_env());
    if (pictures.size() > 1) h.title = picture.title;
    text += (text.empty() ? "" : "\n") + (picture.panels.size() == 1
                                              ? render_heatmap(picture.panels.front().m, h)
                                              : render_heatmaps(picture.panels, h));
  }
  print_result(text);
  return true;
}

bool files_only(const PictureOptions& p, const OutputOptions& out) {
  return out.quiet && (p.svg || p.html);
}

namespace {

std::size_t parse_index(std::string_view text, const std::string& whole) {
  std::size_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size())
    throw usage_error(
        fmt::format("--explain: expected I,J (query row, key column), got '{}'", whole),
        "e.g. --explain 3,1 for row 3, column 1, counting from 0");
  return value;
}

}  // namespace

std::pair<std::size_t, std::size_t> parse_cell_flag(const std::string& text) {
  const std::size_t comma = text.find(',');
  if (comma == std::string::npos) parse_index("", text);
  const std::string_view view = text;
  return {parse_index(view.substr(0, comma), text), parse_index(view.substr(comma + 1), text)};
}

namespace {

class HelpFormatter : public CLI::Formatter {
 public:
  std::string make_subcommand(const CLI::App* sub) const override {
    const std::string& description = sub->get_description();
    std::stringstream out;
    CLI::detail::format_help(out, sub->get_display_name(true),
                             description.substr(0, description.find('\n')), get_column_width());
    return out.str();
  }
  std::string make_option_name(const CLI::Option* opt, bool positional) const override {
    std::string name = CLI::Formatter::make_option_name(opt, positional);
    if (positional) return name;
    for (std::size_t at = name.find(','); at != std::string::npos; at = name.find(',', at + 2))
      name.insert(at + 1, " ");
    return name;
  }
};

}  // namespace

std::shared_ptr<CLI::Formatter> help_formatter() {
  return std::make_shared<HelpFormatter>();
}

void print_result(std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
}

void warn(const OutputOptions& out, std::string_view message) {
  if (!out.quiet) fmt::print(stderr, "attn: warning: {}\n", message);
}

std::string first_sentence(std::string_view description) {
  std::string line(description.substr(0, description.find('\n')));
  if (const auto stop = line.find(". "); stop != std::string::npos) line.resize(stop + 1);
  return line;
}

std::string describe(std::string_view summary, std::initializer_list<std::string_view> examples) {
  std::string text = fmt::format("{}\n\nExamples:\n", summary);
  for (std::string_view e : examples) text += fmt::format("  {}\n", e);
  return text;
}

}  // namespace attn::cli
