// `attn grad` on real tensors: the gradients dq, dk, dv of a whole layer for an upstream gradient
// dO, by the streaming backward (kernel/streaming_backward), with the forward tensor path's
// operands, layouts, dtypes, masks and biases (jobs/tensor_operands), written atomically.
//
// The job, step by step:
//   read and check   q, k, v as attend reads them; dO (--do, o's shape) or L = Σ o (--loss sum,
//                    dO = 1); the forward's o and log-sum-exp (--o, --lse), both or neither
//   rotate           with --rope, q and k turned by their positions once (jobs/tensor_rope); the
//                    forward and backward see them so, and dq, dk are rotated back at the end
//   forward          without --o and --lse: the streaming forward, keeping its log-sum-exp in the
//                    compute precision
//   backward         the streaming backward: α recomputed tile by tile, memory O(n·d)
//   write            dq, dk, dv (each in q's, k's and v's shape and layout, the output dtype)
//   summarise        one text and one JSON summary for stdout, a timing line for stderr
// A mask tensor (--mask FILE) is applied as the forward applies it; a float one is a constant, so
// there is no gradient for it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "attn/jobs/tensor_operands.hpp"

namespace attn {

struct TensorGradJob {
  TensorJob forward;                  // q, k, v, masks, biases, layout, dtype, timing, threads
  std::optional<std::string> d_out;   // --do FILE
  bool sum_loss = false;              // --loss sum: dO = 1
  std::optional<std::string> o, lse;  // the forward's output and log-sum-exp (B, H, S_q)
  std::optional<std::string> dq_out, dk_out, dv_out;
  int digits = 4;  // of the scale and L = Σ o in the summary
};

struct TensorGradSummary {
  std::string text;  // for stdout
  std::string json;  // the same as one JSON object, for --json
  std::vector<std::string> warnings;
  std::vector<std::string> written;
  double read_ms = 0, forward_ms = 0, backward_ms = 0, write_ms = 0, total_ms = 0;
  std::string timing;  // with --timing: one line for stderr, no newline
};

// Reads, checks, computes and writes the requested gradients (each atomically). Throws
// attn::Error; nothing is written when it does.
TensorGradSummary run_tensor_grad(const TensorGradJob& job);

}  // namespace attn
