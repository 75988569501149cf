// The step-by-step worked solution: a Trace rendered as text for people.
#pragma once

#include <string>
#include <vector>

#include "attn/core/attention.hpp"
#include "attn/render/format.hpp"
#include "attn/io/input.hpp"

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

// The whole worked solution for one head's trace run up to `stage`, ending with the result.
std::string render_steps(const LoadedInput& in, const Problem& problem, const Trace& t, Stage stage,
                         const TextOptions& options = {});

// Every head's worked solution under a heading, then the concatenated output; a single head is
// rendered as render_steps does.
std::string render_run(const LoadedInput& in, const Run& run, Stage stage,
                       const TextOptions& options = {});

// What the user should know about a result: a negative scale, each fully blocked row and what
// it was given. One line each; empty when all is ordinary.
std::vector<std::string> warnings(const Run& run, EmptyRows policy);

}  // namespace attn
