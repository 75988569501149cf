// The JSON contract: one object per command, stable snake_case keys.
//   "d_k", "scale"  always (null when scores were given without them)
//   "rope", "q_rotated", "k_rotated"  with --rope: the options, frequencies, positions and angles,
//                   then q and k after the rotation
//   "scores"        β, n_q × n_k, even when 1×1; a blocked score is the string "-Infinity"
//   "mask"          bool matrix, true = may attend, whenever a mask applies
//   "weights"       α (weights and attend)
//   "output"        o, n_q × d_v (attend)
// Keys keep this order (nlohmann::ordered_json).
#pragma once

#include <nlohmann/json.hpp>

#include "attn/core/grad.hpp"
#include "attn/core/heads.hpp"
#include "attn/core/trace.hpp"

namespace attn {

// A matrix as an array of rows; −∞ becomes "-Infinity", +∞ "Infinity" and NaN "NaN", which
// Python's float(), NumPy and JavaScript's Number() all read back.
nlohmann::ordered_json matrix_to_json(const Matrix& m);

// One head's trace, up to the stage it ran to.
nlohmann::ordered_json trace_to_json(const Trace& t);

// One head: as trace_to_json. Several: {"d_k", "scale", "heads": [{"head", "kv_head", "scores",
// "mask", "weights", "output"}, …], "output": the heads' outputs side by side}.
nlohmann::ordered_json run_to_json(const Run& run);

// `attn grad --json`: run_to_json's keys, then "loss" ({"kind": "sum"|"mse", "value": L}) when dO
// came from a loss, "do", "dv", "dalpha", "dbeta", "dq", "dk", and "dbias" with `with_dbias`.
// Several heads: "dalpha", "dbeta" (and "dbias") in each entry of "heads"; "do", "dq", "dk" and
// "dv" of the whole layer at the top.
nlohmann::ordered_json grad_to_json(const Run& run, const GradRun& grad, const Loss& loss,
                                    bool with_dbias);

}  // namespace attn
