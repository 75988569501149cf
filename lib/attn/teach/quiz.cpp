#include "attn/teach/quiz.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "attn/core/bias.hpp"
#include "attn/core/error.hpp"
#include "attn/core/rules.hpp"
#include "attn/core/suggest.hpp"
#include "attn/core/version.hpp"
#include "attn/io/parse.hpp"
#include "attn/render/format.hpp"

namespace attn {

// ---- SeededRng
// -----------------------------------------------------------------------------------

std::int64_t SeededRng::uniform_int(std::int64_t lo, std::int64_t hi) {
  if (hi < lo) std::swap(lo, hi);
  const std::uint64_t range = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo) + 1;
  if (range == 0) return static_cast<std::int64_t>(next());  // the whole 64-bit range
  // Accept only draws below the largest multiple of `range`, so every residue is equally likely.
  const std::uint64_t limit =
      std::numeric_limits<std::uint64_t>::max() - std::numeric_limits<std::uint64_t>::max() % range;
  std::uint64_t x = next();
  while (x >= limit) x = next();
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(lo) + x % range);
}

std::size_t SeededRng::index(std::size_t n) {
  return static_cast<std::size_t>(uniform_int(0, static_cast<std::int64_t>(n) - 1));
}

double SeededRng::uniform01() {
  return static_cast<double>(next() >> 11) * 0x1.0p-53;
}

