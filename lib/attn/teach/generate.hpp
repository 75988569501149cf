// Drawing one exercise of a kind from a seeded generator: its inputs, prompt and options, not yet
// solved (teach/solve does that). Questions draw only integers (numbers are halves, tenths or small
// whole numbers), so a sheet never depends on the platform's libm, except analyse, which quotes
// the scaling experiment's measurements to 2 decimals.
#pragma once

#include <optional>
#include <string>

#include "attn/teach/question.hpp"
#include "attn/teach/rng.hpp"

namespace attn {

// One question of `kind`. `variant` forces one of question_variants(kind); without it the variant
// is drawn (score is plain half of the time, the other kinds' variants equally often).
Question make_question(QuestionKind kind, const std::optional<std::string>& variant,
                       SeededRng& rng);

}  // namespace attn
