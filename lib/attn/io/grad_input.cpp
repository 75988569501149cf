#include "attn/io/grad_input.hpp"

#include <fmt/format.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "attn/core/error.hpp"
#include "attn/core/rules.hpp"
#include "attn/io/parse.hpp"

namespace attn {
namespace {

using nlohmann::json;

std::optional<Matrix> flag_or_doc(const std::optional<std::string>& flag, const char* name,
                                  const json& doc, const char* key) {
  if (flag) return parse_matrix(*flag, name);
  const auto it = doc.find(key);
  if (it == doc.end() || it->is_null()) return std::nullopt;
  return matrix_from_json(*it, fmt::format("input.{}", key));
}

std::optional<LossKind> loss_from_doc(const json& doc) {
  const auto it = doc.find("loss");
  if (it == doc.end() || it->is_null()) return std::nullopt;
  if (it->is_string()) {
    if (*it == "sum") return LossKind::sum;
    if (*it == "mse") return LossKind::mse;
  }
  throw data_error(fmt::format("input.loss must be \"sum\" or \"mse\", not {}", it->dump()));
}

// The keys of a forward pass's own output (`attn attend --json`): results to check, not inputs.
bool is_forward_output(const json& doc) {
  return doc.contains("output") || doc.contains("weights");
}

}  // namespace

GradInput load_grad_input(const InputArgs& args, const GradArgs& grad) {
  json doc = read_document(args);
  GradInput in;
  if (is_forward_output(doc)) {
    if (doc.contains("weights") && !doc["weights"].is_null())
      in.expected_weights = matrix_from_json(doc["weights"], "input.weights");
    if (doc.contains("output") && !doc["output"].is_null())
      in.expected_output = matrix_from_json(doc["output"], "input.output");
    // d_k and the scale are what the forward computed: a default scale is left as the default
    if (doc.contains("d_k") && doc["d_k"].is_number_unsigned() && doc.contains("scale") &&
        doc["scale"].is_number() &&
        doc["scale"].get<double>() == default_scale(doc["d_k"].get<std::size_t>()))
      doc.erase("scale");
    for (const char* key : {"d_k", "scores", "weights", "output", "heads"}) doc.erase(key);
  }
  in.d_out = flag_or_doc(grad.d_out, "--do", doc, "do");
  in.target = flag_or_doc(grad.target, "--target", doc, "target");
  const std::optional<LossKind> loss = grad.loss ? grad.loss : loss_from_doc(doc);
  for (const char* key : {"do", "target", "loss"}) doc.erase(key);
  in.request = load_input(args, Stage::output, doc);

  if (in.d_out && loss)
    throw usage_error("give either dO or a loss, not both",
                      "--do gives ∂L/∂o directly; --loss derives it from the output");
  if (!in.d_out && !loss)
    throw usage_error("no upstream gradient given",
                      "give --do MATRIX (∂L/∂o), or --loss sum, or --loss mse --target T");
  in.loss = loss.value_or(LossKind::given);
  if (in.loss == LossKind::mse && !in.target)
    throw usage_error("--loss mse needs a target", "give --target T with o's shape");
  if (in.loss != LossKind::mse && in.target)
    throw usage_error("--target is only for --loss mse", "add --loss mse, or drop --target");
  return in;
}

Loss resolve_loss(const GradInput& in, const Matrix& output) {
  switch (in.loss) {
    case LossKind::sum:
      return sum_loss(output);
    case LossKind::mse:
      return mse_loss(output, *in.target);
    case LossKind::given:
      break;
  }
  return {LossKind::given, std::nullopt, *in.d_out};
}

void check_forward_document(const GradInput& in, const Run& run) {
  const auto agree = [](const Matrix& a, const Matrix& b) {
    if (a.rows() != b.rows() || a.cols() != b.cols()) return false;
    for (std::size_t n = 0; n < a.size(); ++n) {
      const double x = a.values()[n], y = b.values()[n];
      if (std::abs(x - y) > 1e-9 * std::max(1.0, std::abs(y))) return false;
    }
    return true;
  };
  const auto refuse = [](const char* what) {
    throw data_error(
        fmt::format("the document's \"{}\" is not what its q, k and v give", what),
        "the forward output must come from the same inputs: run attn attend --json again");
  };
  if (in.expected_output && run.output && !agree(*in.expected_output, *run.output))
    refuse("output");
  if (in.expected_weights && run.heads.size() == 1 && run.heads.front().trace.softmax &&
      !agree(*in.expected_weights, run.heads.front().trace.softmax->weights))
    refuse("weights");
}

}  // namespace attn
