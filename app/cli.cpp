#include "cli.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <limits>

#include "attn/core/error.hpp"
#include "attn/core/suggest.hpp"
#include "attn/io/output_file.hpp"
#include "attn/render/svg.hpp"

namespace attn::cli {

// ---- Values a flag accepts ---------------------------------------------------------------------

namespace {

std::string range_text(std::uint64_t lo, std::uint64_t hi) {
  return fmt::format("from {} to {}", lo, hi);
}

// text as a whole number, or nothing (a sign, a point, an exponent, a space, too many digits).
std::optional<std::uint64_t> whole(std::string_view text) {
  if (text.starts_with('+')) text.remove_prefix(1);
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

bool all_digits(std::string_view text) {
  if (text.starts_with('+')) text.remove_prefix(1);
  return !text.empty() && std::all_of(text.begin(), text.end(),
                                      [](unsigned char c) { return std::isdigit(c) != 0; });
}

}  // namespace

CLI::Validator whole_number(std::uint64_t lo, std::uint64_t hi) {
  return CLI::Validator(
      [lo, hi](std::string& text) -> std::string {
        const auto value = whole(text);
        if (value && *value >= lo && *value <= hi) return {};
        // Digits beyond 2^64 − 1, or a number outside the range: say the range; else the kind.
        if (value || all_digits(text))
          return fmt::format("must be {}, not {}", range_text(lo, hi), text);
        return fmt::format("must be a whole number {}, not '{}'", range_text(lo, hi), text);
      },
      "", "whole number");
}

CLI::Validator real_number() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        std::string_view s = text;
        if (s.starts_with('+')) s.remove_prefix(1);
        double value = 0;
        const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
        if (!s.empty() && ec == std::errc{} && end == s.data() + s.size()) return {};
        if (ec == std::errc::result_out_of_range)
          return fmt::format("must fit in a double, not {}", text);
        return fmt::format("must be a number, not '{}'", text);
      },
      "", "real number");
}

CLI::Validator one_of(std::vector<std::string> names, std::vector<std::string> values) {
  return CLI::Validator(
      [names = std::move(names), values = std::move(values)](std::string& text) -> std::string {
        std::string lower = text;
        std::transform(lower.begin(), lower.end(), lower.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        for (std::size_t i = 0; i < names.size(); ++i) {
          if (lower != names[i]) continue;
          text = values.empty() ? names[i] : values[i];
          return {};
        }
        std::vector<std::string_view> candidates(names.begin(), names.end());
        const auto guess = nearest(lower, candidates);
        std::string list;
        for (std::size_t i = 0; i < names.size(); ++i)
          list += fmt::format("{}{}",
                              i == 0                  ? ""
                              : i + 1 == names.size() ? " or "
                                                      : ", ",
                              names[i]);
        return fmt::format("must be {}, not '{}'{}", list, text,
                           guess ? fmt::format(" (did you mean '{}'?)", *guess) : std::string());
      },
      "", "one of");
}

std::vector<std::size_t> parse_number_list(std::string_view text, std::string_view flag,
                                           std::size_t lo, std::size_t hi) {
  std::vector<std::size_t> values;
  std::size_t start = 0;
  for (std::size_t item = 1;; ++item) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string_view piece = text.substr(start, comma - start);
    if (piece.empty())
      throw usage_error(
          fmt::format("{}: item {} of '{}' is empty", flag, item, text),
          fmt::format("separate the values with single commas, e.g. {} 4,16,64", flag));
    std::string copy(piece);
    if (const std::string problem = whole_number(lo, hi)(copy); !problem.empty())
      throw usage_error(fmt::format("{}: item {} {}", flag, item, problem));
    values.push_back(static_cast<std::size_t>(*whole(piece)));
    if (comma == text.size()) return values;
    start = comma + 1;
  }
}

