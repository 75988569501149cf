// `attn attend` on real tensors: .npy/.npz inputs and outputs, float32 or float64, and a streaming
// path that never holds the n_q × n_k matrices unless they are asked for.
//
// Inputs: each of q, k, v names a .npy file, FILE.npz (the member named after the operand: q.npy,
// k.npy or v.npy) or FILE.npz:NAME (the member NAME.npy). With q an .npz and k and v empty, all
// three come from that archive: `attn attend --q qkv.npz`.
//
// Without --scores-out or --weights-out the output is computed by attend_streaming (tiles, an
// online softmax, memory O(n·d)) in the chosen dtype. With either, the step path runs in double
// and keeps β and α, which are written in the chosen dtype.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "attn/core/attention.hpp"
#include "attn/core/geometry.hpp"

namespace attn {

enum class DTypeChoice { f32, f64 };

struct TensorJob {
  std::string q, k, v;                     // .npy paths, FILE.npz or FILE.npz:NAME
  std::optional<std::string> output;       // --output o.npy
  std::optional<std::string> scores_out;   // --scores-out β.npy (forces the n×n path)
  std::optional<std::string> weights_out;  // --weights-out α.npy (forces the n×n path)
  std::optional<std::string> mask;         // a mask expression
  Align align = Align::bottom_right;
  std::optional<double> scale;  // 1/√d_k when absent
  EmptyRows empty_rows = EmptyRows::zero;
  DTypeChoice dtype = DTypeChoice::f64;  // the precision computed in and written
  bool timing = false;                   // fill TensorSummary::timing
  unsigned threads = 0;                  // 0: one per core
};

// What was computed, for the command's summary on stdout.
struct TensorSummary {
  std::size_t n_q = 0, n_k = 0, d_k = 0, d_v = 0;
  bool streamed = false;  // the tiled online-softmax path ran
  std::string text;       // shapes, a row-sum check and a corner of the output (stdout)
  // Seconds spent in each phase, and with job.timing one line (no newline) for stderr:
  // "timing: read 0.012 s, compute 0.034 s (avx512, 2 threads), write 0.003 s, total 0.049 s".
  double read_seconds = 0, compute_seconds = 0, write_seconds = 0;
  std::string timing;
};

// True when text names a .npy or .npz file (FILE.npy, FILE.npz, FILE.npz:NAME).
bool is_tensor_path(const std::string& text);

// Reads, checks (shapes; NaN and ±∞ named by file, row and column), computes, writes the
// requested files (each atomically) and summarises. Throws attn::Error.
TensorSummary run_tensor_attend(const TensorJob& job);

}  // namespace attn
