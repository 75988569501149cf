// `attn attend` on real tensors: .npy/.npz inputs and outputs, float32 or float64, and a streaming
// path that never holds the n_q × n_k matrices unless they are asked for.
#pragma once

#include <optional>
#include <string>

#include "attn/attention.hpp"
#include "attn/geometry.hpp"

namespace attn {

enum class DTypeChoice { f32, f64 };

struct TensorJob {
  std::string q, k, v;                     // .npy paths, or "FILE.npz" (members q, k, v)
  std::optional<std::string> output;       // --output o.npy
  std::optional<std::string> scores_out;   // --scores-out β.npy (forces the n×n path)
  std::optional<std::string> weights_out;  // --weights-out α.npy (forces the n×n path)
  std::optional<std::string> mask;         // a mask expression
  Align align = Align::bottom_right;
  std::optional<double> scale;             // 1/√d_k when absent
  EmptyRows empty_rows = EmptyRows::zero;
  DTypeChoice dtype = DTypeChoice::f64;
  bool timing = false;                     // print read/compute/write times on stderr
};

// What was computed, for the command's summary on stdout.
struct TensorSummary {
  std::size_t n_q = 0, n_k = 0, d_k = 0, d_v = 0;
  bool streamed = false;       // the tiled online-softmax path ran
  std::string text;            // shapes, a row-sum check and a corner of the output
};

// True when any of q, k, v names a .npy or .npz file.
bool is_tensor_path(const std::string& text);

TensorSummary run_tensor_attend(const TensorJob& job);

}  // namespace attn
