#include "attn/teach/question.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>

#include "attn/core/error.hpp"
#include "attn/core/suggest.hpp"

namespace attn {

// ---- Answers ------------------------------------------------------------------------------------

bool answer_shape_matches(const Matrix& given, const Matrix& expected) {
  return (given.rows() == expected.rows() && given.cols() == expected.cols()) ||
         (expected.rows() == 1 && given.cols() == 1 && given.rows() == expected.cols());
}

bool cell_matches(double given, double expected, double tolerance) {
  if (std::isinf(expected) || std::isinf(given)) return given == expected;
  return std::abs(given - expected) <= tolerance + 1e-12;
}

bool matches(const Matrix& given, const Matrix& expected, double tolerance) {
  if (!answer_shape_matches(given, expected)) return false;
  const auto g = given.values();
  const auto e = expected.values();
  for (std::size_t n = 0; n < e.size(); ++n)
    if (!cell_matches(g[n], e[n], tolerance)) return false;
  return true;
}

// ---- Kinds and variants -------------------------------------------------------------------------

namespace {

struct Variant {
  std::string_view name;
  std::string_view summary;
  std::optional<AnswerForm> form = std::nullopt;  // when it differs from the kind's
};

struct KindEntry {
  QuestionKind kind;
  std::string_view name;
  std::string_view summary;
  AnswerForm form;
  std::vector<Variant> variants;
  std::vector<std::string_view> variant_names;
};

// Indexed by QuestionKind's value.
const std::vector<KindEntry>& catalogue() {
  static const std::vector<KindEntry> kinds = [] {
    std::vector<KindEntry> k{
        {QuestionKind::score,
         "score",
         "one score beta = q.k / sqrt(d_k), d_k of 4, 9 or 16",
         AnswerForm::numeric,
         {{"plain", "q.k / sqrt(d_k)"},
          {"bias", "plus a bias b"},
          {"mask", "plus a mask entry M, 0 or -inf"}},
         {}},
        {QuestionKind::weights,
         "weights",
         "softmax of a row (or rows) of scores",
         AnswerForm::numeric,
         {{"row", "one row of 3 or 4 scores"},
          {"masked", "one row of 4 with a blocked key"},
          {"rows", "two rows of 3: softmax runs along each row"}},
         {}},
        {QuestionKind::output,
         "output",
         "the output o = sum_j alpha_j v_j",
         AnswerForm::numeric,
         {{"plain", "weights in tenths, values in whole numbers"}},
         {}},
        {QuestionKind::mask,
         "mask",
         "which matrix is the mask (multiple choice)",
         AnswerForm::letters,
         {{"causal", "the causal mask, 1 = may attend"},
          {"cache", "the causal mask of 2 new tokens against a KV cache"},
          {"window", "a causal sliding window"},
          {"prefix", "a prefix-LM mask"},
          {"padding", "a key-padding mask"},
          {"apply", "which matrix applies the causal mask: 'Score' kept, '-inf' masked"}},
         {}},
        {QuestionKind::order,
         "order",
         "put the steps of attention in order",
         AnswerForm::letters,
         {{"plain", "five steps, shuffled"}},
         {}},
        {QuestionKind::scaling,
         "scaling",
         "why scores are divided by sqrt(d_k) (multiple choice)",
         AnswerForm::letters,
         {{"why", "why training becomes unstable without the factor"},
          {"variance", "the variance of q.k"},
          {"scaled", "the variance of q.k / sqrt(d_k)"}},
         {}},
        {QuestionKind::bias,
         "bias",
         "a positional bias added to one score",
         AnswerForm::numeric,
         {{"alibi", "ALiBi's slope and distance"},
          {"relative", "a clipped relative-position table"}},
         {}},
        {QuestionKind::analyse,
         "analyse",
         "free response, marked by hand: a model answer and a rubric in the key",
         AnswerForm::free,
         {{"instability",
           "analyse a training instability from the numbers of attn explain scaling"}},
         {}},
        {QuestionKind::gradient,
         "gradient",
         "the backward pass: the gradient through softmax and into q",
         AnswerForm::numeric,
         {{"softmax", "d(alpha) -> d(beta) for one softmax row of 3 keys"},
          {"masked", "d(alpha) -> d(beta) for a row of 4 with a blocked key: which get 0"},
          {"query", "dq = c sum_j d(beta)_j k_j for a row of 2 keys"}},
         {}},
        {QuestionKind::rope,
         "rope",
         "rotary position embeddings: rotation, relative positions, pairings",
         AnswerForm::numeric,
         {{"rotate", "rotate a 2-d q and k by their angles and compute the score"},
          {"shift", "which positions give the same score (multiple choice)", AnswerForm::letters},
          {"pairing", "which dimensions a given formula pairs (multiple choice)",
           AnswerForm::letters}},
         {}},
    };
    for (auto& e : k)
      for (const auto& v : e.variants) e.variant_names.push_back(v.name);
    return k;
  }();
  return kinds;
}

const KindEntry& entry(QuestionKind k) {
  return catalogue()[static_cast<std::size_t>(k)];
}

constexpr QuestionKind kPresentation[] = {
    QuestionKind::score,   QuestionKind::rope,   QuestionKind::bias,     QuestionKind::mask,
    QuestionKind::weights, QuestionKind::output, QuestionKind::gradient, QuestionKind::order,
    QuestionKind::scaling, QuestionKind::analyse};

constexpr QuestionKind kDefaults[] = {
    QuestionKind::score,  QuestionKind::bias,  QuestionKind::mask,   QuestionKind::weights,
    QuestionKind::output, QuestionKind::order, QuestionKind::scaling};

std::string kind_names_list() {
  std::string out;
  for (const auto& e : catalogue()) out += (out.empty() ? "" : ", ") + std::string(e.name);
  return out;
}

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

}  // namespace

std::string_view to_string(QuestionKind k) {
  return entry(k).name;
}

QuestionKind parse_question_kind(std::string_view name) {
  std::vector<std::string_view> names;
  for (const auto& e : catalogue()) {
    if (e.name == name) return e.kind;
    names.push_back(e.name);
  }
  const auto guess = nearest(name, names);
  throw usage_error(fmt::format("--kinds: unknown kind '{}'", name),
                    guess ? fmt::format("did you mean '{}'?", *guess)
                          : fmt::format("kinds are {}", kind_names_list()));
}

std::span<const QuestionKind> all_question_kinds() {
  return kPresentation;
}

std::span<const QuestionKind> default_question_kinds() {
  return kDefaults;
}

std::span<const std::string_view> question_variants(QuestionKind k) {
  return entry(k).variant_names;
}

std::string_view kind_summary(QuestionKind k) {
  return entry(k).summary;
}

std::string_view variant_summary(QuestionKind k, std::string_view variant) {
  for (const auto& v : entry(k).variants)
    if (v.name == variant) return v.summary;
  return {};
}

AnswerForm answer_form(QuestionKind k, std::string_view variant) {
  for (const auto& v : entry(k).variants)
    if (v.name == variant && v.form) return *v.form;
  return entry(k).form;
}

std::vector<KindSpec> parse_kind_specs(std::string_view list) {
  std::vector<KindSpec> specs;
  std::size_t start = 0;
  while (start <= list.size()) {
    std::size_t comma = list.find(',', start);
    if (comma == std::string_view::npos) comma = list.size();
    const std::string_view item = trimmed(list.substr(start, comma - start));
    if (item.empty())
      throw usage_error("--kinds: empty kind in the list",
                        "separate kinds with commas: --kinds score,weights,mask:causal");
    const auto colon = item.find(':');
    KindSpec spec;
    spec.kind = parse_question_kind(trimmed(item.substr(0, colon)));
    if (colon != std::string_view::npos) {
      const std::string_view variant = trimmed(item.substr(colon + 1));
      const auto names = question_variants(spec.kind);
      if (std::ranges::find(names, variant) == names.end()) {
        const auto guess = nearest(variant, names);
        std::string all;
        for (auto n : names) all += (all.empty() ? "" : ", ") + std::string(n);
        throw usage_error(
            fmt::format("--kinds: {} has no variant '{}'", to_string(spec.kind), variant),
            guess ? fmt::format("did you mean '{}:{}'? (attn quiz --list-kinds lists them)",
                                to_string(spec.kind), *guess)
                  : fmt::format("the variants of {} are {}", to_string(spec.kind), all));
      }
      spec.variant = std::string(variant);
    }
    if (std::ranges::find(specs, spec) != specs.end())
      throw usage_error(fmt::format("--kinds: '{}' is listed twice", item));
    specs.push_back(std::move(spec));
    start = comma + 1;
  }
  return specs;
}

std::string kind_specs_text(std::span<const KindSpec> specs) {
  std::string out;
  for (const auto& s : specs) {
    if (!out.empty()) out += ',';
    out += to_string(s.kind);
    if (s.variant) out += ":" + *s.variant;
  }
  return out;
}

std::string list_kinds_text() {
  // The defaults, and the kinds a sheet holds only when asked for, named from the lists.
  const auto names = [](std::span<const QuestionKind> kinds) {
    std::string out;
    for (std::size_t n = 0; n < kinds.size(); ++n)
      out += std::string(n == 0                  ? ""
                         : n + 1 == kinds.size() ? " and "
                                                 : ", ") +
             std::string(to_string(kinds[n]));
    return out;
  };
  std::vector<QuestionKind> asked;
  for (QuestionKind k : all_question_kinds())
    if (std::ranges::find(default_question_kinds(), k) == default_question_kinds().end())
      asked.push_back(k);
  const std::string intro = fmt::format(
      "Question kinds and their variants: --kinds KIND draws any variant of the kind, --kinds "
      "KIND:VARIANT only that one. Without --kinds a sheet draws {} ({} only when asked for).",
      names(default_question_kinds()), names(asked));
  // wrapped at 88 columns
  std::string out, line;
  for (std::size_t start = 0; start < intro.size();) {
    std::size_t end = intro.find(' ', start);
    if (end == std::string::npos) end = intro.size();
    const std::string word = intro.substr(start, end - start);
    if (!line.empty() && line.size() + 1 + word.size() > 88) {
      out += line + "\n";
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
    start = end + 1;
  }
  out += line + "\n";
  for (QuestionKind k : all_question_kinds()) {
    const auto& e = entry(k);
    out += fmt::format("\n{:<20} {}\n", e.name, e.summary);
    for (const auto& v : e.variants)
      out += fmt::format("  {:<18} {}\n", fmt::format("{}:{}", e.name, v.name), v.summary);
  }
  return out;
}

// ---- Steps and mistakes -------------------------------------------------------------------------

namespace {

constexpr std::string_view kStepIds[] = {"dot", "scale", "mask", "softmax", "output"};

struct Described {
  std::string_view id;
  std::string_view text;
};

constexpr Described kStepTexts[] = {
    {"dot", "compute the dot products $s_{ij} = q_i \\cdot k_j$"},
    {"scale", "multiply every score by $1/\\sqrt{d_k}$"},
    {"mask", "add the mask $M_{ij}$ ($0$ where allowed, $-\\infty$ where blocked)"},
    {"softmax", "take the softmax of each row, over the keys"},
    {"output", "sum the value vectors weighted by $\\alpha_{ij}$"},
};

constexpr Described kStepReasons[] = {
    {"dot", "the dot products measure how well each key matches each query"},
    {"scale", "scale before softmax, so that the scores have variance about 1 whatever $d_k$ is"},
    {"mask",
     "the mask goes on the scores, so that a blocked key's score is $-\\infty$ before "
     "softmax"},
    {"softmax",
     "softmax turns each row into weights that sum to 1; a blocked key gets "
     "$\\exp(-\\infty) = 0$"},
    {"output", "the weights mix the value vectors into the output"},
};

constexpr Described kMistakes[] = {
    // mask distractors
    {"transposed",
     "transposed: row $i$ is the query and column $j$ the key, so the keys a token may see run "
     "along its row; this matrix lets each token see the future instead of the past"},
    {"transposed_rows",
     "transposed: row $i$ is the query and column $j$ the key; this matrix swaps them"},
    {"diagonal",
     "diagonal blocked: a token must be allowed to attend to itself ($j = i$); "
     "without it the first row has no key at all"},
    {"inverted",
     "inverted polarity: here 1 marks the blocked keys (the convention of PyTorch's "
     "nn.MultiheadAttention), but the question asks for 1 = may attend"},
    {"inverted_scores",
     "inverted: the score must stay where the key is at or before the query ($j \\le i$) and "
     "$-\\infty$ go on the future keys ($j > i$); this matrix keeps the future and masks the past"},
    {"top_left",
     "top-left alignment: the queries are the last tokens, so query $i$ sits at "
     "position $i + n_k - n_q$ (bottom-right); top-left and bottom-right agree only "
     "when $n_q = n_k$"},
    {"window_plus_one",
     "off by one: this window holds $W + 1$ keys ($i - j \\le W$, "
     "attention-gym's count) instead of $W$ ($i - W < j \\le i$)"},
    {"window_bidirectional",
     "looks ahead: this is a bidirectional window ($|i - j| < W$), but "
     "a causal sliding window only looks back"},
    {"no_mask", "no mask at all: every key is visible"},
    {"prefix_ignored",
     "plain causal: the prefix tokens must see the whole prefix, including the "
     "prefix tokens after them"},
    {"prefix_plus_one", "off by one: the prefix here is one token too long"},
    {"prefix_only",
     "only the prefix is visible: the tokens after it must also see themselves "
     "and the tokens before them"},
    {"padding_rows",
     "blocks the padded queries (rows) instead of the padded keys (columns): key "
     "padding hides the padding tokens from every query"},
    {"padding_plus_one",
     "off by one: one padding key is left visible ($j \\le L$ instead of "
     "$j < L$)"},
    // scaling distractors
    {"overflow",
     "overflow is not the problem: a double holds dot products far beyond any "
     "realistic $d_k$; the trouble is that large scores saturate the softmax"},
    {"normalise",
     "softmax already makes the weights sum to 1 whatever the scale; the factor "
     "controls how peaked they are"},
    {"length", "the factor depends on $d_k$, the width of $q$ and $k$, not on the number of keys"},
    {"variance_not_std",
     "dividing by $d_k$ would shrink the variance to $1/d_k$; dividing by "
     "the standard deviation $\\sqrt{d_k}$ brings it to 1"},
    {"gradient_explodes",
     "the opposite happens: a saturated softmax has a gradient near 0, so learning stalls; "
     "nothing explodes"},
    {"sqrt",
     "$\\sqrt{d_k}$ is the standard deviation; the variance of a sum of $d_k$ "
     "independent unit-variance products is $d_k$"},
    {"one",
     "each product $q_t k_t$ has variance 1, but the sum of $d_k$ of them has variance "
     "$d_k$"},
    {"square",
     "variances of independent terms add: $d_k$ terms of variance 1 give $d_k$, "
     "not $d_k^2$"},
    {"unscaled",
     "that is the variance before scaling; dividing by $\\sqrt{d_k}$ divides the "
     "variance by $d_k$"},
    {"sqrt_scaled",
     "$\\mathrm{Var}(cX) = c^2 \\mathrm{Var}(X)$: dividing by $\\sqrt{d_k}$ "
     "divides the variance by $d_k$, not by $\\sqrt{d_k}$"},
    {"twice",
     "that divides the variance by $d_k$ twice: $\\mathrm{Var}(q \\cdot k) = d_k$ and "
     "$(1/\\sqrt{d_k})^2 = 1/d_k$, so the scaled variance is 1"},
    // rope distractors
    {"swapped",
     "swapped: the score depends on the signed difference $m - n$; swapping the positions turns "
     "it into $n - m$, a rotation the other way"},
    {"query_shifted",
     "only the query moved: shifting $m$ alone changes $m - n$, and with it the score"},
    {"doubled",
     "doubled: the score depends on the difference $m - n$, not on the ratio $m / n$; doubling "
     "both positions doubles the difference"},
    {"other_pairing",
     "the other convention: half pairs dimension $i$ with $i + d/2$ (GPT-NeoX, Hugging Face's "
     "rotate_half, flash-attn by default), interleaved pairs the neighbours $2i$ and $2i + 1$ "
     "(GPT-J, the RoFormer paper, Meta's complex numbers); weights read with the wrong one give "
     "other scores"},
    {"mirrored",
     "no convention pairs dimension $i$ with $d - 1 - i$: the pairs are $(i, i + d/2)$ (half) or "
     "$(2i, 2i + 1)$ (interleaved)"},
};

constexpr RopeFormula kRopeFormulas[] = {
    {"hf_rotate_half",
     "Hugging Face's LLaMA: q' = q cos + rotate_half(q) sin, where rotate_half(x) = cat(-x2, x1) "
     "with x1 = x[..., : d/2] and x2 = x[..., d/2 :]",
     RopeStyle::half},
    {"neox_formula",
     "$(x_i, x_{i + d/2}) \\mapsto (x_i \\cos m\\theta_i - x_{i + d/2} \\sin m\\theta_i,\\ x_i "
     "\\sin m\\theta_i + x_{i + d/2} \\cos m\\theta_i)$ for $i < d/2$ (GPT-NeoX)",
     RopeStyle::half},
    {"flash_half", "flash-attn's apply_rotary_emb(x, cos, sin, interleaved=False)",
     RopeStyle::half},
    {"gptj_every_two",
     "GPT-J: q' = q cos + rotate_every_two(q) sin, where rotate_every_two(x) = "
     "stack((-x[..., 1::2], x[..., ::2]), -1).flatten(-2)",
     RopeStyle::interleaved},
    {"roformer_formula",
     "$(x_{2i}, x_{2i+1}) \\mapsto (x_{2i} \\cos m\\theta_i - x_{2i+1} \\sin m\\theta_i,\\ "
     "x_{2i} \\sin m\\theta_i + x_{2i+1} \\cos m\\theta_i)$ for $i < d/2$ (the RoFormer paper)",
     RopeStyle::interleaved},
    {"meta_complex",
     "Meta's reference LLaMA: view_as_real(view_as_complex(x.reshape(..., d/2, 2)) times "
     "freqs_cis), one complex number per pair",
     RopeStyle::interleaved},
    {"flash_interleaved", "flash-attn's apply_rotary_emb(x, cos, sin, interleaved=True)",
     RopeStyle::interleaved},
};

std::string_view lookup(std::span<const Described> table, std::string_view id) {
  for (const auto& d : table)
    if (d.id == id) return d.text;
  return {};
}

}  // namespace

std::span<const std::string_view> order_step_ids() {
  return kStepIds;
}

std::string_view order_step_text(std::string_view id) {
  return lookup(kStepTexts, id);
}

std::string_view order_step_reason(std::string_view id) {
  return lookup(kStepReasons, id);
}

std::string_view mistake_text(std::string_view id) {
  return lookup(kMistakes, id);
}

std::span<const RopeFormula> rope_formulas() {
  return kRopeFormulas;
}

const RopeFormula& rope_formula(std::string_view id) {
  for (const auto& f : kRopeFormulas)
    if (f.id == id) return f;
  throw data_error(fmt::format("no rope formula '{}'", id));
}

}  // namespace attn
