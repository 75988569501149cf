#include "attn/teach/generate.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <set>

#include "attn/core/error.hpp"
#include "attn/mask/expr.hpp"
#include "attn/render/format.hpp"
#include "attn/teach/solve.hpp"
#include "attn/teach/tex.hpp"
#include "models.hpp"

using attn::Question;
using attn::QuestionKind;

namespace {

Question drawn(QuestionKind kind, std::uint64_t seed, std::optional<std::string> variant = {}) {
  attn::SeededRng rng(seed);
  Question q = attn::make_question(kind, variant, rng);
  q.number = 1;
  attn::solve(q);
  return q;
}

}  // namespace

TEST_CASE("score questions: d_k is 4, 9 or 16 and q·k is never 0") {
  std::set<std::size_t> dims;
  std::set<std::string> variants;
  for (std::uint64_t seed = 1; seed <= 300; ++seed) {
    const Question q = drawn(QuestionKind::score, seed);
    const std::size_t d = q.q->cols();
    CAPTURE(seed);
    CHECK((d == 4 || d == 9 || d == 16));
    CHECK(q.trace->dot(0, 0) != 0.0);
    dims.insert(d);
    variants.insert(q.variant);
  }
  CHECK(dims.size() == 3);
  CHECK(variants == std::set<std::string>{"plain", "bias", "mask"});
}

TEST_CASE("a forced variant is the variant drawn") {
  for (QuestionKind k : attn::all_question_kinds())
    for (auto v : attn::question_variants(k)) {
      CAPTURE(attn::to_string(k));
      CAPTURE(v);
      CHECK(drawn(k, 3, std::string(v)).variant == v);
    }
  attn::SeededRng rng(1);
  CHECK_THROWS_AS(attn::make_question(QuestionKind::mask, std::string("nosuch"), rng), attn::Error);
}

TEST_CASE("mask questions: distractors are the classic mistakes, one option is right") {
  for (std::uint64_t seed = 1; seed <= 60; ++seed) {
    const Question q = drawn(QuestionKind::mask, seed);
    CAPTURE(seed);
    CAPTURE(q.variant);
    REQUIRE(q.choices.size() >= 3);
    const attn::BoolMatrix right = attn::MaskExpr::parse(q.mask_expr).evaluate(q.geometry);
    std::size_t n_right = 0;
    for (std::size_t a = 0; a < q.choices.size(); ++a) {
      n_right += *q.choices[a].matrix == right;
      CHECK(!attn::mistake_text(q.choices[a].id).empty() == (q.choices[a].id != "correct"));
      for (std::size_t b = a + 1; b < q.choices.size(); ++b)
        CHECK_FALSE(*q.choices[a].matrix == *q.choices[b].matrix);
    }
    CHECK(n_right == 1);
  }
}

namespace {

// The number after the colon of a mask expression: "window:3" → 3.
std::int64_t parameter(const std::string& expr) {
  return std::stoll(expr.substr(expr.find(':') + 1));
}

// Each option of a mask question, from the rule the id names (models::mask_of over (i, j)),
// never from attn's mask language: query i sits at position i + n_k − n_q (bottom-right).
attn::BoolMatrix model_option(const Question& q, const std::string& id) {
  const std::size_t n_q = q.geometry.n_q, n_k = q.geometry.n_k;
  const auto o = static_cast<std::int64_t>(n_k) - static_cast<std::int64_t>(n_q);
  const auto m = [&](auto rule) { return models::mask_of(n_q, n_k, rule); };
  const std::string& v = q.variant;
  if (v == "causal" || v == "apply" || v == "cache") {
    if (id == "correct") return m([&](auto i, auto j) { return j <= i + o; });
    if (id == "transposed") return m([](auto i, auto j) { return j >= i; });
    if (id == "diagonal") return m([&](auto i, auto j) { return j < i + o; });
    if (id == "inverted" || id == "inverted_scores")
      return m([&](auto i, auto j) { return j > i + o; });
    if (id == "no_mask") return m([](auto, auto) { return true; });
    if (id == "top_left") return m([](auto i, auto j) { return j <= i; });
  } else if (v == "window") {
    const std::int64_t w = parameter(q.mask_expr);
    const auto in = [&](auto i, auto j) { return i - w < j && j <= i; };
    if (id == "correct") return m(in);
    if (id == "window_plus_one") return m([&](auto i, auto j) { return i - w - 1 < j && j <= i; });
    if (id == "window_bidirectional")
      return m([&](auto i, auto j) { return (i > j ? i - j : j - i) < w; });
    if (id == "transposed") return m([&](auto i, auto j) { return in(j, i); });
    if (id == "diagonal") return m([&](auto i, auto j) { return in(i, j) && j != i; });
    if (id == "inverted") return m([&](auto i, auto j) { return !in(i, j); });
  } else if (v == "prefix") {
    const std::int64_t p = parameter(q.mask_expr);
    const auto in = [&](auto i, auto j) { return j < p || j <= i; };
    if (id == "correct") return m(in);
    if (id == "prefix_ignored") return m([](auto i, auto j) { return j <= i; });
    if (id == "prefix_plus_one") return m([&](auto i, auto j) { return j < p + 1 || j <= i; });
    if (id == "prefix_only") return m([&](auto, auto j) { return j < p; });
    if (id == "transposed_rows") return m([&](auto i, auto j) { return in(j, i); });
    if (id == "inverted") return m([&](auto i, auto j) { return !in(i, j); });
  } else if (v == "padding") {
    const std::int64_t l = parameter(q.mask_expr);
    if (id == "correct") return m([&](auto, auto j) { return j < l; });
    if (id == "padding_rows") return m([&](auto i, auto) { return i < l; });
    if (id == "padding_plus_one") return m([&](auto, auto j) { return j <= l; });
    if (id == "inverted") return m([&](auto, auto j) { return j >= l; });
    if (id == "no_mask") return m([](auto, auto) { return true; });
  }
  FAIL("no model of mask:", v, " option ", id);
  return {};
}

}  // namespace

