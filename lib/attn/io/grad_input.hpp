// What `attn grad` reads besides the forward's inputs: the upstream gradient dO, or a loss that
// gives it. From flags (--do, --loss, --target) over the JSON document's keys "do", "loss" and
// "target"; the document may also be `attn attend --json`'s output with a "do" key added, whose
// "weights" and "output" are checked against the recomputed forward pass.
#pragma once

#include <optional>
#include <string>

#include "attn/core/grad.hpp"
#include "attn/core/heads.hpp"
#include "attn/core/matrix.hpp"
#include "attn/io/input.hpp"

namespace attn {

struct GradArgs {
  std::optional<std::string> d_out;   // --do: dO as a literal, JSON or @file
  std::optional<LossKind> loss;       // --loss sum|mse
  std::optional<std::string> target;  // --target T (with --loss mse)
};

struct GradInput {
  Request request;                 // the forward problem, run to Stage::output
  LossKind loss = LossKind::given;
  std::optional<Matrix> d_out;     // with LossKind::given
  std::optional<Matrix> target;    // with LossKind::mse
  std::optional<Matrix> expected_weights;  // "weights" and "output" of a forward document,
  std::optional<Matrix> expected_output;   // to check against the recomputation
};

// Errors: no dO and no loss, --do with --loss, --target without mse (usage, exit 2); a matrix
// that does not parse (named by flag or key).
GradInput load_grad_input(const InputArgs& args, const GradArgs& grad);

// The upstream gradient of a computed run: dO as given, or the loss's.
Loss resolve_loss(const GradInput& in, const Matrix& output);

// Throws a data error when the document's "weights" or "output" differ from the recomputed ones
// (beyond 1e-9 relative): the document was not made from these q, k and v.
void check_forward_document(const GradInput& in, const Run& run);

}  // namespace attn
