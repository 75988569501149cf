// Multi-head and grouped-query attention over the step path: q has H·d_k columns, k has G·d_k and
// v G·d_v; query head h reads key/value head ⌊h·G/H⌋. Each head is its own Problem and its own
// Trace, with its own bias (ALiBi's slope depends on the head); the heads' outputs are put side by
// side.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "attn/core/attention.hpp"
#include "attn/core/bias.hpp"
#include "attn/core/matrix.hpp"
#include "attn/core/trace.hpp"

namespace attn {

struct HeadLayout {
  std::size_t heads = 1;     // H, query heads
  std::size_t kv_heads = 1;  // G, key/value heads; G = 1 is multi-query attention
};

// The key/value head that query head h reads: ⌊h·G/H⌋.
std::size_t kv_head_of(std::size_t h, const HeadLayout& layout);

// Head h's problem: columns [h·d_k, (h+1)·d_k) of q and the matching slices of k and v.
// Throws a usage error unless G divides H, a data error when the columns do not divide into the
// heads.
Problem head_problem(const Problem& whole, const HeadLayout& layout, std::size_t h);

// Matrices with the same number of rows, side by side: the heads' outputs (n_q, d_v) each ->
// (n_q, H·d_v).
Matrix concat_columns(const std::vector<Matrix>& parts);

// What the user asked to compute: the whole problem, how it splits into heads, and a named bias
// that each head resolves for itself.
struct Request {
  Problem problem;                       // its bias, if any, is a given matrix shared by all heads
  HeadLayout layout;                     // H and G
  std::optional<std::size_t> only_head;  // 0-based: run just this head
  std::optional<BiasSpec> bias_spec;     // alibi, t5, relative: resolved per head
  std::vector<double> t5_table;          // one value per T5 bucket
};

// The bias of head h (of `heads`): a named bias resolved for this geometry and head (ALiBi: the
// head's slope unless the spec gives one; symmetric for alibi:symmetric), or the request's given
// matrix, or none.
std::optional<Matrix> head_bias(const Request& request, const Geometry& g, std::size_t h);

// One head's computation.
struct HeadRun {
  std::size_t head = 0;     // query head h, 0-based
  std::size_t kv_head = 0;  // ⌊h·G/H⌋
  Trace trace;
};

struct Run {
  HeadLayout layout;
  std::vector<HeadRun> heads;    // one entry for single-head attention
  std::optional<Matrix> output;  // the heads' outputs side by side (Stage::output)
};

// Runs every head (or only_head) up to `stage`; with given scores, the one softmax.
Run run_heads(const Request& request, Stage stage);

}  // namespace attn
