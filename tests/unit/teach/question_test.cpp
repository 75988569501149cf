#include "attn/teach/question.hpp"

#include <doctest/doctest.h>

#include "attn/core/error.hpp"

using attn::KindSpec;
using attn::QuestionKind;

TEST_CASE("parse_kind_specs: kinds and variants") {
  CHECK(attn::parse_kind_specs("score,weights") ==
        std::vector<KindSpec>{{QuestionKind::score, std::nullopt},
                              {QuestionKind::weights, std::nullopt}});
  CHECK(attn::parse_kind_specs("mask:causal, scaling:why") ==
        std::vector<KindSpec>{{QuestionKind::mask, "causal"}, {QuestionKind::scaling, "why"}});
  CHECK(attn::parse_kind_specs("mask,mask:apply").size() == 2);
  CHECK_THROWS_WITH_AS(attn::parse_kind_specs("score,wieghts"), "--kinds: unknown kind 'wieghts'",
                       attn::Error);
  CHECK_THROWS_WITH_AS(attn::parse_kind_specs("mask,mask"), "--kinds: 'mask' is listed twice",
                       attn::Error);
  CHECK_THROWS_WITH_AS(attn::parse_kind_specs("mask:casual"),
                       "--kinds: mask has no variant 'casual'", attn::Error);
  CHECK_THROWS_WITH_AS(attn::parse_kind_specs("score,,mask"), "--kinds: empty kind in the list",
                       attn::Error);
  try {
    attn::parse_kind_specs("mask:casual");
  } catch (const attn::Error& e) {
    CHECK(e.hint() == "did you mean 'mask:causal'? (attn quiz --list-kinds lists them)");
    CHECK(e.code() == attn::Exit::usage);
  }
  CHECK(attn::kind_specs_text(attn::parse_kind_specs("score,mask:causal")) == "score,mask:causal");
}

TEST_CASE("the catalogue: every kind has variants, a summary and a form") {
  CHECK(attn::all_question_kinds().size() == 10);
  // The defaults are the seven kinds sheets had before gradient and rope, so that a seed's sheet
  // stays what it was; analyse is marked by hand.
  const auto defaults = attn::default_question_kinds();
  CHECK(std::vector<QuestionKind>(defaults.begin(), defaults.end()) ==
        std::vector<QuestionKind>{QuestionKind::score, QuestionKind::bias, QuestionKind::mask,
                                  QuestionKind::weights, QuestionKind::output, QuestionKind::order,
                                  QuestionKind::scaling});
  CHECK(attn::all_question_kinds().back() == QuestionKind::analyse);
  for (QuestionKind k : attn::all_question_kinds()) {
    CAPTURE(attn::to_string(k));
    CHECK(attn::parse_question_kind(attn::to_string(k)) == k);
    REQUIRE_FALSE(attn::question_variants(k).empty());
    CHECK_FALSE(attn::kind_summary(k).empty());
    for (auto v : attn::question_variants(k)) CHECK_FALSE(attn::variant_summary(k, v).empty());
  }
  CHECK(attn::answer_form(QuestionKind::score, "plain") == attn::AnswerForm::numeric);
  CHECK(attn::answer_form(QuestionKind::order, "plain") == attn::AnswerForm::letters);
  CHECK(attn::answer_form(QuestionKind::analyse, "instability") == attn::AnswerForm::free);
  CHECK(attn::answer_form(QuestionKind::gradient, "query") == attn::AnswerForm::numeric);
  // rope: a number to compute, and two multiple-choice variants
  CHECK(attn::answer_form(QuestionKind::rope, "rotate") == attn::AnswerForm::numeric);
  CHECK(attn::answer_form(QuestionKind::rope, "shift") == attn::AnswerForm::letters);
  CHECK(attn::answer_form(QuestionKind::rope, "pairing") == attn::AnswerForm::letters);
  const std::string list = attn::list_kinds_text();
  CHECK(list.find("  mask:apply") != std::string::npos);
  CHECK(list.find("  scaling:why") != std::string::npos);
  CHECK(list.find("  analyse:instability") != std::string::npos);
}

TEST_CASE("steps and mistakes have texts") {
  CHECK(attn::order_step_ids().size() == 5);
  for (auto id : attn::order_step_ids()) {
    CHECK_FALSE(attn::order_step_text(id).empty());
    CHECK_FALSE(attn::order_step_reason(id).empty());
  }
  CHECK(attn::mistake_text("correct").empty());
  CHECK(attn::mistake_text("transposed").starts_with("transposed: row $i$ is the query"));
  CHECK(attn::mistake_text("inverted_scores").starts_with("inverted: the score must stay"));
}