double SeededRng::normal() {
  if (spare_) {
    const double z = *spare_;
    spare_.reset();
    return z;
  }
  // Marsaglia's polar form of Box–Muller: a point (u, v) uniform in the unit disc gives two
  // independent normals with one log and one square root, and no sin or cos.
  double u = 0, v = 0, s = 0;
  do {
    u = 2.0 * uniform01() - 1.0;
    v = 2.0 * uniform01() - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  const double m = std::sqrt(-2.0 * std::log(s) / s);
  spare_ = v * m;
  return u * m;
}

std::uint64_t fnv1a64(std::string_view text) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::uint64_t student_seed(std::uint64_t class_seed, std::string_view student) {
  // SplitMix64's finaliser (Steele, Lea & Flood 2014), then 53 bits so that JSON readers which
  // hold numbers as doubles (JavaScript) read the seed exactly.
  std::uint64_t z = class_seed ^ fnv1a64(student);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return z >> 11;
}

// ---- Kinds
// ---------------------------------------------------------------------------------------

namespace {

constexpr std::string_view kKindNames[] = {"score", "weights", "output", "mask",
                                           "order", "scaling", "bias"};
constexpr QuestionKind kPresentation[] = {
    QuestionKind::score,  QuestionKind::bias,  QuestionKind::mask,   QuestionKind::weights,
    QuestionKind::output, QuestionKind::order, QuestionKind::scaling};

std::size_t presentation_rank(QuestionKind k) {
  return static_cast<std::size_t>(std::ranges::find(kPresentation, k) - std::begin(kPresentation));
}

}  // namespace

std::string_view to_string(QuestionKind k) {
  return kKindNames[static_cast<std::size_t>(k)];
}

QuestionKind parse_question_kind(std::string_view name) {
  for (std::size_t n = 0; n < std::size(kKindNames); ++n)
    if (kKindNames[n] == name) return static_cast<QuestionKind>(n);
  const auto guess = nearest(name, kKindNames);
  throw usage_error(fmt::format("--kinds: unknown kind '{}'", name),
                    guess ? fmt::format("did you mean '{}'?", *guess)
                          : "kinds are score, weights, output, mask, order, scaling, bias");
}

std::span<const QuestionKind> all_question_kinds() {
  return kPresentation;
}

std::vector<QuestionKind> parse_question_kinds(std::string_view list) {
  std::vector<QuestionKind> kinds;
  std::size_t start = 0;
  while (start <= list.size()) {
    std::size_t comma = list.find(',', start);
    if (comma == std::string_view::npos) comma = list.size();
    std::string_view item = list.substr(start, comma - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.empty())
      throw usage_error("--kinds: empty kind in the list",
                        "separate kinds with commas: --kinds score,weights");
    const QuestionKind k = parse_question_kind(item);
    if (std::ranges::find(kinds, k) != kinds.end())
      throw usage_error(fmt::format("--kinds: '{}' is listed twice", item));
    kinds.push_back(k);
    start = comma + 1;
  }
  return kinds;
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
     "blocks the padded queries (rows) instead of the padded keys (columns): "
     "key padding hides the padding tokens from every query"},
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

std::string_view mistake_text(std::string_view id) {
  return lookup(kMistakes, id);
}

// ---- Solving ------------------------------------------------------------------------------------

namespace {

std::string label_of(std::size_t n) {
  return std::string(1, static_cast<char>('A' + n));
}

Matrix one(double x) {
  return Matrix{{x}};
}

const Matrix& need(const std::optional<Matrix>& m, const Question& q, const char* name) {
  if (!m)
    throw data_error(fmt::format("question {} ({}) has no {}", q.number, to_string(q.kind), name));
  return *m;
}

const Choice* find_choice(const Question& q, auto&& pred) {
  const Choice* found = nullptr;
  for (const auto& c : q.choices) {
    if (!pred(c)) continue;
    if (found)
      throw data_error(fmt::format("question {} ({}): choices {} and {} are both right", q.number,
                                   to_string(q.kind), found->label, c.label));
    found = &c;
  }
  if (!found)
    throw data_error(
        fmt::format("question {} ({}): no choice is right", q.number, to_string(q.kind)));
  return found;
}

}  // namespace

void solve(Question& q) {
  q.trace.reset();
  q.bias_matrix.reset();
  q.answer = {};
  switch (q.kind) {
    case QuestionKind::score: {
      Problem p;
      p.q = need(q.q, q, "q");
      p.k = need(q.k, q, "k");
      if (q.bias) p.bias = one(*q.bias);
      if (q.mask) p.mask = one(*q.mask);
      q.trace = run_attention(p, Stage::scores);
      q.answer.values = q.trace->scores;
      return;
    }
    case QuestionKind::bias: {
      if (!q.score) throw data_error(fmt::format("question {} (bias) has no score", q.number));
      if (q.query >= q.geometry.n_q || q.key >= q.geometry.n_k)
        throw data_error(fmt::format("question {} (bias): cell ({}, {}) is outside {}×{}", q.number,
                                     q.query, q.key, q.geometry.n_q, q.geometry.n_k));
      q.bias_matrix = q.slope ? alibi_bias(q.geometry, *q.slope)
                              : relative_bias(q.geometry, q.table,
                                              static_cast<std::int64_t>(q.table.size() / 2));
      q.answer.values = add_cellwise(one(*q.score), one((*q.bias_matrix)(q.query, q.key)));
      return;
    }
    case QuestionKind::weights: {
      Problem p;
      p.scores = need(q.scores, q, "scores");
      q.trace = run_attention(p, Stage::weights);
      q.answer.values = q.trace->softmax->weights;
      return;
    }
    case QuestionKind::output:
      q.answer.values = weighted_sum(need(q.weights, q, "weights"), need(q.v, q, "v"));
      return;
    case QuestionKind::mask: {
      const BoolMatrix right = MaskExpr::parse(q.mask_expr).evaluate(q.geometry);
      q.answer.labels =
          find_choice(q, [&](const Choice& c) { return c.matrix && *c.matrix == right; })->label;
      return;
    }
    case QuestionKind::order:
      for (std::string_view id : kStepIds)
        q.answer.labels += find_choice(q, [&](const Choice& c) { return c.id == id; })->label;
      return;
    case QuestionKind::scaling: {
      const double d = static_cast<double>(q.d_k);
      const auto right = [&](const Choice& c) {
        if (q.variant == "variance") return c.value && *c.value == d;
        if (q.variant == "scaled") return c.value && *c.value == 1.0;
        return c.id == "correct";
      };
      q.answer.labels = find_choice(q, right)->label;
      return;
    }
  }
}

// ---- Generating ---------------------------------------------------------------------------------

namespace {

// A multiple of 1/2 in [−2, 2].
double half(SeededRng& rng) {
  return static_cast<double>(rng.uniform_int(-4, 4)) / 2.0;
}

double nonzero_half(SeededRng& rng) {
  const auto n = rng.uniform_int(1, 4);
  return static_cast<double>(rng.uniform_int(0, 1) ? n : -n) / 2.0;
}

Matrix half_row(SeededRng& rng, std::size_t n) {
  Matrix m(1, n);
  for (double& x : m.values()) x = half(rng);
  return m;
}

bool constant_row(const Matrix& m, std::size_t i) {
  auto r = m.row(i);
  double first = neg_inf;
  bool seen = false;
  for (double x : r) {
    if (x == neg_inf) continue;
    if (seen && x != first) return false;
    first = x;
    seen = true;
  }
  return true;
}

std::string num(double x) {
  return format_number(x);
}

Question make_score(SeededRng& rng) {
  Question q;
  q.kind = QuestionKind::score;
  static constexpr std::size_t kDims[] = {1, 4, 9, 16};
  const std::size_t d = kDims[rng.index(4)];
  // Redraw until q·k ≠ 0, so that forgetting to scale gives a different number.
  for (int attempt = 0; attempt < 100; ++attempt) {
    q.q = half_row(rng, d);
    q.k = half_row(rng, d);
    if (dot_products(*q.q, *q.k)(0, 0) != 0.0) break;
  }
  const std::size_t variant = rng.index(4);  // plain twice as often as bias or mask
  if (variant == 2) {
    q.variant = "bias";
    q.bias = nonzero_half(rng);
    q.prompt = fmt::format(
        "Compute the score $\\beta = q \\cdot k / \\sqrt{{d_k}} + b$ for the vectors below, "
        "with $d_k = {}$ and the bias $b = {}$. Give $\\beta$ to 3 decimals.",
        d, num(*q.bias));
  } else if (variant == 3) {
    q.variant = "mask";
    q.mask = rng.uniform_int(0, 1) ? 0.0 : neg_inf;
    q.prompt = fmt::format(
        "Compute the score $\\beta = q \\cdot k / \\sqrt{{d_k}} + M$ for the vectors below, with "
        "$d_k = {}$ and the mask entry {}. Give $\\beta$ to 3 decimals, or $-\\infty$.",
        d, *q.mask == 0.0 ? "$M = 0$ (the key is visible)" : "$M = -\\infty$ (the key is blocked)");
  } else {
    q.variant = "plain";
    q.prompt = fmt::format(
        "Compute the score $\\beta = q \\cdot k / \\sqrt{{d_k}}$ for the vectors below, with "
        "$d_k = {}$. Give $\\beta$ to 3 decimals.",
        d);
  }
  return q;
}

Question make_bias(SeededRng& rng) {
  Question q;
  q.kind = QuestionKind::bias;
  q.geometry = {6, 6, Align::bottom_right};
  q.score = half(rng);
  if (rng.uniform_int(0, 1) == 0) {
    q.variant = "alibi";
    q.heads = rng.uniform_int(0, 1) ? 8 : 4;
    q.head = rng.index(q.heads == 8 ? 3 : 2) + 1;  // slopes 1/2, 1/4, 1/8 or 1/4, 1/16
    q.slope = alibi_slopes(q.heads)[q.head - 1];
    q.query = rng.index(5) + 1;
    q.key = rng.index(q.query);  // a key in the past, so the bias is not 0
    q.prompt = fmt::format(
        "Head $h = {}$ of $H = {}$ uses ALiBi with slope $m_h = 2^{{-8h/H}}$, which adds "
        "$-m_h (i - j)$ to the score of query position $i$ and key position $j$. The scaled "
        "score $q_i \\cdot k_j / \\sqrt{{d_k}}$ of query $i = {}$ and key $j = {}$ is ${}$. What "
        "is $\\beta_{{ij}}$ after the bias? Give it to 3 decimals.",
        q.head, q.heads, q.query, q.key, num(*q.score));
  } else {
    q.variant = "relative";
    q.table.resize(5);
    for (double& b : q.table) b = nonzero_half(rng);  // never 0, so the bias always counts
    q.query = rng.index(6);
    q.key = rng.index(6);
    std::string values;
    for (int d = -2; d <= 2; ++d)
      values += fmt::format("{}$b({}) = {}$", d == -2 ? "" : ", ", d,
                            num(q.table[static_cast<std::size_t>(d + 2)]));
    q.prompt = fmt::format(
        "A relative-position bias with $K = 2$ adds one learned value per clipped distance "
        "$d = \\mathrm{{clip}}(j - i, -2, 2)$: {}. The scaled score of query position $i = {}$ "
        "and key position $j = {}$ is ${}$. What is $\\beta_{{ij}}$ after the bias? Give it to 3 "
        "decimals.",
        values, q.query, q.key, num(*q.score));
  }
  return q;
}

Question make_weights(SeededRng& rng) {
  Question q;
  q.kind = QuestionKind::weights;
  const std::size_t variant = rng.index(3);
  Matrix s;
  for (int attempt = 0; attempt < 100; ++attempt) {
    if (variant == 2) {
      s = Matrix(2, 3);
      for (double& x : s.values()) x = half(rng);
    } else if (variant == 1) {
      s = half_row(rng, 4);
      s(0, rng.index(4)) = neg_inf;
    } else {
      s = half_row(rng, 3 + rng.index(2));
    }
    bool ok = true;
    for (std::size_t i = 0; i < s.rows(); ++i) ok = ok && !constant_row(s, i);
    if (ok) break;
  }
  q.scores = s;
  q.variant = variant == 2 ? "rows" : variant == 1 ? "masked" : "row";
  q.prompt =
      variant == 2
          ? "Compute the attention weights $\\alpha = \\mathrm{softmax}(\\beta)$ for the scores "
            "below: softmax runs over each row (the keys of one query). Give each weight to 3 "
            "decimals."
      : variant == 1
          ? "Compute the attention weights $\\alpha = \\mathrm{softmax}(\\beta)$ for the score row "
            "below, where $-\\infty$ marks a blocked key. Give each weight to 3 decimals."
          : "Compute the attention weights $\\alpha = \\mathrm{softmax}(\\beta)$ for the score row "
            "below. Give each weight to 3 decimals.";
  return q;
}

Question make_output(SeededRng& rng) {
  Question q;
  q.kind = QuestionKind::output;
  q.variant = "plain";
  const std::size_t n_k = 2 + rng.index(2);
  const std::size_t d_v = 2 + rng.index(2);
  // Weights in tenths that sum to exactly 10 tenths.
  std::vector<std::int64_t> tenths;
  if (n_k == 2) {
    const auto a = rng.uniform_int(1, 9);
    tenths = {a, 10 - a};
  } else {
    const auto a = rng.uniform_int(1, 8);
    const auto b = rng.uniform_int(1, 9 - a);
    tenths = {a, b, 10 - a - b};
  }
  Matrix w(1, n_k);
  for (std::size_t j = 0; j < n_k; ++j) w(0, j) = static_cast<double>(tenths[j]) / 10.0;
  Matrix v(n_k, d_v);
  for (double& x : v.values()) x = static_cast<double>(rng.uniform_int(-3, 3));
  q.weights = w;
  q.v = v;
  q.prompt =
      "The attention weights of one query are $\\alpha$ and the value vectors $v_j$ are the rows "
      "of $V$. Compute the output $o = \\sum_j \\alpha_j v_j$, each entry to 3 decimals.";
  return q;
}

BoolMatrix transposed(const BoolMatrix& m) {
  BoolMatrix t(m.cols(), m.rows());
  for (std::size_t i = 0; i < m.rows(); ++i)
    for (std::size_t j = 0; j < m.cols(); ++j) t(j, i) = m(i, j) ? 1 : 0;
  return t;
}

BoolMatrix eval(std::string_view expr, const Geometry& g) {
  return MaskExpr::parse(expr).evaluate(g);
}

Question make_mask(SeededRng& rng) {
  Question q;
  q.kind = QuestionKind::mask;
  static constexpr std::string_view kVariants[] = {"causal", "cache", "window", "prefix",
                                                   "padding"};
  q.variant = kVariants[rng.index(5)];
  struct Candidate {
    std::string id;
    BoolMatrix matrix;
  };
  std::vector<Candidate> wrong;
  const std::string tail = " Row $i$ is the query and column $j$ the key; 1 = may attend.";
  if (q.variant == "causal") {
    const std::size_t n = 3 + rng.index(3);
    q.geometry = {n, n, Align::bottom_right};
    q.mask_expr = "causal";
    wrong = {{"transposed", eval("!causal | local:0", q.geometry)},
             {"diagonal", eval("causal & !local:0", q.geometry)},
             {"inverted", eval("!causal", q.geometry)},
             {"no_mask", eval("full", q.geometry)}};
    q.prompt = fmt::format("Which matrix is the causal mask for {} tokens?{}", n, tail);
  } else if (q.variant == "cache") {
    const std::size_t n_k = 4 + rng.index(2);
    q.geometry = {2, n_k, Align::bottom_right};
    q.mask_expr = "causal";
    const Geometry top_left{2, n_k, Align::top_left};
    wrong = {{"top_left", eval("causal", top_left)},
             {"diagonal", eval("causal & !local:0", q.geometry)},
             {"inverted", eval("!causal", q.geometry)}};
    q.prompt = fmt::format(
        "Decoding with a KV cache: the 2 new tokens are queries at the last 2 of {} positions "
        "and attend all {} keys. Which $2 \\times {}$ matrix is their causal mask?{}",
        n_k, n_k, n_k, tail);
  } else if (q.variant == "window") {
    const std::size_t w = 2 + rng.index(2);
    q.geometry = {5, 5, Align::bottom_right};
    q.mask_expr = fmt::format("window:{}", w);
    wrong = {{"window_plus_one", eval(fmt::format("window:{}", w + 1), q.geometry)},
             {"window_bidirectional", eval(fmt::format("local:{}", w - 1), q.geometry)},
             {"transposed", transposed(eval(q.mask_expr, q.geometry))},
             {"diagonal", eval(fmt::format("window:{} & !local:0", w), q.geometry)},
             {"inverted", eval(fmt::format("!window:{}", w), q.geometry)}};
    q.prompt = fmt::format(
        "Which matrix is the causal sliding-window mask for 5 tokens with a window of $W = {}$ "
        "keys (the token itself and the {} before it)?{}",
        w, w - 1, tail);
  } else if (q.variant == "prefix") {
    const std::size_t n = 4 + rng.index(2);
    const std::size_t p = 2;
    q.geometry = {n, n, Align::bottom_right};
    q.mask_expr = fmt::format("prefix:{}", p);
    wrong = {{"prefix_ignored", eval("causal", q.geometry)},
             {"prefix_plus_one", eval(fmt::format("prefix:{}", p + 1), q.geometry)},
             {"prefix_only", eval(fmt::format("valid:{}", p), q.geometry)},
             {"transposed_rows", transposed(eval(q.mask_expr, q.geometry))},
             {"inverted", eval(fmt::format("!prefix:{}", p), q.geometry)}};
    q.prompt = fmt::format(
        "Which matrix is the prefix-LM mask for {} tokens whose first {} form the prefix (every "
        "token sees the whole prefix; after it, attention is causal)?{}",
        n, p, tail);
  } else {
    const std::size_t n = 4 + rng.index(2);
    const std::size_t l = 2 + rng.index(n - 2);
    q.geometry = {n, n, Align::bottom_right};
    q.mask_expr = fmt::format("valid:{}", l);
    wrong = {{"padding_rows", transposed(eval(q.mask_expr, q.geometry))},
             {"padding_plus_one", eval(fmt::format("valid:{}", l + 1), q.geometry)},
             {"inverted", eval(fmt::format("!valid:{}", l), q.geometry)},
             {"no_mask", eval("full", q.geometry)}};
    q.prompt = fmt::format(
        "A batch pads a sentence of $L = {}$ real tokens to length {}. Which matrix is its "
        "key-padding mask (no query may attend a padding token; no causal mask)?{}",
        l, n, tail);
  }
  const BoolMatrix right = eval(q.mask_expr, q.geometry);
  rng.shuffle(wrong);
  std::vector<Candidate> offered{{"correct", right}};
  for (auto& c : wrong) {
    if (offered.size() == 4) break;
    const bool seen =
        std::ranges::any_of(offered, [&](const Candidate& o) { return o.matrix == c.matrix; });
    if (!seen) offered.push_back(std::move(c));
  }
  rng.shuffle(offered);
  for (std::size_t n = 0; n < offered.size(); ++n)
    q.choices.push_back(
        {label_of(n), "", std::move(offered[n].matrix), std::nullopt, std::move(offered[n].id)});
  return q;
}

Question make_order(SeededRng& rng) {
  Question q;
  q.kind = QuestionKind::order;
  q.variant = "plain";
  std::vector<std::string_view> ids(std::begin(kStepIds), std::end(kStepIds));
  const std::vector<std::string_view> canonical = ids;
  for (int attempt = 0; attempt < 100 && ids == canonical; ++attempt) rng.shuffle(ids);
  for (std::size_t n = 0; n < ids.size(); ++n)
    q.choices.push_back({label_of(n), std::string(order_step_text(ids[n])), std::nullopt,
                         std::nullopt, std::string(ids[n])});
  q.prompt =
      "Put these steps of scaled dot-product attention in the order they are computed. Answer "
      "with the letters, first step first (for example EDCBA).";
  return q;
}

Question make_scaling(SeededRng& rng) {
  Question q;
  q.kind = QuestionKind::scaling;
  struct Option {
    std::string id;
    std::string text;
    std::optional<double> value;
  };
  std::vector<Option> options;
  const std::size_t variant = rng.index(3);
  if (variant == 0) {
    q.variant = "why";
    q.prompt =
        "Training a transformer with a large head width $d_k$ becomes unstable when the scores "
        "$q \\cdot k$ are not divided by $\\sqrt{d_k}$. Why?";
    options = {
        {"correct",
         "With unit-variance entries, $q \\cdot k$ has variance $d_k$. Large scores saturate the "
         "softmax into nearly one-hot weights, where its gradient "
         "$\\partial \\alpha_i / \\partial \\beta_j = \\alpha_i(\\delta_{ij} - \\alpha_j)$ is "
         "almost 0, so learning stalls. Dividing by $\\sqrt{d_k}$ brings the variance back to 1.",
         {}},
        {"overflow", "The dot products overflow double precision once $d_k$ is large.", {}},
        {"normalise", "Without the factor the weights of a row would not sum to 1.", {}},
        {"length", "The factor makes attention independent of the number of keys.", {}},
        {"variance_not_std",
         "The factor should really be $1/d_k$, the variance of $q \\cdot k$; $1/\\sqrt{d_k}$ is "
         "a cheaper approximation of it.",
         {}},
    };
    std::vector<Option> distractors(options.begin() + 1, options.end());
    rng.shuffle(distractors);
    distractors.resize(3);
    options.resize(1);
    options.insert(options.end(), distractors.begin(), distractors.end());
  } else {
    static constexpr std::size_t kDims[] = {16, 64, 256};
    q.d_k = kDims[rng.index(3)];
    const double d = static_cast<double>(q.d_k);
    const double root = std::sqrt(d);  // a whole number: 4, 8 or 16
    const std::string given = fmt::format(
        "The entries of $q$ and $k$ are independent, with mean 0 and variance 1, and "
        "$d_k = {}$.",
        q.d_k);
    if (variant == 1) {
      q.variant = "variance";
      q.prompt = given + " What is the variance of the dot product $q \\cdot k$?";
      options = {{"correct", fmt::format("${}$", q.d_k), d},
                 {"sqrt", fmt::format("${}$", root), root},
                 {"one", "$1$", 1.0},
                 {"square", fmt::format("${}$", q.d_k * q.d_k), d * d}};
    } else {
      q.variant = "scaled";
      q.prompt = given + " What is the variance of the scaled score $q \\cdot k / \\sqrt{d_k}$?";
      options = {{"correct", "$1$", 1.0},
                 {"unscaled", fmt::format("${}$", q.d_k), d},
                 {"sqrt_scaled", fmt::format("${}$", root), root},
                 {"twice", fmt::format("$1/{}$", q.d_k), 1.0 / d}};
    }
  }
  rng.shuffle(options);
  for (std::size_t n = 0; n < options.size(); ++n)
    q.choices.push_back({label_of(n), std::move(options[n].text), std::nullopt, options[n].value,
                         std::move(options[n].id)});
  return q;
}

Question make_question(QuestionKind kind, SeededRng& rng) {
  switch (kind) {
    case QuestionKind::score:
      return make_score(rng);
    case QuestionKind::weights:
      return make_weights(rng);
    case QuestionKind::output:
      return make_output(rng);
    case QuestionKind::mask:
      return make_mask(rng);
    case QuestionKind::order:
      return make_order(rng);
    case QuestionKind::scaling:
      return make_scaling(rng);
    case QuestionKind::bias:
      return make_bias(rng);
  }
  throw Error(Exit::internal, "unknown question kind");
}

}  // namespace

Quiz generate_quiz(const QuizOptions& options) {
  if (options.count == 0 || options.count > max_quiz_questions)
    throw usage_error(
        fmt::format("--count must be between 1 and {}, not {}", max_quiz_questions, options.count));
  Quiz quiz;
  quiz.class_seed = options.seed;
  quiz.student = options.student;
  quiz.seed = options.student ? student_seed(options.seed, *options.student) : options.seed;
  quiz.version = std::string(version());
  quiz.kinds = options.kinds;
  if (quiz.kinds.empty()) quiz.kinds.assign(kPresentation, std::end(kPresentation));
  SeededRng rng(quiz.seed);

  // Kinds in rounds: every kind once per round, in shuffled order, so a short sheet still mixes.
  std::vector<QuestionKind> chosen;
  while (chosen.size() < options.count) {
    std::vector<QuestionKind> round = quiz.kinds;
    rng.shuffle(round);
    for (QuestionKind k : round)
      if (chosen.size() < options.count) chosen.push_back(k);
  }
  std::ranges::stable_sort(chosen, {}, presentation_rank);
  for (QuestionKind k : chosen) {
    Question q = make_question(k, rng);
    q.number = quiz.questions.size() + 1;
    solve(q);
    quiz.questions.push_back(std::move(q));
  }
  return quiz;
}

// ---- Reading a quiz back ------------------------------------------------------------------------

namespace {

using nlohmann::json;

struct Reader {
  std::string_view what;
  std::string where;  // "questions[2]"

  [[noreturn]] void fail(const std::string& message) const {
    throw data_error(fmt::format("{}: {}: {}", what, where, message),
                     "write the quiz with `attn quiz --format json` (with its key)");
  }
  const json& at(const json& obj, const char* key) const {
    if (!obj.is_object()) fail("expected an object");
    const auto it = obj.find(key);
    if (it == obj.end()) fail(fmt::format("missing key \"{}\"", key));
    return *it;
  }
  double number(const json& v, const char* key) const {
    if (v.is_number()) return v.get<double>();
    if (v.is_string()) {
      const auto& s = v.get_ref<const std::string&>();
      if (s == "-Infinity" || s == "-inf") return neg_inf;
    }
    fail(fmt::format("\"{}\" must be a number, not {}", key, v.dump()));
  }
  std::size_t size(const json& v, const char* key) const {
    if (!v.is_number_unsigned()) fail(fmt::format("\"{}\" must be a whole number ≥ 0", key));
    return v.get<std::size_t>();
  }
  std::string string(const json& v, const char* key) const {
    if (!v.is_string()) fail(fmt::format("\"{}\" must be a string", key));
    return v.get<std::string>();
  }
  Matrix matrix(const json& v, const char* key, Allow allow = Allow::finite) const {
    return matrix_from_json(v, fmt::format("{}: {}.{}", what, where, key), allow);
  }
};

BoolMatrix bool_matrix(const Reader& r, const json& v) {
  if (!v.is_array() || v.empty() || !v.front().is_array())
    r.fail("a choice's \"matrix\" must be an array of rows");
  BoolMatrix m(v.size(), v.front().size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_array() || v[i].size() != m.cols()) r.fail("a choice's matrix is ragged");
    for (std::size_t j = 0; j < m.cols(); ++j) {
      if (!v[i][j].is_boolean()) r.fail("a choice's matrix must hold true/false");
      m(i, j) = v[i][j].get<bool>() ? 1 : 0;
    }
  }
  return m;
}

Answer stored_answer(const Reader& r, const json& v, bool numeric) {
  Answer a;
  if (!numeric) {
    a.labels = r.string(v, "answer");
    return a;
  }
  a.values = r.matrix(v.is_array() ? v : json::array({v}), "answer", Allow::blocked);
  return a;
}

bool close(const Answer& a, const Answer& b) {
  if (a.labels != b.labels) return false;
  if (a.values.rows() != b.values.rows() || a.values.cols() != b.values.cols()) return false;
  for (std::size_t n = 0; n < a.values.size(); ++n) {
    const double x = a.values.values()[n], y = b.values.values()[n];
    if (x == y) continue;
    if (!(std::abs(x - y) <= 1e-9 * std::max(1.0, std::abs(y)))) return false;
  }
  return true;
}

Question question_from_json(const Reader& r, const json& j) {
  Question q;
  q.number = r.size(r.at(j, "number"), "number");
  q.kind = [&] {
    try {
      return parse_question_kind(r.string(r.at(j, "kind"), "kind"));
    } catch (const Error& e) {
      r.fail(e.what());
    }
  }();
  q.variant = r.string(r.at(j, "variant"), "variant");
  if (const auto it = j.find("prompt_tex"); it != j.end()) q.prompt = r.string(*it, "prompt_tex");
  const json& g = r.at(j, "given");
  const auto opt = [&](const char* key) -> const json* {
    const auto it = g.find(key);
    return it == g.end() || it->is_null() ? nullptr : &*it;
  };
  switch (q.kind) {
    case QuestionKind::score:
      q.q = r.matrix(r.at(g, "q"), "given.q");
      q.k = r.matrix(r.at(g, "k"), "given.k");
      if (const json* b = opt("bias")) q.bias = r.number(*b, "bias");
      if (const json* m = opt("mask")) q.mask = r.number(*m, "mask");
      break;
    case QuestionKind::bias: {
      q.score = r.number(r.at(g, "score"), "score");
      const std::size_t n = r.size(r.at(g, "tokens"), "tokens");
      q.geometry = {n, n, Align::bottom_right};
      q.query = r.size(r.at(g, "query"), "query");
      q.key = r.size(r.at(g, "key"), "key");
      if (q.variant == "alibi") {
        q.heads = r.size(r.at(g, "heads"), "heads");
        q.head = r.size(r.at(g, "head"), "head");
        if (q.head < 1 || q.head > q.heads || q.heads > max_alibi_heads)
          r.fail("\"head\" must be between 1 and \"heads\"");
        q.slope = alibi_slopes(q.heads)[q.head - 1];
      } else {
        const Matrix t = r.matrix(r.at(g, "table"), "given.table");
        if (t.rows() != 1 || t.cols() % 2 == 0) r.fail("\"table\" must hold 2K+1 numbers");
        q.table.assign(t.values().begin(), t.values().end());
      }
      break;
    }
    case QuestionKind::weights:
      q.scores = r.matrix(r.at(g, "scores"), "given.scores", Allow::blocked);
      break;
    case QuestionKind::output:
      q.weights = r.matrix(r.at(g, "weights"), "given.weights");
      q.v = r.matrix(r.at(g, "v"), "given.v");
      break;
    case QuestionKind::mask: {
      q.mask_expr = r.string(r.at(g, "mask"), "mask");
      q.geometry.n_q = r.size(r.at(g, "n_q"), "n_q");
      q.geometry.n_k = r.size(r.at(g, "n_k"), "n_k");
      const std::string align = r.string(r.at(g, "align"), "align");
      if (align != "bottom-right" && align != "top-left")
        r.fail("\"align\" must be \"bottom-right\" or \"top-left\"");
      q.geometry.align = align == "top-left" ? Align::top_left : Align::bottom_right;
      break;
    }
    case QuestionKind::scaling:
      if (const json* d = opt("d_k")) q.d_k = r.size(*d, "d_k");
      break;
    case QuestionKind::order:
      break;
  }
  if (const auto it = j.find("choices"); it != j.end()) {
    if (!it->is_array()) r.fail("\"choices\" must be an array");
    for (const json& c : *it) {
      Choice choice;
      choice.label = r.string(r.at(c, "label"), "label");
      if (const auto t = c.find("text_tex"); t != c.end()) choice.text = r.string(*t, "text_tex");
      if (const auto m = c.find("matrix"); m != c.end()) choice.matrix = bool_matrix(r, *m);
      if (const auto v = c.find("value"); v != c.end()) choice.value = r.number(*v, "value");
      if (const auto id = c.find("id"); id != c.end()) choice.id = r.string(*id, "id");
      q.choices.push_back(std::move(choice));
    }
  }
  const bool numeric = q.kind == QuestionKind::score || q.kind == QuestionKind::bias ||
                       q.kind == QuestionKind::weights || q.kind == QuestionKind::output;
  const auto stored = j.find("answer");
  if (stored == j.end())
    throw data_error(fmt::format("{}: {}: no answer", r.what, r.where),
                     "the quiz was written without its key: write it with --key inline, "
                     "separate or only");
  const Answer expected = stored_answer(r, *stored, numeric);
  try {
    solve(q);
  } catch (const Error& e) {
    r.fail(e.what());
  }
  if (!close(q.answer, expected))
    r.fail(
        fmt::format("the stored answer does not match the question: the library gives {}",
                    q.answer.numeric() ? format_number(q.answer.values(0, 0)) : q.answer.labels));
  return q;
}

}  // namespace

