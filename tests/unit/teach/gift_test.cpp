#include "attn/teach/gift.hpp"

#include <doctest/doctest.h>

#include "attn/teach/moodle.hpp"

TEST_CASE("gift_escape: GIFT's special characters get a backslash") {
  CHECK(attn::gift_escape("a = b: {c} ~d #e \\f") == "a \\= b\\: \\{c\\} \\~d \\#e \\\\f");
  CHECK(attn::gift_escape("two\nlines") == "two lines");
}

TEST_CASE("GIFT: a category per sheet, one question per answer field") {
  attn::QuizOptions o;
  o.seed = 7;
  o.count = 3;
  o.student = "Ada";
  o.kinds = attn::parse_kind_specs("score:plain,weights:row,mask");
  const attn::Quiz quiz = attn::generate_quiz(o);
  const std::string gift = attn::render_gift(std::span(&quiz, 1));
  CHECK(gift.starts_with("$CATEGORY: $course$/top/attn/Ada (seed "));
  // The score: the right value with the tolerance, then the classic slips at 0%.
  const double beta = quiz.questions[0].answer.values(0, 0);
  CHECK(gift.find("{#=" + attn::lms_number(beta) + ":0.01#Right. =%0%") != std::string::npos);
  // One numerical question per weight.
  std::size_t weights = 0;
  for (auto at = gift.find("::Q2 weights (Ada) α_"); at != std::string::npos;
       at = gift.find("::Q2 weights (Ada) α_", at + 1))
    ++weights;
  CHECK(weights == quiz.questions[1].answer.values.cols());
  // Questions are separated by blank lines and never hold one.
  CHECK(gift.find("\n\n\n") == std::string::npos);
}
