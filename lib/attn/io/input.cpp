#include "attn/io/input.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <nlohmann/json.hpp>

#include "attn/core/error.hpp"
#include "attn/core/rules.hpp"
#include "attn/core/suggest.hpp"
#include "attn/io/parse.hpp"
#include "attn/mask/expr.hpp"

namespace attn {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 13> kDocumentKeys{
    "q",     "k",        "v",    "scores",  "scale",
    "d_k",   "mask",     "bias", "softcap", "softcap_order",
    "heads", "kv_heads", "rope"};

// Keys attn writes in its JSON output that are not inputs: piping attend's output back in would
// otherwise pass "weights" off as something attn read.
constexpr std::array<std::string_view, 3> kOutputKeys{"weights", "output", "head"};

void check_document_keys(const json& doc, std::string_view what) {
  for (const auto& [key, value] : doc.items()) {
    if (std::find(kDocumentKeys.begin(), kDocumentKeys.end(), key) != kDocumentKeys.end()) continue;
    if (std::find(kOutputKeys.begin(), kOutputKeys.end(), key) != kOutputKeys.end())
      throw data_error(
          fmt::format("{}: \"{}\" is something attn computes, not an input", what, key),
          "drop it from the document: attn works it out from q, k and v");
    const auto guess = nearest(key, kDocumentKeys);
    throw data_error(
        fmt::format("{}: unknown key \"{}\"{}", what, key,
                    guess ? fmt::format(" (did you mean \"{}\"?)", *guess) : std::string()),
        fmt::format("the input document's keys: {}", fmt::join(kDocumentKeys, ", ")));
  }
}

// The document's value for `key` as a matrix, if present. `what` names it in messages.
std::optional<Matrix> document_matrix(const json& doc, const char* key,
                                      Allow allow = Allow::finite) {
  const auto it = doc.find(key);
  if (it == doc.end() || it->is_null()) return std::nullopt;
  return matrix_from_json(*it, fmt::format("input.{}", key), allow);
}

// A mask written as a JSON matrix: bools (true = may attend) or additive values.
Matrix mask_from_json(const json& value, std::string_view what) {
  const bool boolean =
      value.is_array() && !value.empty() &&
      ((value.front().is_array() && !value.front().empty() && value.front().front().is_boolean()) ||
       value.front().is_boolean());
  if (!boolean) return matrix_from_json(value, what, Allow::blocked);
  const json rows = value.front().is_array() ? value : json::array({value});
  BoolMatrix allowed(rows.size(), rows.front().size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (!rows[i].is_array() || rows[i].size() != allowed.cols())
      throw data_error(
          fmt::format("{}: row {} does not have {} entries like row 0", what, i, allowed.cols()));
    for (std::size_t j = 0; j < allowed.cols(); ++j) {
      if (!rows[i][j].is_boolean())
        throw data_error(fmt::format("{}[{}][{}] is {}, but the mask is a bool matrix", what, i, j,
                                     rows[i][j].dump()));
      allowed(i, j) = rows[i][j].get<bool>() ? 1 : 0;
    }
  }
  return to_additive(allowed);
}

// Resolves the mask (an expression, or a matrix) into its additive form for this geometry.
// `full` (or `none`) is no mask at all.
std::optional<Matrix> resolve_mask(const json& spec, std::string_view what, const Geometry& g,
                                   MaskLabel& label) {
  if (spec.is_string()) {
    const MaskExpr expr = MaskExpr::parse(spec.get_ref<const std::string&>());
    if (expr.is_full()) return std::nullopt;
    label = mask_label(expr);
    return to_additive(expr.evaluate(g));
  }
  label = {"matrix", {}};
  Matrix m = mask_from_json(spec, what);
  if (m.rows() != g.n_q || m.cols() != g.n_k)
    throw data_error(fmt::format("{} is {} but the scores are {}×{} (n_q×n_k)", what,
                                 shape_string(m), g.n_q, g.n_k));
  return m;
}

// --mask on the command line: JSON matrix literal, @file, or an expression.
json mask_spec_from_flag(const std::string& text) {
  if (text.starts_with('[')) return parse_json(text, "--mask");
  if (text.starts_with('@')) {
    const std::string path = text.substr(1);
    return parse_json(read_text(path), path);
  }
  return text;
}

// A count from a flag or the document, from 1 to max_heads. A flag's value was checked as typed
// (cli's whole_number); the document's is checked here, naming its key.
std::optional<std::size_t> count_option(const std::optional<std::size_t>& flag, const json& doc,
                                        const char* key, const char* name) {
  if (flag) {
    if (*flag == 0 || *flag > max_heads)
      throw usage_error(fmt::format("{} must be from 1 to {}, not {}", name, max_heads, *flag));
    return flag;
  }
  if (!doc.contains(key) || doc[key].is_null()) return std::nullopt;
  const json& v = doc[key];
  if (!v.is_number_unsigned() || v.get<std::uint64_t>() == 0 || v.get<std::uint64_t>() > max_heads)
    throw data_error(fmt::format("input.{} must be a whole number from 1 to {}, not {}", key,
                                 max_heads, v.dump()));
  return v.get<std::size_t>();
}

void load_heads(const InputArgs& args, const json& doc, Request& in) {
  const auto heads = count_option(args.heads, doc, "heads", "--heads");
  const auto kv_heads = count_option(args.kv_heads, doc, "kv_heads", "--kv-heads");
  in.layout.heads = heads.value_or(1);
  in.layout.kv_heads = kv_heads.value_or(in.layout.heads);
  if (args.head) {
    if (in.layout.heads == 1)
      throw usage_error("--head has no effect with a single head",
                        "give --heads H as well (or \"heads\" in the document), or drop --head");
    if (*args.head == 0 || *args.head > in.layout.heads)
      throw usage_error(
          fmt::format("--head {} is not one of the {} heads", *args.head, in.layout.heads),
          fmt::format("heads are numbered from 1 to {}", in.layout.heads));
    in.only_head = *args.head - 1;
  }
  if (kv_heads && !heads)
    throw Error(args.kv_heads ? Exit::usage : Exit::data,
                fmt::format("{} has no effect with a single head",
                            args.kv_heads ? "--kv-heads" : "input.kv_heads"),
                "give --heads H as well: the key/value heads are shared among the H query heads");
  if (in.problem.scores && in.layout.heads > 1)
    throw Error(
        args.heads ? Exit::usage : Exit::data,
        fmt::format("{} needs q and k, not given scores", args.heads ? "--heads" : "input.heads"));
}

void load_bias(const InputArgs& args, const json& doc, const Geometry& g, Request& in) {
  std::optional<json> spec;
  if (args.bias) {
    spec = args.bias->starts_with('[') || args.bias->starts_with('@')
               ? mask_spec_from_flag(*args.bias)
               : json(*args.bias);
  } else if (doc.contains("bias") && !doc["bias"].is_null()) {
    spec = doc["bias"];
  }
  if (spec) {
    if (in.problem.scores)
      throw Error(
          args.bias ? Exit::usage : Exit::data,
          fmt::format("{} needs q and k, not given scores", args.bias ? "--bias" : "input.bias"),
          "the scores already include any bias: drop it, or give q and k");
    if (spec->is_string()) {
      in.bias_spec = parse_bias_spec(spec->get_ref<const std::string&>());
    } else {
      const char* what = args.bias ? "--bias" : "input.bias";
      Matrix b = matrix_from_json(*spec, what);
      if (b.rows() != g.n_q || b.cols() != g.n_k)
        throw data_error(fmt::format("{} is {} but the scores are {}×{} (n_q×n_k)", what,
                                     shape_string(b), g.n_q, g.n_k));
      in.problem.bias = std::move(b);
    }
  }
  if (args.bias_table && !(in.bias_spec && in.bias_spec->kind == BiasKind::t5))
    throw usage_error("--bias-table has no effect without --bias t5",
                      "the table gives the t5 bias its value per bucket");
  if (args.bias_table) {
    const Matrix table = parse_matrix(*args.bias_table, "--bias-table");
    if (table.rows() != 1) throw data_error("--bias-table must be one row of values");
    in.t5_table.assign(table.values().begin(), table.values().end());
  }
  if (in.bias_spec && in.bias_spec->kind == BiasKind::t5) {
    if (in.t5_table.empty())
      throw usage_error("the t5 bias needs a value per bucket",
                        fmt::format("give --bias-table with {} values (a JSON array or @file)",
                                    in.bias_spec->t5.num_buckets));
  }
  std::optional<double> cap = args.softcap;
  if (!cap && doc.contains("softcap") && !doc["softcap"].is_null()) {
    if (!doc["softcap"].is_number())
      throw data_error(
          fmt::format("input.softcap must be a number, not {}", doc["softcap"].dump()));
    cap = doc["softcap"].get<double>();
  }
  if (cap && in.problem.scores)
    throw Error(args.softcap ? Exit::usage : Exit::data,
                fmt::format("{} needs q and k, not given scores",
                            args.softcap ? "--softcap" : "input.softcap"),
                "the softcap applies before the mask: cap the scores yourself");
  if (cap)
    check_softcap(*cap, args.softcap ? "--softcap" : "input.softcap",
                  args.softcap ? Exit::usage : Exit::data);
  in.problem.softcap = cap;
  // --softcap-order or "softcap_order": bias-first (the default) or cap-first (flash-attn's).
  const json* order = doc.contains("softcap_order") && !doc["softcap_order"].is_null()
                          ? &doc["softcap_order"]
                          : nullptr;
  if (args.softcap_order || order) {
    const char* what = args.softcap_order ? "--softcap-order" : "input.softcap_order";
    const Exit code = args.softcap_order ? Exit::usage : Exit::data;
    if (!args.softcap_order && !order->is_string())
      throw data_error(fmt::format("input.softcap_order must be a string, not {}", order->dump()),
                       R"(write "softcap_order": "cap-first" or "bias-first")");
    if (!cap) throw Error(code, fmt::format("{} needs a softcap", what), "give --softcap C too");
    in.problem.softcap_first = parse_softcap_order(
        args.softcap_order ? *args.softcap_order : order->get<std::string>(), what, code);
  }
}

}  // namespace

