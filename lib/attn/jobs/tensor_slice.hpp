// One head of one batch of a tensor job as the step path's Request, so the worked views (pictures,
// --explain I,J, Markdown, LaTeX, CSV) can show it, and --scores-out/--weights-out can keep β and
// α: the slice's q, k and v (of its kv head) as matrices, its ALiBi slope, the softcap, the scale,
// one additive mask combining the expression, kv_lens and the mask tensor, and the rotary
// embedding (which the step path applies and the views show) unless q and k are rotated already.
#pragma once

#include <cstddef>

#include "attn/core/heads.hpp"
#include "attn/jobs/tensor_operands.hpp"

namespace attn {

// The Request for head h of batch b (both 0-based).
Request slice_request(const Operands& ops, std::size_t b, std::size_t h, EmptyRows empty_rows);

}  // namespace attn
