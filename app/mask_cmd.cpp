// `attn mask`: print a mask expression as a matrix, explain a cell, or translate it into another
// library's conventions.
#include <fmt/format.h>

#include <array>
#include <charconv>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "attn/core/error.hpp"
#include "attn/core/rules.hpp"
#include "attn/core/suggest.hpp"
#include "attn/io/output_file.hpp"
#include "attn/mask/expr.hpp"
#include "attn/mask/translate.hpp"
#include "attn/render/mask.hpp"
#include "cli.hpp"
#include "commands.hpp"

namespace attn::cli {
namespace {

struct MaskOptions {
  std::string expr;
  std::size_t n = 0;
  std::optional<std::size_t> m;
  Align align = Align::bottom_right;
  std::string style = "symbol";
  std::string explain;  // "I,J"
  std::string as;       // library name, alias or "all"
  bool force = false;
  OutputOptions output;
  PictureOptions pictures;
};

MaskStyle parse_style(const std::string& text) {
  static const std::map<std::string, MaskStyle, std::less<>> styles{
      {"symbol", MaskStyle::symbol},
      {"bool", MaskStyle::boolean},
      {"additive", MaskStyle::additive},
      {"score", MaskStyle::score}};
  if (const auto it = styles.find(text); it != styles.end()) return it->second;
  constexpr std::array<std::string_view, 4> names{"symbol", "bool", "additive", "score"};
  const auto guess = nearest(text, names);
  throw usage_error(fmt::format("--style: unknown style '{}'", text),
                    guess ? fmt::format("did you mean '{}'?", *guess)
                          : std::string("styles: symbol, bool, additive, score"));
}

// --html FILE: the page of the mask (evaluated here unless given).
void write_page(const MaskOptions& o, const MaskExpr& expr, const Geometry& g,
                const BoolMatrix* evaluated = nullptr) {
  check_shown_cells(g.n_q, g.n_k, o.force, "mask", "draw");
  const BoolMatrix mask = evaluated ? *evaluated : expr.evaluate(g);
  const AxisLabels labels =
      o.pictures.tokens ? axis_labels(parse_tokens(*o.pictures.tokens), g) : AxisLabels{};
  write_file_atomically(*o.pictures.html, render_mask_html(mask, g, mask_label(expr),
                                                           html_options(o.output, labels)));
}

// Flags that would do nothing beside the others, refused by name.
void check_flags(const MaskOptions& o, const Given& given) {
  if (!o.explain.empty()) {
    for (const char* flag : {"--heatmap", "--svg", "--as"})
      if (given(flag))
        contradict("--explain", flag, "--explain says why one cell is allowed or blocked instead");
    for (const char* flag : {"--style", "--force", "--tokens", "--ascii", "--numbers"})
      if (given(flag)) refuse(flag, "with --explain, which prints one cell's reasons");
    return;
  }
  check_picture_flags(o.pictures, o.output, given, /*tables_label=*/false);
  if (o.pictures.heatmap) {
    if (given("--style")) refuse("--style", "with --heatmap, which draws the cells instead");
    if (given("--as")) contradict("--heatmap", "--as", "--as prints the mask as text: give one");
  }
  if (o.output.json && given("--style"))
    refuse("--style", "with --json, which writes the mask as true and false");
}

void run_mask_checked(const MaskOptions& o) {
  const MaskExpr expr = MaskExpr::parse(o.expr);
  const MaskStyle style = parse_style(o.style);
  const Geometry g{o.n, o.m.value_or(o.n), o.align};
  const std::string text = expr.to_string();

  if (!o.explain.empty()) {
    if (o.pictures.html) write_page(o, expr, g);
    const auto [i, j] = parse_cell_flag(o.explain);
    const std::vector<std::string> lines = expr.explain(g, i, j);
    if (o.output.json) {
      const bool allowed = expr.allows(i, g.position(i), static_cast<std::int64_t>(j));
      nlohmann::ordered_json out{
          {"expr", text}, {"align", align_name(g.align)}, {"i", i},
          {"j", j},       {"allowed", allowed},           {"explain", lines}};
      print_result(out.dump() + "\n");
      return;
    }
    std::string out;
    for (const std::string& line : lines) out += line + "\n";
    print_result(out);
    return;
  }

  check_shown_cells(g.n_q, g.n_k, o.force, "mask", "print");
  // What printing it allocates per cell, measured (peak RSS at 3000×3000, rounded up): the
  // matrix and its text 20 bytes, as JSON 47, as a heatmap 41, as an SVG 260; each --as
  // translation prints it once more.
  const std::size_t per_cell = (o.pictures.svg ? 300 : 0) + (o.pictures.heatmap ? 48 : 0) +
                               (o.output.json ? 56 : 24) * (1 + (o.as.empty() ? 0 : 2));
  check_memory(bytes_times(g.n_q * g.n_k, per_cell), fmt::format("the {}×{} mask", g.n_q, g.n_k));

  const BoolMatrix mask = expr.evaluate(g);
  const AxisLabels labels =
      o.pictures.tokens ? axis_labels(parse_tokens(*o.pictures.tokens), g) : AxisLabels{};
  if (o.pictures.html) write_page(o, expr, g, &mask);
  const Picture picture{"",
                        {{"", to_additive(mask)}},
                        HeatScale::mask,
                        labels,
                        AxisTitles{},
                        fmt::format("attn mask {}, {} alignment", text, align_name(g.align))};
  if (show_pictures(o.pictures, o.output, std::span(&picture, 1))) return;
  if (files_only(o.pictures, o.output)) return;
  std::vector<Translation> translations;
  if (!o.as.empty())
    for (Library lib : parse_libraries(o.as)) translations.push_back(translate(expr, g, lib));

  if (o.output.json) {
    nlohmann::ordered_json out = mask_to_json(mask, g, text);
    if (!o.as.empty()) {
      out["translations"] = nlohmann::ordered_json::array();
      for (const Translation& t : translations)
        out["translations"].push_back(translation_to_json(t));
    }
    print_result(out.dump() + "\n");
    return;
  }
  std::string out = render_mask(mask, g, text, style);
  for (const Translation& t : translations) out += "\n" + render_translation(t, mask, style);
  print_result(out);
}

// MaskExpr names itself "--mask: …" in its errors (as `attn attend --mask` sees it); here the
// expression is the command's argument.
void run_mask(const MaskOptions& o, const Given& given) {
  check_flags(o, given);
  try {
    run_mask_checked(o);
  } catch (const Error& e) {
    const std::string message = e.what();
    if (!message.starts_with("--mask: ")) throw;
    throw Error(e.code(), "mask: " + message.substr(8), e.hint());
  }
}

}  // namespace

void setup_mask(CLI::App& app) {
  auto opts = std::make_shared<MaskOptions>();
  auto* cmd = app.add_subcommand(
      "mask",
      describe("Print a mask: which keys each query may attend. No vectors needed.",
               {"attn mask causal --n 4", "attn mask \"causal & window:3\" --n 6 --style additive",
                "attn mask causal --n 2 --m 4 --as torch-sdpa",
                "attn mask \"prefix:2\" --n 5 --explain 1,3"}));
  cmd->add_option("EXPR", opts->expr, std::string(mask_syntax()))->required();

  add_shape_options(*cmd, opts->n, opts->m, opts->align);

  const char* output = "Output";
  cmd->add_option("--style", opts->style,
                  "cells as ■/⬚ (symbol, the default), 1/0, 0/−∞ (added to the scores) or "
                  "Score/−∞")
      ->type_name("symbol|bool|additive|score")
      ->group(output);
  cmd->add_option("--explain", opts->explain,
                  "say which atoms allow or block cell (I, J) and why, instead of the matrix")
      ->type_name("I,J")
      ->group(output);
  cmd->add_option("--as", opts->as,
                  "how to get this mask in torch-sdpa, torch-mha, flash-attn, hf, xformers, flex, "
                  "d2l, or all")
      ->type_name("LIB")
      ->group(output);
  cmd->add_flag("--force", opts->force,
                fmt::format("print masks of more than {} cells", max_shown_cells))
      ->group(output);
  cmd->add_flag("--json", opts->output.json,
                "one JSON object: mask, expr, align, visible (and translations)")
      ->group(output);
  cmd->add_flag("-q,--quiet", opts->output.quiet, "no warnings or notes on stderr")->group(output);
  add_picture_options(*cmd, opts->pictures);
  cmd->callback([opts, cmd] { run_mask(*opts, Given(cmd)); });
}

}  // namespace attn::cli