std::span<const std::string_view> input_document_keys() {
  return kDocumentKeys;
}

nlohmann::json read_document(const InputArgs& args) {
  json doc = json::object();
  if (args.input) {
    doc = parse_json(read_text(*args.input), *args.input == "-" ? "stdin" : *args.input);
    if (!doc.is_object())
      throw data_error(fmt::format("{}: the input document must be a JSON object, not {}",
                                   *args.input == "-" ? "stdin" : *args.input, doc.type_name()),
                       R"(write {"q": [[…]], "k": [[…]], "v": [[…]]})");
  }
  return doc;
}

Request load_input(const InputArgs& args, Stage stage) {
  return load_input(args, stage, read_document(args));
}

Request load_input(const InputArgs& args, Stage stage, const nlohmann::json& doc) {
  if (args.input) check_document_keys(doc, *args.input == "-" ? "stdin" : *args.input);
  Request in;
  auto& p = in.problem;
  p.empty_rows = args.empty_rows;
  p.align = args.align;
  const auto flag_or_doc = [&](const std::optional<std::string>& flag, const char* name,
                               const char* key, Allow allow = Allow::finite) {
    return flag ? std::optional(parse_matrix(*flag, name, allow))
                : document_matrix(doc, key, allow);
  };
  p.scores = flag_or_doc(args.scores, "--scores", "scores", Allow::blocked);
  std::optional<Matrix> q = flag_or_doc(args.q, "--q", "q");
  std::optional<Matrix> k = flag_or_doc(args.k, "--k", "k");
  if (stage == Stage::output) p.v = flag_or_doc(args.v, "--v", "v");

  Geometry g;
  if (p.scores) {
    if (stage != Stage::weights)
      throw usage_error("--scores is only for `attn weights`", "give --q and --k instead");
    if (q || k)
      throw usage_error("give either scores or q and k, not both",
                        "scores skip the dot products: drop --q/--k or --scores");
    g = {p.scores->rows(), p.scores->cols(), args.align};
    if (doc.contains("d_k") && !doc["d_k"].is_null()) {
      if (!doc["d_k"].is_number_unsigned())
        throw data_error(
            fmt::format("input.d_k must be a whole number, not {}", doc["d_k"].dump()));
      p.d_k = doc["d_k"].get<std::size_t>();
      if (*p.d_k == 0) throw data_error("input.d_k is 0: a query needs at least one component");
    }
    if (doc.contains("scale") && !doc["scale"].is_null()) {
      if (!doc["scale"].is_number())
        throw data_error(fmt::format("input.scale must be a number, not {}", doc["scale"].dump()));
      p.scale = doc["scale"].get<double>();
    }
  } else {
    // A matrix typed without quotes loses its rows to the shell at the first ';', and the next
    // flag with them: the hints say so.
    if (!q)
      throw usage_error(
          "no queries given",
          "give --q VECTOR (e.g. --q 2,0.5,1,-1.5); quote a matrix (--q \"1,0;0,1\"): "
          "the shell ends a command at an unquoted ;");
    if (!k)
      throw usage_error("no keys given",
                        "give --k VECTOR (e.g. --k 1,1,-0.5,2); quote a matrix (--k \"1,0;0,1\"): "
                        "the shell ends a command at an unquoted ;");
    p.q = std::move(*q);
    p.k = std::move(*k);
    g = {p.q.rows(), p.k.rows(), args.align};
    // d_k is q's width; a document that says otherwise contradicts itself.
    if (doc.contains("d_k") && !doc["d_k"].is_null() &&
        doc["d_k"] != json(static_cast<std::uint64_t>(p.q.cols())))
      throw data_error(
          fmt::format("input.d_k is {} but q has {} columns", doc["d_k"].dump(), p.q.cols()),
          "drop d_k: with q and k it is q's width");
  }

  if (args.no_scale && args.scale)
    throw usage_error("--scale and --no-scale contradict each other");
  if (p.scores && (args.no_scale || args.scale))
    throw usage_error(fmt::format("{} applies to q and k, not given scores",
                                  args.no_scale ? "--no-scale" : "--scale"),
                      "the scores are already scaled: drop the flag, or give --q and --k");
  if (args.no_scale)
    p.scale = 1.0;
  else if (args.scale)
    p.scale = *args.scale;
  else if (!p.scores && doc.contains("scale") && !doc["scale"].is_null()) {
    if (!doc["scale"].is_number())
      throw data_error(fmt::format("input.scale must be a number, not {}", doc["scale"].dump()));
    p.scale = doc["scale"].get<double>();
  }

  std::optional<json> mask_spec;
  if (args.mask)
    mask_spec = mask_spec_from_flag(*args.mask);
  else if (doc.contains("mask") && !doc["mask"].is_null())
    mask_spec = doc["mask"];
  if (mask_spec)
    p.mask = resolve_mask(*mask_spec, args.mask ? "--mask" : "input.mask", g, p.mask_label);
  load_bias(args, doc, g, in);
  load_heads(args, doc, in);
  p.rope = load_rope(args.rope, doc);
  if (p.rope && p.scores) throw usage_error("--rope needs q and k, not given scores");
  // The step path keeps every n_q × n_k step of the trace (s, c·s, b, capped, M, β, exp, α and
  // the blocked weights: at most 9 matrices of doubles) for each head.
  check_memory(bytes_times(bytes_times(g.n_q, g.n_k), 9 * sizeof(double) * in.layout.heads),
               fmt::format("the {}×{} trace of {} head{}", g.n_q, g.n_k, in.layout.heads,
                           in.layout.heads == 1 ? "" : "s"));
  return in;
}

}  // namespace attn
