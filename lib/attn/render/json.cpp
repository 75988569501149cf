#include "attn/render/json.hpp"

#include <cmath>

namespace attn {
namespace {

nlohmann::ordered_json number_to_json(double x) {
  if (std::isnan(x)) return "NaN";
  if (std::isinf(x)) return x < 0 ? "-Infinity" : "Infinity";
  return x;
}

nlohmann::ordered_json mask_to_json(const Matrix& additive) {
  auto rows = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < additive.rows(); ++i) {
    auto row = nlohmann::ordered_json::array();
    for (double m : additive.row(i)) row.push_back(!std::isinf(m) || m > 0);
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace

nlohmann::ordered_json matrix_to_json(const Matrix& m) {
  auto rows = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < m.rows(); ++i) {
    auto row = nlohmann::ordered_json::array();
    for (double x : m.row(i)) row.push_back(number_to_json(x));
    rows.push_back(std::move(row));
  }
  return rows;
}

nlohmann::ordered_json trace_to_json(const LoadedInput& in, const Trace& t, Stage stage) {
  nlohmann::ordered_json out;
  if (in.given_scores) {
    out["d_k"] = in.d_k ? nlohmann::ordered_json(*in.d_k) : nlohmann::ordered_json(nullptr);
    out["scale"] = in.scale ? nlohmann::ordered_json(*in.scale) : nlohmann::ordered_json(nullptr);
  } else {
    out["d_k"] = t.d_k;
    out["scale"] = t.scale;
  }
  out["scores"] = matrix_to_json(t.scores);
  if (t.mask) out["mask"] = mask_to_json(*t.mask);
  if (stage != Stage::scores) out["weights"] = matrix_to_json(t.softmax->weights);
  if (stage == Stage::output) out["output"] = matrix_to_json(*t.output);
  return out;
}

nlohmann::ordered_json run_to_json(const LoadedInput& in, const Run& run, Stage stage) {
  if (in.layout.heads == 1) return trace_to_json(in, run.heads.front().trace, stage);
  const Trace& first = run.heads.front().trace;
  nlohmann::ordered_json out{{"d_k", first.d_k}, {"scale", first.scale}};
  auto heads = nlohmann::ordered_json::array();
  for (const HeadRun& h : run.heads) {
    nlohmann::ordered_json head{{"head", h.head}, {"kv_head", h.kv_head}};
    head.update(trace_to_json(in, h.trace, stage));
    head.erase("d_k");
    head.erase("scale");
    heads.push_back(std::move(head));
  }
  out["heads"] = std::move(heads);
  if (run.output) out["output"] = matrix_to_json(*run.output);
  return out;
}

}  // namespace attn
