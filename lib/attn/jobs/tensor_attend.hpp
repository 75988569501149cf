// `attn attend` on real tensors: q, k, v as (S, D), (H, S, D) or (B, H, S, D) arrays (or the bshd
// layout) in .npy, .npz or safetensors files, float16 to float64, with grouped-query heads, every
// mask and bias kind on the streaming path, and outputs written atomically.
//
// The job, step by step (each a function of its own):
//   read and check   jobs/tensor_operands: files, shapes by operand and axis, finiteness, dtypes
//   rotate           with --rope, q and k turned by their positions once (jobs/tensor_rope)
//   compute          the streaming kernel (kernel/streaming: tiles, an online softmax, memory
//                    O(n·d)) for o and the log-sum-exp; with --scores-out or --weights-out the step
//                    path runs per head (jobs/tensor_slice) and keeps β and α
//   check            jobs/tensor_check: sample rows recomputed in float64; --check-against
//                    compares a given tensor with o (jobs/compare)
//   write            o, the log-sum-exp, β and α, each through io/output_file
//   summarise        one text and one JSON summary for stdout, a timing line for stderr
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "attn/core/heads.hpp"
#include "attn/jobs/compare.hpp"
#include "attn/jobs/tensor_operands.hpp"

namespace attn {

// What was computed, for the command's output.
struct TensorSummary {
  std::size_t n_q = 0, n_k = 0, d_k = 0, d_v = 0;
  std::size_t batch = 1, heads = 1, kv_heads = 1;
  bool streamed = false;              // the tiled online-softmax path ran
  std::string text;                   // the summary for stdout
  std::string json;                   // the same as one JSON object, for --json
  std::vector<std::string> warnings;  // for stderr, unless -q
  std::vector<std::string> written;   // the files written, in order
  std::optional<Comparison> checked;  // --check-against's result
  // Milliseconds in each phase, and with job.timing one line (no newline) for stderr:
  // "timing: read 12.345 ms, compute 34.567 ms (avx512, 2 threads), write 3.210 ms, total …".
  double read_ms = 0, compute_ms = 0, write_ms = 0, total_ms = 0;
  std::string timing;
};

// Where the summary's corner of o comes from, and its digits: head `head` of batch `batch`
// (0-based).
struct SummaryStyle {
  std::size_t batch = 0, head = 0;
  int digits = 4;
  bool color = false;
};

// Reads, checks, computes, checks again, writes the requested files (each atomically) and
// summarises. Throws attn::Error; nothing is written when it does.
TensorSummary run_tensor_attend(const TensorJob& job, const SummaryStyle& style = {});

// The largest slice the worked views draw or explain: S_q × S_k cells.
inline constexpr std::size_t max_slice_cells = 65536;

// One head of one batch of the job as a Request for the step path and its views. `batch` and
// `head` are 1-based as the CLI takes them; either may be absent when that axis has size 1. A
// usage error naming `view` (the flag that asked) when a slice is needed but not chosen, is out
// of range, or has more than max_slice_cells cells.
Request tensor_slice(const TensorJob& job, std::optional<std::size_t> batch,
                     std::optional<std::size_t> head, std::string_view view);

}  // namespace attn
