// The convention translator: how to get attn's mask in another library, and whether that library's
// own rule really gives the same matrix.
//
// Each library's matrix is computed from that library's documented rule (SDPA's is_causal keeps
// j ≤ i; flash-attn keeps keys in [i + S − L − l, i + S − L + r]; Hugging Face's sliding window
// keeps q − W < j ≤ q; …), never by calling MaskExpr, so comparing it with MaskExpr::evaluate is a
// real check. Explicit tensor forms are built from a small formula written in the library's
// language (PyTorch operators with Python's floor division and modulo) and evaluated by their
// own rules too. Sources: docs/conventions.md.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "attn/core/geometry.hpp"
#include "attn/mask/expr.hpp"

namespace attn {

enum class Library { torch_sdpa, torch_mha, flash_attn, hf, xformers, flex, d2l };

// Every library, in the order `--as all` lists them.
std::span<const Library> all_libraries();
// The CLI name: torch-sdpa, torch-mha, flash-attn, hf, xformers, flex, d2l.
std::string_view library_name(Library lib);
// The heading: "PyTorch SDPA (F.scaled_dot_product_attention)", …
std::string_view library_title(Library lib);
// Names and aliases accepted by parse_libraries, for completion and "did you mean".
std::span<const std::string_view> library_names();

// `torch-sdpa`, an alias (sdpa, mha, transformers, flexattention), or `all`; case-sensitive.
// Throws usage_error naming the unknown word and the nearest name.
std::vector<Library> parse_libraries(std::string_view text);

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

// How to get `expr` on geometry `g` in `lib`. Throws data_error when the expression does not fit
// the shape (see MaskExpr::check_fits).
Translation translate(const MaskExpr& expr, const Geometry& g, Library lib);

}  // namespace attn