TEST_CASE("mask questions: every option is the matrix its mistake names, by an independent model") {
  // And no distractor is the right mask: the generator throws rather than drop one (a defect of
  // its table), so every option offered is either right or its named mistake.
  std::set<std::string> seen;
  for (auto variant : attn::question_variants(QuestionKind::mask))
    for (std::uint64_t seed = 1; seed <= 80; ++seed) {
      const Question q = drawn(QuestionKind::mask, seed, std::string(variant));
      CAPTURE(variant);
      CAPTURE(seed);
      const attn::BoolMatrix right = model_option(q, "correct");
      std::size_t n_right = 0;
      for (const auto& c : q.choices) {
        CAPTURE(c.id);
        seen.insert(std::string(variant) + ":" + c.id);
        CHECK(*c.matrix == model_option(q, c.id));
        n_right += *c.matrix == right;
        if (c.id == "correct") CHECK(c.label == q.answer.labels);
      }
      CHECK(n_right == 1);
    }
  // Every distractor of every variant was offered at some seed.
  CHECK(seen == std::set<std::string>{"causal:correct",
                                      "causal:transposed",
                                      "causal:diagonal",
                                      "causal:inverted",
                                      "causal:no_mask",
                                      "apply:correct",
                                      "apply:transposed",
                                      "apply:diagonal",
                                      "apply:inverted_scores",
                                      "apply:no_mask",
                                      "cache:correct",
                                      "cache:top_left",
                                      "cache:diagonal",
                                      "cache:inverted",
                                      "window:correct",
                                      "window:window_plus_one",
                                      "window:window_bidirectional",
                                      "window:transposed",
                                      "window:diagonal",
                                      "window:inverted",
                                      "prefix:correct",
                                      "prefix:prefix_ignored",
                                      "prefix:prefix_plus_one",
                                      "prefix:prefix_only",
                                      "prefix:transposed_rows",
                                      "prefix:inverted",
                                      "padding:correct",
                                      "padding:padding_rows",
                                      "padding:padding_plus_one",
                                      "padding:inverted",
                                      "padding:no_mask"});
}

