#include "attn/teach/generate.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "attn/core/attention.hpp"
#include "attn/core/bias.hpp"
#include "attn/core/error.hpp"
#include "attn/core/rules.hpp"
#include "attn/mask/expr.hpp"
#include "attn/render/format.hpp"
#include "attn/teach/draw.hpp"
#include "attn/teach/generate_gradient.hpp"
#include "attn/teach/generate_rope.hpp"
#include "attn/teach/solve.hpp"

namespace attn {
namespace {

// ---- Numbers ------------------------------------------------------------------------------------

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

std::size_t variant_index(QuestionKind kind, const std::string& variant) {
  const auto names = question_variants(kind);
  return static_cast<std::size_t>(std::ranges::find(names, variant) - names.begin());
}

// ---- Numeric kinds ------------------------------------------------------------------------------

Question make_score(SeededRng& rng, const std::optional<std::string>& forced) {
  Question q;
  q.kind = QuestionKind::score;
  // d_k is 4, 9 or 16, so that √d_k is whole and never 1 (where the scale step would do
  // nothing). The draw is from {1, 4, 9, 16} with 1 drawn again, so that sheets which never had
  // d_k = 1 are the same as before it was left out.
  static constexpr std::size_t kDims[] = {1, 4, 9, 16};
  std::size_t d = 1;
  while (d == 1) d = kDims[rng.index(4)];
  // Redraw until q·k ≠ 0, so that forgetting to scale gives a different number.
  for (int attempt = 0; attempt < 100; ++attempt) {
    q.q = draw_half_row(rng, d);
    q.k = draw_half_row(rng, d);
    if (dot_products(*q.q, *q.k)(0, 0) != 0.0) break;
  }
  // plain twice as often as bias or mask
  q.variant = draw_variant(q.kind, forced, [&] {
    const std::size_t v = rng.index(4);
    return v == 2 ? std::size_t{1} : v == 3 ? std::size_t{2} : std::size_t{0};
  });
  if (q.variant == "bias") {
    q.bias = draw_nonzero_half(rng);
    q.prompt = fmt::format(
        "Compute the score $\\beta = q \\cdot k / \\sqrt{{d_k}} + b$ for the vectors below, "
        "with $d_k = {}$ and the bias $b = {}$. Give $\\beta$ to 3 decimals.",
        d, num(*q.bias));
  } else if (q.variant == "mask") {
    q.mask = rng.uniform_int(0, 1) ? 0.0 : neg_inf;
    q.prompt = fmt::format(
        "Compute the score $\\beta = q \\cdot k / \\sqrt{{d_k}} + M$ for the vectors below, with "
        "$d_k = {}$ and the mask entry {}. Give $\\beta$ to 3 decimals, or $-\\infty$.",
        d, *q.mask == 0.0 ? "$M = 0$ (the key is visible)" : "$M = -\\infty$ (the key is blocked)");
  } else {
    q.prompt = fmt::format(
        "Compute the score $\\beta = q \\cdot k / \\sqrt{{d_k}}$ for the vectors below, with "
        "$d_k = {}$. Give $\\beta$ to 3 decimals.",
        d);
  }
  return q;
}

Question make_bias(SeededRng& rng, const std::optional<std::string>& forced) {
  Question q;
  q.kind = QuestionKind::bias;
  q.geometry = {6, 6, Align::bottom_right};
  q.score = draw_half(rng);
  q.variant = draw_variant(q.kind, forced, [&] { return rng.uniform_int(0, 1) == 0 ? 0u : 1u; });
  if (q.variant == "alibi") {
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
    q.table.resize(5);
    for (double& b : q.table) b = draw_nonzero_half(rng);  // never 0, so the bias always counts
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

Question make_weights(SeededRng& rng, const std::optional<std::string>& forced) {
  Question q;
  q.kind = QuestionKind::weights;
  q.variant = draw_variant(q.kind, forced, [&] { return rng.index(3); });
  Matrix s;
  for (int attempt = 0; attempt < 100; ++attempt) {
    if (q.variant == "rows") {
      s = Matrix(2, 3);
      for (double& x : s.values()) x = draw_half(rng);
    } else if (q.variant == "masked") {
      s = draw_half_row(rng, 4);
      s(0, rng.index(4)) = neg_inf;
    } else {
      s = draw_half_row(rng, 3 + rng.index(2));
    }
    bool ok = true;
    for (std::size_t i = 0; i < s.rows(); ++i) ok = ok && !constant_row(s, i);
    if (ok) break;
  }
  q.scores = s;
  q.prompt =
      q.variant == "rows"
          ? "Compute the attention weights $\\alpha = \\mathrm{softmax}(\\beta)$ for the scores "
            "below: softmax runs over each row (the keys of one query). Give each weight to 3 "
            "decimals."
      : q.variant == "masked"
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
  const std::vector<std::int64_t> tenths = draw_tenths(rng, n_k);
  Matrix w(1, n_k);
  for (std::size_t j = 0; j < n_k; ++j) w(0, j) = static_cast<double>(tenths[j]) / 10.0;
  const Matrix v = draw_whole(rng, n_k, d_v, -3, 3);
  q.weights = w;
  q.v = v;
  q.prompt =
      "The attention weights of one query are $\\alpha$ and the value vectors $v_j$ are the rows "
      "of $V$. Compute the output $o = \\sum_j \\alpha_j v_j$, each entry to 3 decimals.";
  return q;
}

// ---- Masks --------------------------------------------------------------------------------------

BoolMatrix transposed(const BoolMatrix& m) {
  BoolMatrix t(m.cols(), m.rows());
  for (std::size_t i = 0; i < m.rows(); ++i)
    for (std::size_t j = 0; j < m.cols(); ++j) t(j, i) = m(i, j) ? 1 : 0;
  return t;
}

BoolMatrix eval(std::string_view expr, const Geometry& g) {
  return MaskExpr::parse(expr).evaluate(g);
}

Question make_mask(SeededRng& rng, const std::optional<std::string>& forced) {
  Question q;
  q.kind = QuestionKind::mask;
  q.variant = draw_variant(q.kind, forced, [&] { return rng.index(6); });
  struct Candidate {
    std::string id;
    BoolMatrix matrix;
  };
  std::vector<Candidate> wrong;
  const std::string tail = " Row $i$ is the query and column $j$ the key; 1 = may attend.";
  if (q.variant == "causal" || q.variant == "apply") {
    const std::size_t n = 3 + rng.index(3);
    q.geometry = {n, n, Align::bottom_right};
    q.mask_expr = "causal";
    const bool applied = q.variant == "apply";
    wrong = {{"transposed", eval("!causal | local:0", q.geometry)},
             {"diagonal", eval("causal & !local:0", q.geometry)},
             {applied ? "inverted_scores" : "inverted", eval("!causal", q.geometry)},
             {"no_mask", eval("full", q.geometry)}};
    q.prompt =
        applied
            ? fmt::format(
                  "The scores of {} tokens go through the causal mask before softmax. Which "
                  "matrix correctly applies the causal mask? Row $i$ is the query and column $j$ "
                  "the key; Score is a score left as it is, $-\\infty$ a masked one.",
                  n)
            : fmt::format("Which matrix is the causal mask for {} tokens?{}", n, tail);
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
  // A distractor that is the right mask would be a second right option: a defect of the table
  // above, never an option quietly left out.
  for (const auto& c : wrong)
    if (c.matrix == right)
      throw Error(Exit::internal,
                  fmt::format("mask:{}: the distractor '{}' is the right mask", q.variant, c.id));
  rng.shuffle(wrong);
  // Two mistakes can give one matrix: with L = n − 1 real tokens, leaving the one padding key
  // visible (padding_plus_one) is no mask at all (no_mask). Both notes are true of it; the option
  // is offered once, under the name drawn first.
  std::vector<Candidate> offered{{"correct", right}};
  for (auto& c : wrong) {
    if (offered.size() == 4) break;
    const bool seen =
        std::ranges::any_of(offered, [&](const Candidate& o) { return o.matrix == c.matrix; });
    if (!seen) offered.push_back(std::move(c));
  }
  rng.shuffle(offered);
  for (std::size_t n = 0; n < offered.size(); ++n)
    q.choices.push_back({option_label(n), "", std::move(offered[n].matrix), std::nullopt,
                         std::move(offered[n].id)});
  return q;
}

// ---- Concepts -----------------------------------------------------------------------------------

Question make_order(SeededRng& rng) {
  Question q;
  q.kind = QuestionKind::order;
  q.variant = "plain";
  const auto steps = order_step_ids();
  std::vector<std::string_view> ids(steps.begin(), steps.end());
  const std::vector<std::string_view> canonical = ids;
  for (int attempt = 0; attempt < 100 && ids == canonical; ++attempt) rng.shuffle(ids);
  for (std::size_t n = 0; n < ids.size(); ++n)
    q.choices.push_back({option_label(n), std::string(order_step_text(ids[n])), std::nullopt,
                         std::nullopt, std::string(ids[n])});
  q.prompt =
      "Put these steps of scaled dot-product attention in the order they are computed. Answer "
      "with the letters, first step first (for example EDCBA).";
  return q;
}

Question make_scaling(SeededRng& rng, const std::optional<std::string>& forced) {
  Question q;
  q.kind = QuestionKind::scaling;
  struct Option {
    std::string id;
    std::string text;
    std::optional<double> value;
  };
  std::vector<Option> options;
  q.variant = draw_variant(q.kind, forced, [&] { return rng.index(3); });
  if (q.variant == "why") {
    q.prompt =
        "Training a transformer with a large head width $d_k$ becomes unstable when the scores "
        "$q \\cdot k$ are not divided by $\\sqrt{d_k}$. Why?";
    // The options are of similar length, the right one in the middle of them (two distractors
    // shorter, three longer), so that its length does not give it away.
    options = {
        {"correct",
         "$q \\cdot k$ has variance $d_k$, so large scores saturate the softmax into nearly "
         "one-hot weights, whose gradient is almost 0: learning stalls.",
         {}},
        {"overflow",
         "The dot products overflow double precision once $d_k$ is large, and the softmax then "
         "turns them into infinities.",
         {}},
        {"normalise",
         "Without the factor the weights of a row would not sum to 1, so the outputs would grow "
         "with every layer.",
         {}},
        {"length",
         "The factor makes attention independent of the number of keys $n$; without it, long "
         "sequences get larger scores and unstable updates in training.",
         {}},
        {"variance_not_std",
         "The right factor is really $1/d_k$, the variance of $q \\cdot k$; $1/\\sqrt{d_k}$ is "
         "only a cheaper approximation of it, which still lets the scores grow.",
         {}},
        {"gradient_explodes",
         "Large scores make the gradient of the softmax explode, since its derivatives grow with "
         "the scores; the factor shrinks that gradient to a safe size.",
         {}},
    };
    std::vector<Option> distractors(options.begin() + 1, options.end());
    rng.shuffle(distractors);
    distractors.resize(3);
    options.resize(1);
    options.insert(options.end(), distractors.begin(), distractors.end());
  } else {
    // With d_k = 256 the right "1" of the scaled variant would be the one shortest option; from
    // 4, 16 and 64 it always has a distractor as short as it ("2", "4" or "8").
    static constexpr std::size_t kDims[] = {4, 16, 64};
    q.d_k = kDims[rng.index(3)];
    const double d = static_cast<double>(q.d_k);
    const double root = std::sqrt(d);  // a whole number: 2, 4 or 8
    const std::string given = fmt::format(
        "The entries of $q$ and $k$ are independent, with mean 0 and variance 1, and "
        "$d_k = {}$.",
        q.d_k);
    if (q.variant == "variance") {
      q.prompt = given + " What is the variance of the dot product $q \\cdot k$?";
      options = {{"correct", fmt::format("${}$", q.d_k), d},
                 {"sqrt", fmt::format("${}$", root), root},
                 {"one", "$1$", 1.0},
                 {"square", fmt::format("${}$", q.d_k * q.d_k), d * d}};
    } else {
      q.prompt = given + " What is the variance of the scaled score $q \\cdot k / \\sqrt{d_k}$?";
      options = {{"correct", "$1$", 1.0},
                 {"unscaled", fmt::format("${}$", q.d_k), d},
                 {"sqrt_scaled", fmt::format("${}$", root), root},
                 {"twice", fmt::format("$1/{}$", q.d_k), 1.0 / d}};
    }
  }
  rng.shuffle(options);
  for (std::size_t n = 0; n < options.size(); ++n)
    q.choices.push_back({option_label(n), std::move(options[n].text), std::nullopt,
                         options[n].value, std::move(options[n].id)});
  return q;
}

Question make_analyse(SeededRng& rng) {
  Question q;
  q.kind = QuestionKind::analyse;
  q.variant = "instability";
  static constexpr std::size_t kDims[] = {64, 256, 1024};
  constexpr std::size_t keys = 16, trials = 200;
  const std::size_t d = kDims[rng.index(3)];
  const std::uint64_t seed = rng.next() >> 11;
  q.figures = measure_scaling(d, keys, trials, seed);
  const ScalingFigures& f = *q.figures;
  const NumberStyle two{2};
  const auto n = [&](double x) { return format_number(x, two); };
  q.prompt = fmt::format(
      "A team trains a transformer whose heads have $d_k = {}$, and by mistake leaves out the "
      "factor $1/\\sqrt{{d_k}}$: the loss stalls for long stretches, then jumps. For random "
      "unit-variance $q$ and $k$ ({} keys per query, {} trials), attn explain scaling measured: "
      "$\\mathrm{{Var}}(q \\cdot k) = {}$ without the factor and ${}$ with it; the largest "
      "softmax weight averages ${}$ without and ${}$ with it; the entropy of the weights is ${}$ "
      "and ${}$ nats (uniform weights: $\\ln {} = {}$); the mean norm of the softmax Jacobian "
      "$\\lVert J \\rVert$ is ${}$ and ${}$. Analyse the instability: what goes wrong, what these "
      "numbers show, and what the factor fixes. (Free response, marked by hand.)",
      d, keys, trials, n(f.var_dot), n(f.var_scaled), n(f.max_weight_unscaled),
      n(f.max_weight_scaled), n(f.entropy_unscaled), n(f.entropy_scaled), keys,
      n(f.entropy_uniform), n(f.jacobian_unscaled), n(f.jacobian_scaled));
  return q;
}

}  // namespace

Question make_question(QuestionKind kind, const std::optional<std::string>& variant,
                       SeededRng& rng) {
  if (variant && variant_index(kind, *variant) == question_variants(kind).size())
    throw usage_error(fmt::format("{} has no variant '{}'", to_string(kind), *variant));
  switch (kind) {
    case QuestionKind::score:
      return make_score(rng, variant);
    case QuestionKind::weights:
      return make_weights(rng, variant);
    case QuestionKind::output:
      return make_output(rng);
    case QuestionKind::mask:
      return make_mask(rng, variant);
    case QuestionKind::order:
      return make_order(rng);
    case QuestionKind::scaling:
      return make_scaling(rng, variant);
    case QuestionKind::bias:
      return make_bias(rng, variant);
    case QuestionKind::analyse:
      return make_analyse(rng);
    case QuestionKind::gradient:
      return make_gradient(rng, variant);
    case QuestionKind::rope:
      return make_rope(rng, variant);
  }
  throw Error(Exit::internal, "unknown question kind");
}

}  // namespace attn
