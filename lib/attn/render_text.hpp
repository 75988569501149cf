// The step-by-step worked solution: a Trace rendered as text for people.
#pragma once

#include <string>
#include <vector>

#include "attn/attention.hpp"
#include "attn/format.hpp"
#include "attn/input.hpp"

namespace attn {

struct TextOptions {
  NumberStyle number;
  // Cells are worked out one by one (each product, each exp) while the matrices are at most this
  // many cells and d_k, d_v at most `detail_width`; beyond that only the matrices are shown.
  std::size_t detail_cells = 16;
  std::size_t detail_width = 8;
};

// The whole worked solution for a trace run up to `stage`, ending with the result.
std::string render_steps(const LoadedInput& in, const Trace& t, Stage stage,
                         const TextOptions& options = {});

// What the user should know about a result: a negative scale, each fully blocked row and what
// it was given. One line each; empty when all is ordinary.
std::vector<std::string> warnings(const Trace& t, EmptyRows policy);

}  // namespace attn