TEST_CASE("mask question: the causal distractors for 3 tokens, by hand") {
  // causal: [[1,0,0],[1,1,0],[1,1,1]]; transposed: [[1,1,1],[0,1,1],[0,0,1]];
  // diagonal blocked: [[0,0,0],[1,0,0],[1,1,0]]; inverted: [[0,1,1],[0,0,1],[0,0,0]]
  for (const char* variant : {"causal", "apply"}) {
    bool found = false;
    for (std::uint64_t seed = 1; seed <= 200 && !found; ++seed) {
      const Question q = drawn(QuestionKind::mask, seed, std::string(variant));
      if (q.geometry.n_q != 3) continue;
      found = true;
      for (const auto& c : q.choices) {
        CAPTURE(c.id);
        if (c.id == "correct")
          CHECK(*c.matrix == attn::BoolMatrix{{1, 0, 0}, {1, 1, 0}, {1, 1, 1}});
        if (c.id == "transposed")
          CHECK(*c.matrix == attn::BoolMatrix{{1, 1, 1}, {0, 1, 1}, {0, 0, 1}});
        if (c.id == "diagonal")
          CHECK(*c.matrix == attn::BoolMatrix{{0, 0, 0}, {1, 0, 0}, {1, 1, 0}});
        if (c.id == "inverted" || c.id == "inverted_scores")
          CHECK(*c.matrix == attn::BoolMatrix{{0, 1, 1}, {0, 0, 1}, {0, 0, 0}});
      }
      if (std::string_view(variant) == "apply") {
        for (const auto& c : q.choices) CHECK(c.id != "inverted");  // its own wording
        CHECK(attn::tex_applied_bmatrix(attn::BoolMatrix{{1, 0}, {1, 1}}) ==
              "\\begin{bmatrix} \\text{Score} & -\\infty \\\\ \\text{Score} & \\text{Score} "
              "\\end{bmatrix}");
      }
    }
    CHECK(found);
  }
}

TEST_CASE("scaling: each variance option is the number its mistake gives, and only one is right") {
  // Var(q·k) = d for d unit-variance products; Var(q·k/√d) = d/d = 1. The mistakes: the standard
  // deviation √d, one product's 1, d² (squaring), the unscaled d, dividing the variance by √d
  // (d/√d) and dividing by d twice (1/d).
  for (const char* variant : {"variance", "scaled"})
    for (std::uint64_t seed = 1; seed <= 60; ++seed) {
      const Question q = drawn(QuestionKind::scaling, seed, std::string(variant));
      CAPTURE(variant);
      CAPTURE(seed);
      const double d = static_cast<double>(q.d_k);
      const bool scaled = std::string_view(variant) == "scaled";
      std::size_t n_right = 0;
      for (const auto& c : q.choices) {
        CAPTURE(c.id);
        REQUIRE(c.value);
        const double model = c.id == "correct"       ? (scaled ? 1.0 : d)
                             : c.id == "sqrt"        ? std::sqrt(d)
                             : c.id == "one"         ? 1.0
                             : c.id == "square"      ? d * d
                             : c.id == "unscaled"    ? d
                             : c.id == "sqrt_scaled" ? d / std::sqrt(d)
                             : c.id == "twice"       ? 1.0 / d
                                                     : -1.0;
        CHECK(*c.value == doctest::Approx(model));
        n_right += *c.value == (scaled ? 1.0 : d);
      }
      CHECK(n_right == 1);
    }
}

TEST_CASE("scaling:why: the right option is neither the longest nor the shortest of its set") {
  // Six options written to similar lengths, the right one with two shorter and three longer
  // distractors: three distractors are drawn, so it can never be the longest, and it is the
  // shortest only when the three longer ones are drawn.
  Question q = drawn(QuestionKind::scaling, 1, std::string("why"));
  std::vector<std::size_t> lengths;
  std::size_t right = 0;
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    q = drawn(QuestionKind::scaling, seed, std::string("why"));
    std::size_t longest = 0, n_longer = 0;
    for (const auto& c : q.choices) {
      const std::size_t len = attn::display_width(attn::markup_to_text(c.text));
      if (c.id == "correct") right = len;
      longest = std::max(longest, len);
    }
    for (const auto& c : q.choices)
      n_longer += attn::display_width(attn::markup_to_text(c.text)) > right;
    CAPTURE(seed);
    CHECK(right < longest);
    CHECK(n_longer >= 1);
  }
}

TEST_CASE("analyse: the prompt quotes the experiment's numbers to 2 decimals") {
  const Question q = drawn(QuestionKind::analyse, 4);
  REQUIRE(q.figures);
  const attn::NumberStyle two{2};
  for (double x : {q.figures->var_dot, q.figures->var_scaled, q.figures->max_weight_unscaled,
                   q.figures->entropy_unscaled, q.figures->jacobian_unscaled}) {
    CAPTURE(x);
    CHECK(q.prompt.find(attn::format_number(x, two) + "$") != std::string::npos);
  }
  CHECK(q.answer.free());
  CHECK(q.prompt.find("(Free response, marked by hand.)") != std::string::npos);
}