std::vector<std::string> parse_tokens(std::string_view text) {
  std::vector<std::string> tokens = split_tokens(text);
  for (std::size_t i = 0; i < tokens.size(); ++i)
    if (tokens[i].empty())
      throw usage_error(fmt::format("--tokens: token {} of '{}' is empty", i + 1, text),
                        "give every position a name, e.g. --tokens The,cat,sat");
  return tokens;
}

// ---- The shared flags --------------------------------------------------------------------------

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
      ->check(real_number())
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
      ->check(real_number())
      ->type_name("C")
      ->group(computation);
  cmd.add_option("--softcap-order", args.softcap_order,
                 "bias-first caps c·s + b (the default); cap-first caps c·s, then adds b "
                 "(flash-attn)")
      ->type_name("bias-first|cap-first")
      ->group(computation);
  cmd.add_option("--heads", args.heads, "split q, k, v into H heads (q has H·d_k columns)")
      ->check(whole_number(1, max_heads))
      ->type_name("H")
      ->group(computation);
  cmd.add_option("--kv-heads", args.kv_heads,
                 "key/value heads for grouped-query attention (default H; 1 = multi-query)")
      ->check(whole_number(1, max_heads))
      ->type_name("G")
      ->group(computation);
  cmd.add_option("--head", args.head, "show only head h (from 1)")
      ->check(whole_number(1, max_heads))
      ->type_name("h")
      ->group(computation);
  add_align_option(cmd, args.align, computation);
  add_rope_options(cmd, args.rope);
  if (stage != Stage::scores) {
    cmd.add_option("--empty-rows", args.empty_rows,
                   "what a row with every key blocked gets (default zero)")
        ->transform(one_of<EmptyRows>({{"zero", EmptyRows::zero},
                                       {"nan", EmptyRows::nan},
                                       {"uniform", EmptyRows::uniform},
                                       {"error", EmptyRows::error}}))
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
  cmd.add_option("--align", align,
                 "where queries sit when n_q ≠ n_k: the last positions (default, p = i + n_k − "
                 "n_q) or the first (p = i)")
      ->transform(
          one_of<Align>({{"bottom-right", Align::bottom_right}, {"top-left", Align::top_left}}))
      ->type_name("bottom-right|top-left")
      ->group(group);
}

