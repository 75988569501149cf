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

nlohmann::ordered_json trace_to_json(const Trace& t) {
  const auto or_null = [](const auto& x) {
    return x ? nlohmann::ordered_json(*x) : nlohmann::ordered_json(nullptr);
  };
  nlohmann::ordered_json out;
  out["d_k"] = or_null(t.d_k);
  out["scale"] = or_null(t.scale);
  if (t.rope) {
    const RopeTrace& r = *t.rope;
    out["rope"] = {{"style", rope_style_name(r.options.style)},
                   {"base", r.options.base},
                   {"dim", r.rotated},
                   {"scale", r.options.scale},
                   {"frequencies", r.frequencies},
                   {"q_positions", r.q_positions},
                   {"k_positions", r.k_positions},
                   {"q_angles", matrix_to_json(r.q_angles)},
                   {"k_angles", matrix_to_json(r.k_angles)}};
    out["q_rotated"] = matrix_to_json(r.q_rotated);
    out["k_rotated"] = matrix_to_json(r.k_rotated);
  }
  out["scores"] = matrix_to_json(t.scores);
  if (t.mask) out["mask"] = mask_to_json(*t.mask);
  if (t.softmax) out["weights"] = matrix_to_json(t.softmax->weights);
  if (t.output) out["output"] = matrix_to_json(*t.output);
  return out;
}

nlohmann::ordered_json run_to_json(const Run& run) {
  if (run.layout.heads == 1) return trace_to_json(run.heads.front().trace);
  const Trace& first = run.heads.front().trace;
  nlohmann::ordered_json out{{"d_k", *first.d_k}, {"scale", *first.scale}};
  auto heads = nlohmann::ordered_json::array();
  for (const HeadRun& h : run.heads) {
    nlohmann::ordered_json head{{"head", h.head}, {"kv_head", h.kv_head}};
    head.update(trace_to_json(h.trace));
    head.erase("d_k");
    head.erase("scale");
    heads.push_back(std::move(head));
  }
  out["heads"] = std::move(heads);
  if (run.output) out["output"] = matrix_to_json(*run.output);
  return out;
}

nlohmann::ordered_json grad_to_json(const Run& run, const GradRun& grad, const Loss& loss,
                                    bool with_dbias) {
  nlohmann::ordered_json out = run_to_json(run);
  if (loss.kind != LossKind::given)
    out["loss"] = {{"kind", loss_name(loss.kind)}, {"value", *loss.value}};
  const auto per_head = [&](nlohmann::ordered_json& into, const GradTrace& g) {
    into["dalpha"] = matrix_to_json(g.dalpha);
    into["dbeta"] = matrix_to_json(g.dbeta);
    if (with_dbias && g.dbias) into["dbias"] = matrix_to_json(*g.dbias);
  };
  out["do"] = matrix_to_json(loss.d_out);
  out["dv"] = matrix_to_json(grad.dv);
  if (run.layout.heads == 1) {
    per_head(out, grad.heads.front());
    // keep the documented order: do, dv, dalpha, dbeta, dq, dk, dbias
    nlohmann::ordered_json dbias;
    if (out.contains("dbias")) {
      dbias = out["dbias"];
      out.erase("dbias");
    }
    out["dq"] = matrix_to_json(grad.dq);
    out["dk"] = matrix_to_json(grad.dk);
    if (!dbias.is_null()) out["dbias"] = std::move(dbias);
    return out;
  }
  for (std::size_t n = 0; n < grad.heads.size(); ++n) per_head(out["heads"][n], grad.heads[n]);
  out["dq"] = matrix_to_json(grad.dq);
  out["dk"] = matrix_to_json(grad.dk);
  return out;
}

}  // namespace attn
