// The convention translator for ALiBi (`attn bias alibi --as LIB`): how to add attn's ALiBi bias,
// plain m·(j − p) or symmetric −m·|p − j|, in each library, and whether that library's own rule
// gives the same matrix, or one that differs from it by a constant in each row (which softmax
// cancels, so the attention weights are the same).
//
// Each library's bias is computed from its own rule, never by calling alibi_bias:
//   flash-attn     alibi_slopes: −m·|i + S − L − j|, m in float32 (flash_attn_func's docstring)
//   attention-gym  generate_alibi_bias(H): (kv_idx − q_idx)·2^(−8(h+1)/H) (attn_gym/mods/alibi.py)
//   transformers   BLOOM's build_alibi_tensor: m_h·j, BLOOM's slopes in float32
// The other libraries take the bias as a float tensor, printed as a PyTorch formula and evaluated
// by it (float32 slopes, as torch.tensor makes them). Sources: docs/conventions.md.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "attn/core/geometry.hpp"
#include "attn/core/matrix.hpp"
#include "attn/mask/library.hpp"

namespace attn {

// The bias asked for.
struct AlibiQuery {
  Geometry g;
  // attn's slope of every head, head 1 first (alibi_slopes); one entry for alibi:SLOPE.
  std::vector<double> slopes;
  std::size_t head = 0;      // the head shown, 0-based
  bool given_slope = false;  // alibi:SLOPE: one slope, no head layout
  bool symmetric = false;    // alibi:symmetric
};

enum class BiasAgreement {
  exact,         // the same matrix (to float32 rounding, as the library computes)
  row_constant,  // differs by a constant in each row: the same softmax
  differs,
};

// "exact", "row-constant", "differs".
std::string_view agreement_name(BiasAgreement a);

// How `library` compares with `attn`, cell by cell, to float32 rounding. Both n_q × n_k.
BiasAgreement compare_bias(const Matrix& library, const Matrix& attn);

// A piece of library code and the bias it adds for the head shown, by that library's rule.
struct BiasSpelling {
  std::string code;
  Matrix bias;
};

struct BiasTranslation {
  Library library = Library::torch_sdpa;
  BiasSpelling spelling;
  BiasAgreement agreement = BiasAgreement::differs;
  bool native = false;  // the library's own ALiBi (or, for FlexAttention, a score_mod)
  std::vector<std::string> notes;
  // The library's own ALiBi, when it gives a different bias (flash-attn's symmetric form,
  // attention-gym's slopes for a head count that is not a power of two, …).
  std::optional<BiasSpelling> naive;
  BiasAgreement naive_agreement = BiasAgreement::differs;
};

// The heading for `lib`'s way of adding a bias: "flash-attn (flash_attn_func, alibi_slopes)", …
std::string_view alibi_title(Library lib);

// attn's bias for the query: alibi_bias or alibi_symmetric_bias with the head's slope.
Matrix alibi_of(const AlibiQuery& q);

// How to get the query's bias in `lib`. Throws usage_error when `head` is not one of the slopes.
BiasTranslation translate_alibi(const AlibiQuery& q, Library lib);

}  // namespace attn
