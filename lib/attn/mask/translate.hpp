// The convention translator: how to get attn's mask in another library, and whether that library's
// own rule really gives the same matrix.
//
// Each library's matrix is computed from that library's documented rule (SDPA's is_causal keeps
// j ≤ i; flash-attn keeps keys in [i + S − L − l, i + S − L + r]; Hugging Face's sliding window
// keeps q − W < j ≤ q; …), never by calling MaskExpr, so comparing it with MaskExpr::evaluate is a
// real check. Explicit tensor forms are built from a small formula written in the library's
// language (PyTorch operators with Python's floor division and modulo) and evaluated by their
// own rules too (formula.hpp). Each library's spelling is in spell_LIBRARY.cpp, built from the
// pieces in spelling.hpp. Sources: docs/conventions.md.
#pragma once

#include "attn/core/geometry.hpp"
#include "attn/mask/expr.hpp"
#include "attn/mask/library.hpp"
#include "attn/mask/translation.hpp"

namespace attn {

// How to get `expr` on geometry `g` in `lib`. Throws data_error when the expression does not fit
// the shape (see MaskExpr::check_fits).
Translation translate(const MaskExpr& expr, const Geometry& g, Library lib);

}  // namespace attn