Quiz quiz_from_json(const json& doc, std::string_view what) {
  Reader r{what, "the quiz"};
  if (!doc.is_object()) r.fail("expected a JSON object");
  if (const auto f = doc.find("format"); f == doc.end() || *f != "attn-quiz")
    r.fail("not an attn quiz (\"format\" is not \"attn-quiz\")");
  Quiz quiz;
  const auto seed = [&](const char* key) {
    const json& v = r.at(doc, key);
    if (!v.is_number_unsigned()) r.fail(fmt::format("\"{}\" must be a whole number", key));
    return v.get<std::uint64_t>();
  };
  quiz.seed = seed("seed");
  quiz.class_seed = seed("class_seed");
  if (const auto s = doc.find("student"); s != doc.end() && !s->is_null())
    quiz.student = r.string(*s, "student");
  quiz.version = r.string(r.at(doc, "version"), "version");
  const json& questions = r.at(doc, "questions");
  if (!questions.is_array()) r.fail("\"questions\" must be an array");
  for (std::size_t n = 0; n < questions.size(); ++n) {
    Reader qr{what, fmt::format("questions[{}]", n)};
    Question q = question_from_json(qr, questions[n]);
    if (q.number != n + 1) qr.fail(fmt::format("\"number\" is {}, expected {}", q.number, n + 1));
    if (std::ranges::find(quiz.kinds, q.kind) == quiz.kinds.end()) quiz.kinds.push_back(q.kind);
    quiz.questions.push_back(std::move(q));
  }
  return quiz;
}

}  // namespace attn