void add_shape_options(CLI::App& cmd, std::size_t& n, std::optional<std::size_t>& m, Align& align) {
  const char* shape = "Shape";
  const auto side = whole_number(1, 1'000'000);
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
  cmd.add_option("--format", out.format,
                 "text (worked steps, the default), json, markdown, latex or csv")
      ->transform(one_of<Format>({{"text", Format::text},
                                  {"json", Format::json},
                                  {"markdown", Format::markdown},
                                  {"latex", Format::latex},
                                  {"csv", Format::csv}}))
      ->type_name("text|json|markdown|latex|csv")
      ->group(output);
  cmd.add_flag("--standalone", out.standalone, "with --format latex: a whole document for pdflatex")
      ->group(output);
  cmd.add_option("--color", out.color,
                 "colour: auto (on a terminal, unless NO_COLOR is set), always or never")
      ->transform(one_of<ColorMode>({{"auto", ColorMode::automatic},
                                     {"always", ColorMode::always},
                                     {"never", ColorMode::never}}))
      ->type_name("auto|always|never")
      ->group(output);
  cmd.add_option("--digits", out.digits, "decimals shown in text output (default 4)")
      ->check(whole_number(0, 17))
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

// ---- Flags that would do nothing ---------------------------------------------------------------

bool Given::operator()(const std::string& flag) const {
  const CLI::Option* opt = cmd_->get_option_no_throw(flag);
  return opt != nullptr && opt->count() > 0;
}

void refuse(std::string_view flag, std::string_view why, std::string hint) {
  throw usage_error(fmt::format("{} has no effect {}", flag, why),
                    hint.empty() ? fmt::format("drop {}", flag) : std::move(hint));
}

void contradict(std::string_view first, std::string_view second, std::string hint) {
  throw usage_error(fmt::format("{} and {} contradict each other", first, second),
                    hint.empty() ? std::string("give one of them") : std::move(hint));
}

namespace {

std::string format_flag(Format f) {
  return fmt::format("--format {}", format_names()[static_cast<std::size_t>(f)]);
}

}  // namespace

void check_output_flags(const OutputOptions& out, const Given& given, bool pictures_use_digits,
                        bool pictures_use_color) {
  if (out.json && given("--format") && out.format != Format::json)
    contradict("--json", format_flag(out.format), "--json is --format json: give one format");
  const Format f = output_format(out);
  if (given("--standalone") && f != Format::latex)
    refuse("--standalone", "without --format latex", "it makes the LaTeX a whole document");
  const bool digits_used = f == Format::text || f == Format::markdown || f == Format::latex;
  if (given("--digits") && !digits_used && !pictures_use_digits)
    refuse("--digits", f == Format::json ? "with JSON output, which has every digit"
                                         : "with CSV output, which has every digit");
  if (given("--color") && f != Format::text && !pictures_use_color)
    refuse("--color", fmt::format("with {} output, which is never coloured",
                                  format_names()[static_cast<std::size_t>(f)]));
}

void refuse_literal_only(const InputArgs& in) {
  const auto refuse_flag = [](bool given, const char* flag, const char* why) {
    if (given) throw usage_error(fmt::format("{} {}", flag, why));
  };
  refuse_flag(in.heads.has_value(), "--heads",
              "splits literal columns into heads; tensor files carry their heads in their shape "
              "(B, H, S, D)");
  refuse_flag(in.kv_heads.has_value(), "--kv-heads",
              "is for literals; with tensor files k and v have H_kv heads in their shape");
  refuse_flag(
      in.softcap_order.has_value(), "--softcap-order",
      "is for literals; with tensor files the softcap comes after the bias, C·tanh((c·s + b)/C)");
  refuse_flag(in.bias_table.has_value(), "--bias-table",
              "goes with --bias t5, which tensor files do not take (alibi and alibi:SLOPE do)");
}

void check_picture_flags(const PictureOptions& p, const OutputOptions& out, const Given& given,
                         bool tables_label) {
  if (p.heatmap && (out.json || given("--format")))
    contradict("--heatmap", out.json ? std::string("--json") : format_flag(out.format),
               "--heatmap draws the matrix instead of printing it: give one");
  if (p.ascii && !p.heatmap) refuse("--ascii", "without --heatmap");
  if (p.numbers && !p.heatmap && !p.svg) refuse("--numbers", "without --heatmap or --svg");
  const Format f = output_format(out);
  const bool labelled_table =
      tables_label && (f == Format::markdown || f == Format::latex || f == Format::csv);
  if (p.tokens && !p.heatmap && !p.svg && !p.html && !labelled_table)
    refuse("--tokens",
           tables_label ? "without --heatmap, --svg, --html or --format markdown|latex|csv"
                        : "without --heatmap, --svg or --html",
           "the tokens label a picture's rows and columns");
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

void print_result(std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
}

void print_diagnostic(std::string_view text) {
  // fwrite, not fmt::print: fmt throws when the write fails, and a lost warning must not turn a
  // result into an abort. stderr is unbuffered, so nothing waits for a flush.
  if (std::fwrite(text.data(), 1, text.size(), stderr) != text.size()) std::clearerr(stderr);
}

void warn(const OutputOptions& out, std::string_view message) {
  if (!out.quiet) print_diagnostic(fmt::format("attn: warning: {}\n", message));
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

std::vector<std::string> examples_of(const CLI::App& cmd) {
  const std::string& text = cmd.get_description();
  std::vector<std::string> examples;
  const auto at = text.find("\nExamples:\n");
  if (at == std::string::npos) return examples;
  std::size_t start = at + std::string_view("\nExamples:\n").size();
  while (start < text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    const std::string_view line = std::string_view(text).substr(start, end - start);
    if (!line.starts_with("  ")) break;
    examples.emplace_back(line.substr(2));
    start = end + 1;
  }
  return examples;
}

}  // namespace attn::cli
