// What the convention translator answers: a piece of library code, the matrix that code gives by
// the library's own rule, and whether that is attn's mask.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "attn/mask/bool_matrix.hpp"
#include "attn/mask/library.hpp"

namespace attn {

// A piece of library code and the mask it produces, by that library's rule (true = may attend,
// whatever the library's own polarity).
struct Spelling {
  std::string code;
  BoolMatrix matrix;
};

struct Translation {
  Library library = Library::torch_sdpa;
  // The code to use. For a mask the library cannot express with its own flags or classes, an
  // explicit tensor in the library's polarity (or, for flash-attn, which takes no tensor, a
  // pointer elsewhere).
  Spelling spelling;
  bool exact = false;   // spelling.matrix equals attn's mask
  bool native = false;  // expressed with the library's own flags or classes
  std::vector<std::string> notes;
  // The spelling the same words suggest in this library when it gives a different matrix
  // (SDPA's is_causal=True for a bottom-right causal mask, window_size=(W, 0) for window:W, …).
  std::optional<Spelling> naive;
};

}  // namespace attn
