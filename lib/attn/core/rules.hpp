// The rules every path shares, said once: the step path (core/attention), the streaming kernel and
// the tensor job all use these, so their answers and their messages cannot drift apart.
//   −∞                 a blocked score
//   the scale          c = 1/√d_k unless given; a given c must be finite and non-zero
//   the softcap        C must be finite and > 0
//   shapes             q (n_q, d_k), k (n_k, d_k), v (n_k, d_v), none of them empty
//   empty rows         what a row whose every key is blocked gets, and the error when refused
//   sizes              how many cells a printed or computed n_q × n_k matrix may have
//   memory             whether what a request will allocate fits, checked before it allocates
#pragma once

#include <cstddef>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "attn/core/error.hpp"

namespace attn {

// ---- −∞
// ------------------------------------------------------------------------------------------

template <class T>
inline constexpr T neg_inf_v = -std::numeric_limits<T>::infinity();
// A blocked score: exp(−∞) = 0, so the key gets no weight.
inline constexpr double neg_inf = neg_inf_v<double>;

// ---- The scale c
// -----------------------------------------------------------------------------------

// √d_k: the standard deviation of q·k for unit-variance q and k.
double root_d_k(std::size_t d_k);
// 1/√d_k: keeps Var(c·q·k) at 1 for unit-variance q and k, so softmax does not saturate.
double default_scale(std::size_t d_k);
// Throws a data error unless c is finite and non-zero (a negative c is allowed: it inverts).
void check_scale(double c);
// The given scale after check_scale, or default_scale(d_k).
double resolve_scale(const std::optional<double>& given, std::size_t d_k);

// ---- The softcap C
// ---------------------------------------------------------------------------------

// True when C is usable: finite and > 0.
bool valid_softcap(double cap);
// Throws an error with `code` naming `what` ("the softcap", "--softcap", "input.softcap") unless
// valid_softcap(cap).
void check_softcap(double cap, std::string_view what = "the softcap", Exit code = Exit::data);

// ---- Shapes
// -----------------------------------------------------------------------------------------

struct AttentionDims {
  std::size_t n_q = 0, n_k = 0, d_k = 0, d_v = 0;
};

// Data errors with one wording for every path: q and k must have the same number of columns.
void check_key_width(std::size_t q_cols, std::size_t k_cols);
// v needs one row per key.
void check_value_rows(std::size_t v_rows, std::size_t n_k);
// q (n_q, d_k), k (n_k, d_k) and v (n_k, d_v): checks the widths and rows above and returns the
// dimensions. `has_v` false: only q and k (score and weights), d_v = 0.
AttentionDims check_shapes(std::size_t q_rows, std::size_t q_cols, std::size_t k_rows,
                           std::size_t k_cols, std::size_t v_rows, std::size_t v_cols);
// Data errors for an empty operand: "q is empty" (`where` is prepended, e.g. a file name: "q.npy:
// q is empty (0, 4)"), with how to fix it.
void check_not_empty(std::string_view operand, std::size_t values, std::string_view where = {},
                     std::string_view shape = {});

// ---- Rows with every key blocked
// -----------------------------------------------------------------

// What a row with no visible key gets, since softmax over nothing is undefined.
enum class EmptyRows {
  zero,     // weights and output 0: current PyTorch SDPA and FlexAttention
  nan,      // NaN weights and output: older PyTorch, nn.MultiheadAttention with need_weights
  uniform,  // 1/n_k for every key: what a finite sentinel (d2l's −1e6, HF's dtype minimum) gives
  error,    // refuse: a data error naming the rows
};

// The weight each key of an empty row gets under `policy` (0, NaN or 1/n_k; error: 0).
double empty_row_weight(EmptyRows policy, std::size_t n_k);
// What such a row ends up with, for warnings: "zero weights and output", "NaN weights and output",
// "uniform weights"; and for summaries of the output alone: "output 0", "output NaN", "output the
// mean of v", "refused".
std::string_view empty_row_outcome(EmptyRows policy);
std::string_view empty_row_output(EmptyRows policy);
// "1, 4, 9": the rows, the first ten and a count when there are more.
std::string row_list(std::span<const std::size_t> rows);
// With EmptyRows::error and at least one such row, throws the data error naming them.
void check_empty_rows(std::span<const std::size_t> rows, EmptyRows policy);

// ---- Sizes
// -----------------------------------------------------------------------------------------

// An n_q × n_k matrix printed or computed whole (`attn mask`, `attn bias`) may have this many cells
// unless the user says --force.
inline constexpr std::size_t max_shown_cells = 1'000'000;
// Throws a usage error when n_q × n_k exceeds max_shown_cells and !force: "the mask would have
// 2000×2000 = 4000000 cells, more than 1000000", with the hint "add --force to <verb> it anyway".
void check_shown_cells(std::size_t n_q, std::size_t n_k, bool force, std::string_view what,
                       std::string_view verb);

// ---- Memory
// ----------------------------------------------------------------------------------------

// The bytes attn may still allocate: the least of what the address-space limit (ulimit -v) leaves
// beside what is mapped already, the data limit (ulimit -d), what the cgroup's memory.max leaves
// beside memory.current, and the machine's MemAvailable plus SwapFree. Nothing when none of them
// can be read.
std::optional<std::size_t> available_memory();

// a × b bytes, or SIZE_MAX when the product overflows (it then fits nowhere, which is the point).
std::size_t bytes_times(std::size_t a, std::size_t b);

// "24.0 TB", "32.0 GB", "450 MB", "12 kB", "80 bytes" (decimal units, as memory is sold and `free
// -h` is not).
std::string byte_size_text(std::size_t bytes);

// The guard every path calls before a large allocation: throws a data error when `bytes` exceed
// available_memory() ("the 65536×65536 Jacobian needs 34.4 GB, more than the 2.1 GB available"),
// `what` naming what is allocated. It remembers the request, for out_of_memory_error.
void check_memory(std::size_t bytes, std::string_view what);

// The error for an allocation that failed anyway (std::bad_alloc caught in main): a data error
// naming the last request check_memory saw and its size, never an "internal error".
Error out_of_memory_error();

}  // namespace attn
