// `attn bias`: print a positional bias matrix (ALiBi, plain or symmetric, T5 buckets, clipped
// relative positions).
#include <fmt/format.h>

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "attn/core/bias.hpp"
#include "attn/core/error.hpp"
#include "attn/core/rules.hpp"
#include "attn/io/parse.hpp"
#include "attn/mask/library.hpp"
#include "attn/mask/translate_alibi.hpp"
#include "attn/render/format.hpp"
#include "attn/render/json.hpp"
#include "attn/render/mask.hpp"
#include "cli.hpp"
#include "commands.hpp"

namespace attn::cli {
namespace {

struct BiasOptions {
  std::string kind;
  std::size_t n = 0;
  std::optional<std::size_t> m;
  Align align = Align::bottom_right;
  std::optional<std::size_t> heads;
  std::optional<std::size_t> head;
  std::string table;  // FILE for t5
  std::string as;     // alibi: a library name, alias or "all"
  bool force = false;
  OutputOptions output;
};

// parse_bias_spec reports its errors as "--bias: …"; here the kind is the command's argument.
BiasSpec parse_kind(const std::string& text) {
  try {
    return parse_bias_spec(text);
  } catch (const Error& e) {
    std::string message = e.what();
    if (message.starts_with("--bias: ")) message = "bias: " + message.substr(8);
    throw Error(e.code(), message, e.hint());
  }
}

std::string table_text(const Matrix& m, const Geometry& g, const OutputOptions& out) {
  TableStyle style;
  style.number.digits = out.digits;
  style.row_labels = index_labels("q", g.n_q);
  style.col_labels = index_labels("k", g.n_k);
  return format_table(m, style);
}

nlohmann::ordered_json int_rows(const Matrix& m) {
  auto rows = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < m.rows(); ++i) {
    auto row = nlohmann::ordered_json::array();
    for (double x : m.row(i)) row.push_back(static_cast<int>(x));
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string shape_text(const Geometry& g) {
  if (g.n_q == g.n_k) return fmt::format("{}×{}", g.n_q, g.n_k);
  return fmt::format("{}×{}, {}: query i sits at position p = i{}", g.n_q, g.n_k,
                     align_name(g.align),
                     g.offset() == 0  ? ""
                     : g.offset() > 0 ? fmt::format(" + {}", g.offset())
                                      : fmt::format(" − {}", -g.offset()));
}

void run_alibi(const BiasOptions& o, const BiasSpec& spec, const Geometry& g) {
  const NumberStyle number{o.output.digits};
  nlohmann::ordered_json json{
      {"kind", "alibi"}, {"symmetric", spec.symmetric}, {"align", align_name(g.align)}};
  const std::string_view name = spec.symmetric ? "alibi:symmetric" : "alibi";
  const std::string_view formula = spec.symmetric ? "−m·|p − j|" : "m·(j − p)";
  std::string text;
  double slope = 0;
  AlibiQuery query{g, {}, 0, spec.slope.has_value(), spec.symmetric};
  if (spec.slope) {
    if (o.heads || o.head)
      throw usage_error("--heads and --head pick a slope, but alibi:SLOPE gives one",
                        "use plain alibi with --heads H --head h, or alibi:SLOPE alone");
    slope = *spec.slope;
    query.slopes = {slope};
    text = fmt::format("{}, slope m = {} — {}\nb_ij = {}\n", name, format_number(slope, number),
                       shape_text(g), formula);
  } else {
    const std::size_t heads = o.heads.value_or(8);
    const std::vector<double> slopes = alibi_slopes(heads);
    const std::size_t head = o.head.value_or(1);
    if (head < 1 || head > heads)
      throw usage_error(fmt::format("--head {} is not one of the {} heads", head, heads),
                        fmt::format("heads are numbered 1 to {}", heads));
    slope = slopes[head - 1];
    query.slopes = slopes;
    query.head = head - 1;
    text =
        fmt::format("{}, {} head{} — {}\nslopes m_h (Press et al.; BLOOM's build_alibi_tensor):\n",
                    name, heads, heads == 1 ? "" : "s", shape_text(g));
    for (std::size_t h = 0; h < heads; ++h)
      text += fmt::format("  head {:>{}}: {}\n", h + 1, fmt::formatted_size("{}", heads),
                          format_number(slopes[h], number));
    text += fmt::format("b_ij = {} for head {} of {}, m = {}{}\n", formula, head, heads,
                        format_number(slope, number),
                        o.head ? "" : " (the default; --head h shows another)");
    json["heads"] = heads;
    json["head"] = head;
    json["slopes"] = slopes;
  }
  const Matrix b = alibi_of(query);
  json["slope"] = slope;
  json["bias"] = matrix_to_json(b);
  text += table_text(b, g, o.output);
  if (!o.as.empty()) {
    json["translations"] = nlohmann::ordered_json::array();
    for (Library lib : parse_libraries(o.as)) {
      const BiasTranslation t = translate_alibi(query, lib);
      json["translations"].push_back(bias_translation_to_json(t));
      text += "\n" + render_bias_translation(t, number);
    }
  }
  print_result(o.output.json ? json.dump() + "\n" : text);
}

void run_t5(const BiasOptions& o, const BiasSpec& spec, const Geometry& g) {
  const T5Options& t5 = spec.t5;
  const Matrix buckets = t5_buckets(g, t5);
  nlohmann::ordered_json json{{"kind", "t5"},
                              {"align", align_name(g.align)},
                              {"bidirectional", t5.bidirectional},
                              {"num_buckets", t5.num_buckets},
                              {"max_distance", t5.max_distance},
                              {"buckets", int_rows(buckets)}};
  std::string text =
      fmt::format("t5 buckets ({}, {} buckets, max_distance {}) — {}\nbucket of r = j − p\n",
                  t5.bidirectional ? "bidirectional" : "causal", t5.num_buckets, t5.max_distance,
                  shape_text(g));
  text += table_text(buckets, g, o.output);
  if (!o.table.empty()) {
    const Matrix table = matrix_from_json(parse_json(read_text(o.table), "--table"), "--table");
    if (table.rows() != 1)
      throw data_error(
          fmt::format("--table: expected a JSON array of {} numbers, one per bucket, "
                      "got a {}×{} matrix",
                      t5.num_buckets, table.rows(), table.cols()));
    const Matrix b = t5_bias(g, t5, table.values());
    json["bias"] = matrix_to_json(b);
    text += "\nb_ij = table[bucket]\n" + table_text(b, g, o.output);
  }
  print_result(o.output.json ? json.dump() + "\n" : text);
}

void run_relative(const BiasOptions& o, const BiasSpec& spec, const Geometry& g) {
  const Matrix b = relative_bias(g, spec.table, spec.max_distance);
  const nlohmann::ordered_json json{{"kind", "relative"},
                                    {"align", align_name(g.align)},
                                    {"max_distance", spec.max_distance},
                                    {"table", spec.table},
                                    {"bias", matrix_to_json(b)}};
  const std::string text =
      fmt::format("relative, K = {} — {}\nb_ij = table[clamp(j − p, −K, K) + K]\n",
                  spec.max_distance, shape_text(g));
  print_result(o.output.json ? json.dump() + "\n" : text + table_text(b, g, o.output));
}

void run_bias(const BiasOptions& o, const Given& given) {
  if (o.output.json && given("--digits")) refuse("--digits", "with --json, which has every digit");
  const BiasSpec spec = parse_kind(o.kind);
  const Geometry g{o.n, o.m.value_or(o.n), o.align};
  if (spec.kind != BiasKind::alibi && (o.heads || o.head))
    throw usage_error(
        fmt::format("--heads and --head apply to alibi, not {}", to_string(spec.kind)));
  if (spec.kind != BiasKind::alibi && !o.as.empty())
    throw usage_error(fmt::format("--as applies to alibi, not {}", to_string(spec.kind)),
                      "no library has an option for this bias: add --json's \"bias\" to the "
                      "scores as a float mask");
  if (spec.kind != BiasKind::t5 && !o.table.empty())
    throw usage_error(fmt::format("--table applies to t5, not {}", to_string(spec.kind)),
                      "relative takes its table in the kind: relative:V,V,…");
  check_shown_cells(g.n_q, g.n_k, o.force, "bias", "compute");
  // What it allocates per cell, measured (peak RSS at 3000×3000, rounded up): the matrix and its
  // table 26 bytes, as JSON 32; t5 with a table prints two matrices.
  const std::size_t per_cell =
      (o.output.json ? 40 : 32) * (spec.kind == BiasKind::t5 && !o.table.empty() ? 2 : 1);
  check_memory(bytes_times(g.n_q * g.n_k, per_cell), fmt::format("the {}×{} bias", g.n_q, g.n_k));
  switch (spec.kind) {
    case BiasKind::alibi:
      return run_alibi(o, spec, g);
    case BiasKind::t5:
      return run_t5(o, spec, g);
    case BiasKind::relative:
      return run_relative(o, spec, g);
  }
}

}  // namespace

void setup_bias(CLI::App& app) {
  auto opts = std::make_shared<BiasOptions>();
  auto* cmd = app.add_subcommand(
      "bias", describe("Print a positional bias matrix b, added to the scaled scores.",
                       {"attn bias alibi --n 4", "attn bias alibi --n 4 --heads 12 --head 9",
                        "attn bias alibi:symmetric --n 3 --heads 1",
                        "attn bias alibi --n 2 --heads 3 --as flex", "attn bias t5 --n 6",
                        "attn bias t5:causal --n 4 --table buckets.json",
                        "attn bias relative:-1,0,1 --n 4"}));
  cmd->add_option("KIND", opts->kind,
                  "alibi, alibi:SLOPE, alibi:symmetric[:SLOPE] (flash-attn's −m·|p − j|), t5, "
                  "t5:causal or relative:V,V,… (2K+1 values, for distances −K … K)")
      ->required();

  add_shape_options(*cmd, opts->n, opts->m, opts->align);

  const char* bias = "Bias";
  cmd->add_option("--heads", opts->heads, "alibi: number of heads (default 8)")
      ->check(whole_number(1, max_alibi_heads))
      ->type_name("1..4096")
      ->group(bias);
  cmd->add_option("--head", opts->head, "alibi: which head's matrix to show, from 1 (default 1)")
      ->check(whole_number(1, max_alibi_heads))
      ->type_name("h")
      ->group(bias);
  cmd->add_option("--table", opts->table,
                  "t5: a JSON array with one learned value per bucket, from FILE (- = stdin)")
      ->type_name("FILE")
      ->group(bias);

  cmd->add_option("--as", opts->as,
                  "alibi: how to add this bias in torch-sdpa, torch-mha, flash-attn, hf, "
                  "xformers, flex, d2l, or all")
      ->type_name("LIB")
      ->group(bias);

  const char* output = "Output";
  cmd->add_flag("--force", opts->force,
                fmt::format("compute biases of more than {} cells", max_shown_cells))
      ->group(output);
  // attn bias prints a table or JSON: --format, --standalone and --color, which it never honoured,
  // are not offered.
  cmd->add_flag("--json", opts->output.json, "write one JSON object instead of the table")
      ->group(output);
  cmd->add_option("--digits", opts->output.digits, "decimals shown in the table (default 4)")
      ->check(whole_number(0, 17))
      ->type_name("0..17")
      ->group(output);
  cmd->add_flag("-q,--quiet", opts->output.quiet, "no warnings or notes on stderr")->group(output);
  cmd->callback([opts, cmd] { run_bias(*opts, Given(cmd)); });
}

}  // namespace attn::cli
