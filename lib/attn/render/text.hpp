// The step-by-step worked solution: a Trace rendered as text for people.
#pragma once

#include <string>
#include <vector>

#include "attn/core/heads.hpp"
#include "attn/core/trace.hpp"
#include "attn/render/format.hpp"

namespace attn {

struct TextOptions {
  NumberStyle number;
  // Cells are worked out one by one (each product, each exp) while the matrices are at most this
  // many cells and d_k, d_v at most `detail_width`; beyond that only the matrices are shown.
  std::size_t detail_cells = 16;
  std::size_t detail_width = 8;
  bool color = false;     // headings and the result in colour (SGR escapes)
  std::size_t width = 0;  // the terminal's columns: wider matrices elide their middle; 0: no limit
};

// The whole worked solution for one head's trace, step by step, ending with the result.
std::string render_steps(const Trace& t, const TextOptions& options = {});

// Every head's worked solution under a heading, then the concatenated output; a single head is
// rendered as render_steps does.
std::string render_run(const Run& run, const TextOptions& options = {});

// What the user should know about a result: a negative scale, each fully blocked row and what
// it was given. One line each; empty when all is ordinary.
std::vector<std::string> warnings(const Run& run);

}  // namespace attn
