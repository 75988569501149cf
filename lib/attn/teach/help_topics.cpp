#include "attn/teach/help_topics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <vector>

#include "attn/core/error.hpp"
#include "attn/core/geometry.hpp"
#include "attn/mask/expr.hpp"

namespace attn {
namespace {

constexpr std::array topics{
    HelpTopic{"masks", "the mask language: atoms, operators, positions, examples"},
    HelpTopic{"json", "the JSON input document (--input) and the JSON output (--json)"},
    HelpTopic{"exit-codes", "what each exit status means"},
    HelpTopic{"formats", "how to write vectors and matrices: literals, JSON, @file, stdin"},
};

constexpr std::array mask_example_table{
    MaskExample{"causal", "decoder self-attention: itself and the keys before it"},
    MaskExample{"causal & window:3", "sliding window: the 3 most recent keys, its own included"},
    MaskExample{"local:1", "its neighbours within distance 1 on both sides"},
    MaskExample{"prefix:2", "prefix-LM: the first 2 keys for everyone, the rest causally"},
    MaskExample{"causal & document:0,0,1,1", "packed sequences: causal, never across documents"},
    MaskExample{"causal & chunk:2", "chunked attention: causal within blocks of 2 positions"},
    MaskExample{"valid:3", "padding: only the first 3 keys are real"},
    MaskExample{"dilated:4:2", "every 2nd position within distance 4"},
    MaskExample{"!causal", "the complement of causal: only keys after the query"},
};

// The mask as rows of 1 (may attend) and 0 (blocked), each row indented by `indent`.
std::vector<std::string> grid(std::string_view expr, const Geometry& g) {
  const BoolMatrix m = MaskExpr::parse(expr).evaluate(g);
  std::vector<std::string> rows;
  for (std::size_t i = 0; i < m.rows(); ++i) {
    std::string row;
    for (std::size_t j = 0; j < m.cols(); ++j) row += m(i, j) ? (j ? " 1" : "1") : (j ? " 0" : "0");
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string masks_page() {
  std::string page =
      "MASKS: which keys each query may attend\n"
      "\n"
      "A mask blocks cells of the score matrix: a blocked score becomes -inf, so softmax gives it\n"
      "weight 0. Give one with --mask EXPR, or as \"mask\": \"EXPR\" in an --input document.\n"
      "\n"
      "Positions. Key column j sits at position j. Query row i sits at position p:\n"
      "  --align bottom-right (default)  p = i + (n_k - n_q): the queries are the last positions,\n"
      "                                  as in flash-attn and PyTorch's causal_lower_right\n"
      "  --align top-left                p = i, as in PyTorch SDPA's is_causal\n"
      "\n"
      "Atoms (true = may attend; floor division rounds down, whatever the sign of p):\n"
      "  full, none     every key\n"
      "  causal         j <= p\n"
      "  window:W       p - W < j <= p        the W most recent keys, its own included (W >= 1)\n"
      "  local:W        |p - j| <= W          2W + 1 keys centred on p (W >= 0)\n"
      "  prefix:P       j < P or j <= p       prefix-LM: the first P keys, then causal\n"
      "  valid:L        j < L                 only the first L keys are real (padding);\n"
      "                                       valid:3,2,4 gives one L per query row\n"
      "  document:IDS   ids[p] = ids[j]       one segment id per key, as in document:0,0,1,1\n"
      "  chunk:C        floor(p/C) = floor(j/C)   blocks of C positions (C >= 1)\n"
      "  dilated:W:D    |p - j| <= W and D divides p - j   (D >= 1)\n"
      "\n"
      "Operators, loosest first: | (or), & (and), ! (not); parentheses group, spaces are free.\n"
      "Quote an expression for the shell: --mask \"causal & window:3\".\n"
      "\n"
      "Examples:\n";
  for (const MaskExample& e : mask_example_table)
    page += fmt::format("  {:<28}{}\n", e.expr, e.meaning);

  page += "\ncausal & window:2 with 4 queries and 4 keys (1 = may attend):\n";
  for (const std::string& row : grid("causal & window:2", {4, 4, Align::bottom_right}))
    page += fmt::format("  {}\n", row);

  page += "\ncausal with 2 queries and 4 keys, under each alignment:\n";
  page += fmt::format("  {:<16}{}\n", "bottom-right", "top-left");
  const auto right = grid("causal", {2, 4, Align::bottom_right});
  const auto left = grid("causal", {2, 4, Align::top_left});
  for (std::size_t i = 0; i < right.size(); ++i)
    page += fmt::format("  {:<16}{}\n", right[i], left[i]);

  page +=
      "\nA mask may also be a matrix, n_q x n_k: JSON booleans (true = may attend), as in\n"
      "--mask '[[true,false],[true,true]]', or additive values added to the scores (0 to keep,\n"
      "\"-Infinity\" to block, any finite number to shift), inline, as --mask @file.json, or as\n"
      "\"mask\" in the --input document.\n"
      "\n"
      "A row whose every key is blocked has no softmax; --empty-rows zero|nan|uniform|error says\n"
      "what it gets (default zero).\n"
      "\n"
      "Other libraries. attn mask EXPR --n N --as LIB prints the same mask in torch-sdpa,\n"
      "torch-mha, flash-attn, hf, xformers, flex or d2l, and the library's own matrix beside\n"
      "attn's where the same words give another one. Where they part: is_causal is top-left;\n"
      "nn.MultiheadAttention reads True as blocked; flash-attn's window_size=(W, 0) keeps W + 1\n"
      "keys, and with padding (flash_attn_varlen_func) it lines the queries up with the last\n"
      "real key, not the last key; attention-gym's generate_sliding_window(W) keeps W + 1.\n"
      "Sources and versions: docs/conventions.md in attn's source.\n"
      "\n"
      "Try: attn score --q \"1,0;0,1;1,1;0,0\" --k \"1,0;0,1;1,1;0,0\" --mask \"causal & "
      "window:2\"\n";
  return page;
}

std::string json_page() {
  return "JSON: the input document and the output of --json\n"
         "\n"
         "Input. --input FILE (- for stdin) reads one JSON object; every key is optional:\n"
         "  q, k, v     matrices as arrays of rows, or vectors (one row): q is n_q x d_k,\n"
         "              k is n_k x d_k, v is n_k x d_v\n"
         "  scores      the scores given directly instead of q and k (attn weights only);\n"
         "              a blocked score is \"-Infinity\"\n"
         "  scale       the factor c in q.k * c (default 1/sqrt(d_k))\n"
         "  mask        an expression (\"causal\", \"causal & window:3\"; see attn help masks), a\n"
         "              bool matrix (true = may attend) or an additive matrix (0, \"-Infinity\")\n"
         "  bias        \"alibi\", \"alibi:SLOPE\", \"alibi:symmetric\" (flash-attn's -m|p-j|), "
         "\"t5\",\n"
         "              \"t5:causal\", \"relative:V,...\" or a matrix added to the scores\n"
         "  softcap     cap scores at +-C with C*tanh(score/C)\n"
         "  softcap_order  \"bias-first\" (default: C*tanh((c*s + b)/C)) or \"cap-first\"\n"
         "              (flash-attn's order: C*tanh(c*s/C) + b)\n"
         "  heads       split q, k and v into this many heads (q has heads x d_k columns)\n"
         "  kv_heads    fewer key/value heads: grouped-query attention (1 = multi-query)\n"
         "  d_k         with scores: carried through to the output\n"
         "Flags on the command line override the document, so\n"
         "  attn attend --input problem.json --mask causal\n"
         "reruns problem.json with a causal mask. The output of attn score --json is an input\n"
         "for attn weights --input -.\n"
         "\n"
         "Output. --json writes one object on one line, with keys in this order:\n"
         "  d_k         the key width (null when scores were given without it)\n"
         "  scale       the scale used (likewise)\n"
         "  scores      the scores, n_q x n_k, a matrix even when 1 x 1\n"
         "  mask        bool matrix, true = may attend (only when a mask applies)\n"
         "  weights     softmax of each row of scores (weights and attend)\n"
         "  output      the weighted sums of the values, n_q x d_v (attend)\n"
         "With --heads H above 1: d_k and scale, then \"heads\": one object per head with the "
         "keys\n"
         "  head, kv_head, scores, mask, weights, output\n"
         "then \"output\": the heads' outputs side by side.\n"
         "Numbers are JSON numbers; -inf, +inf and NaN are the strings \"-Infinity\", "
         "\"Infinity\"\n"
         "and \"NaN\", which Python's float(), NumPy and JavaScript's Number() read back.\n"
         "Text output may change between versions; the JSON keys do not without a version bump.\n"
         "\n"
         "Errors. With --json an error is one object on stderr instead of attn: error: lines:\n"
         "  {\"error\":{\"code\":65,\"message\":\"...\",\"hint\":\"...\"}}   (hint only when there "
         "is one)\n"
         "\n"
         "Example (attn attend --input - --json):\n"
         "    input:  "
         "{\"q\":[[1,0],[0,1]],\"k\":[[1,0],[0,1]],\"v\":[[1,2],[3,4]],\"mask\":\"causal\"}\n"
         "    output: "
         "{\"d_k\":2,\"scale\":0.7071067811865475,\"scores\":[[0.7071067811865475,\"-Infinity\"],"
         "[0.0,0.7071067811865475]],\"mask\":[[true,false],[true,true]],\"weights\":[[1.0,0.0],"
         "[0.3302384506733431,0.6697615493266569]],\"output\":[[1.0,2.0],[2.3395230986533138,"
         "3.3395230986533138]]}\n";
}

struct ExitMeaning {
  Exit code;
  std::string_view meaning;
};

constexpr std::array exit_meanings{
    ExitMeaning{Exit::ok, "success; also --help and --version"},
    ExitMeaning{Exit::negative,
                "a check ran and found something wrong (attn check graded a "
                "wrong answer)"},
    ExitMeaning{Exit::usage,
                "usage: an unknown command or flag, a missing or unparsable value, "
                "a bad mask expression"},
    ExitMeaning{Exit::data,
                "bad data: the input was read but is not valid (shapes that do not "
                "fit, NaN or infinity, malformed JSON with its line and column)"},
    ExitMeaning{Exit::no_input, "missing input: a file named by --input or @file cannot be read"},
    ExitMeaning{Exit::internal, "internal error: a bug in attn; please report it"},
    ExitMeaning{Exit::cant_create, "an output file cannot be created"},
    ExitMeaning{Exit::io,
                "reading or writing failed part way (standard output closed, disk "
                "full, a file size limit)"},
};

// "  65  meaning…", wrapped at 80 columns under the meaning.
std::string wrap(Exit code, std::string_view meaning) {
  constexpr std::size_t width = 80, indent = 6;
  std::string out = fmt::format("  {:<4}", static_cast<int>(code));
  std::size_t column = indent;
  while (!meaning.empty()) {
    const std::size_t space = meaning.find(' ');
    const std::string_view word = meaning.substr(0, space);
    if (column > indent && column + 1 + word.size() > width) {
      out += fmt::format("\n{:{}}", "", indent);
      column = indent;
    } else if (column > indent) {
      out += ' ';
      ++column;
    }
    out += word;
    column += word.size();
    meaning.remove_prefix(space == std::string_view::npos ? meaning.size() : space + 1);
  }
  return out + "\n";
}

std::string exit_codes_page() {
  std::string page = "EXIT CODES\n\n";
  for (const ExitMeaning& e : exit_meanings) page += wrap(e.code, e.meaning);
  page +=
      "\n0, 1 and 2 follow grep; 65 and up follow sysexits(3).\n"
      "An error prints \"attn: error: CAUSE\" on stderr, often followed by \"hint: FIX\". With\n"
      "--json it is one object instead: {\"error\":{\"code\":N,\"message\":...,\"hint\":...}}.\n";
  return page;
}

std::string formats_page() {
  return "FORMATS: how to write vectors and matrices\n"
         "\n"
         "--q, --k and --v (and --scores, and matrices for --mask and --bias) accept:\n"
         "  2,0.5,1,-1.5        a vector: one row (spaces work too: \"2 0.5 1 -1.5\")\n"
         "  \"1,0;0,1\"           a matrix: rows separated by ;, values by commas\n"
         "  '[[1,0],[0,1]]'     a JSON array of rows; '[2,0.5]' is one row\n"
         "  @q.json             a JSON array read from a file; @- reads it from stdin\n"
         "Quote matrices for the shell: ; ends a command and [ ] are patterns.\n"
         "\n"
         "Numbers: 2, -0.5, +1, 1e-3 and the minus sign U+2212 (as course notes print it). They\n"
         "are read the same way in every locale: the decimal separator is always a point.\n"
         "Scores and additive masks may hold -inf for a blocked cell: -inf, -Inf, -Infinity or\n"
         "-∞ (in JSON, the string \"-Infinity\"). Every other NaN or infinity is refused, naming\n"
         "its row and column.\n"
         "\n"
         "Shapes: q is n_q x d_k (one row per query), k is n_k x d_k (one row per key), v is\n"
         "n_k x d_v. A vector is a matrix of one row.\n"
         "\n"
         "A whole problem can come as one JSON document: --input FILE, or --input - for stdin\n"
         "(see attn help json). Examples ship in share/attn/examples/.\n"
         "\n"
         "Text output shows 4 decimals; --digits N (0 to 17) shows N. JSON output carries every\n"
         "digit.\n";
}

}  // namespace

std::span<const HelpTopic> help_topics() {
  return topics;
}

std::span<const MaskExample> mask_examples() {
  return mask_example_table;
}

std::optional<std::string> help_topic_text(std::string_view name) {
  if (name == "masks") return masks_page();
  if (name == "json") return json_page();
  if (name == "exit-codes") return exit_codes_page();
  if (name == "formats") return formats_page();
  return std::nullopt;
}

}  // namespace attn
