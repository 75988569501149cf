// The step-by-step worked solution: a Trace rendered as text for people.
#pragma once

#include <string>
#include <vector>

#include "attn/core/heads.hpp"
#include "attn/core/trace.hpp"
#include "attn/render/format.hpp"
#include "attn/render/worked_text.hpp"

namespace attn {

// The whole worked solution for one head's trace, step by step, ending with the result.
std::string render_steps(const Trace& t, const TextOptions& options = {});

// Every head's worked solution under a heading, then the concatenated output; a single head is
// rendered as render_steps does.
std::string render_run(const Run& run, const TextOptions& options = {});

// What the user should know about a result: a negative scale, each fully blocked row and what
// it was given. One line each; empty when all is ordinary.
std::vector<std::string> warnings(const Run& run);

}  // namespace attn
