#include "attn/render/grad_text.hpp"

#include <fmt/format.h>

#include <charconv>

#include "attn/core/error.hpp"
#include "attn/core/rules.hpp"
#include "attn/render/worked_text.hpp"

namespace attn {
namespace {

// Builds the text of one head's backward pass; each method appends one step.
class Backward : WorkedText {
 public:
  Backward(const Trace& t, const GradTrace& g, const TextOptions& o)
      : WorkedText(o), t_(t), g_(g) {}

  std::string render(const Loss& loss, bool show_dbias) {
    title(loss);
    values();
    weights();
    softmax();
    if (g_.cap_slope && !t_.softcap_first) softcap();
    if (g_.dbias && show_dbias) bias();
    if (g_.cap_slope && t_.softcap_first) softcap();
    queries_and_keys();
    if (g_.dq_rotated) rotate_back();
    answer_table("dq", g_.dq, "q", "");
    answer_table("dk", g_.dk, "k", "");
    answer_table("dv", g_.dv, "k", "");
    return take();
  }

 private:
  std::size_t n_q() const { return t_.q.rows(); }
  std::size_t n_k() const { return t_.k.rows(); }
  bool one_row() const { return n_q() == 1; }
  // dβ_j for a single query row, dβ[i,j] otherwise
  std::string at(const char* name, std::size_t i, std::size_t j) const {
    return one_row() ? fmt::format("{}_{}", name, j) : fmt::format("{}[{},{}]", name, i, j);
  }

  void title(const Loss& loss) {
    line(fmt::format("Backward pass of {} quer{} against {} key{} (d_k = {}, d_v = {})", n_q(),
                     n_q() == 1 ? "y" : "ies", n_k(), n_k() == 1 ? "" : "s", t_.q.cols(),
                     t_.v->cols()));
    line();
    table("o", *t_.output, "q", "");
    switch (loss.kind) {
      case LossKind::given:
        line("  dO = ∂L/∂o, given:");
        break;
      case LossKind::sum:
        line(fmt::format("  L = Σ o = {}, so dO = ∂L/∂o = 1 in every cell:", num(*loss.value)));
        break;
      case LossKind::mse:
        line(fmt::format("  L = ½‖o − T‖² = {}, so dO = ∂L/∂o = o − T:", num(*loss.value)));
        break;
    }
    table("dO", g_.d_out, "q", "");
  }

  // 1. dV = αᵀ dO
  void values() {
    step(fmt::format("Values, dV[j,c] = Σ_i α[i,j]·dO[i,c]   ({})ᵀ·({}) → {}",
                     shape_string(t_.softmax->weights), shape_string(g_.d_out),
                     shape_string(g_.dv)));
    if (detailed(g_.dv.size() * n_q(), g_.dv.cols()))
      for (std::size_t j = 0; j < g_.dv.rows(); ++j)
        for (std::size_t c = 0; c < g_.dv.cols(); ++c) {
          std::vector<double> alpha, d_out;
          for (std::size_t i = 0; i < n_q(); ++i) {
            alpha.push_back(t_.softmax->weights(i, j));
            d_out.push_back(g_.d_out(i, c));
          }
          line(
              fmt::format("  dV[{},{}] = {} = {}", j, c, products(alpha, d_out), num(g_.dv(j, c))));
        }
    table("dV", g_.dv, "k", "");
  }

  // 2. dα = dO vᵀ
  void weights() {
    step(fmt::format("Weights, dα[i,j] = dO_i·v_j   ({})·({})ᵀ → {}", shape_string(g_.d_out),
                     shape_string(*t_.v), shape_string(g_.dalpha)));
    if (detailed(g_.dalpha.size(), t_.v->cols()))
      for (std::size_t i = 0; i < n_q(); ++i)
        for (std::size_t j = 0; j < n_k(); ++j)
          line(fmt::format("  {} = dO_{}·v_{} = {} = {}", at("dα", i, j), i, j,
                           products(g_.d_out.row(i), t_.v->row(j)), num(g_.dalpha(i, j))));
    table("dα", g_.dalpha, "q", "k");
  }

  // 3. dβ = α ⊙ (dα − D)
  void softmax() {
    step("Softmax backward, dβ[i,j] = α[i,j]·(dα[i,j] − D_i) with D_i = Σ_l α[i,l]·dα[i,l]");
    if (detailed(g_.dbeta.size(), n_k()))
      for (std::size_t i = 0; i < n_q(); ++i) softmax_row(i);
    table("dβ", g_.dbeta, "q", "k");
  }

  void softmax_row(std::size_t i) {
    const std::string ind = one_row() ? "  " : "    ";
    if (!one_row()) line(fmt::format("  row {}:", i));
    if (t_.softmax->row_max[i] == neg_inf) {
      line(fmt::format("{}every key is blocked: the scores do not reach o, so dβ = 0", ind));
      return;
    }
    const std::string d = one_row() ? "D" : fmt::format("D_{}", i);
    line(fmt::format("{}{} = {} = {}", ind, d,
                     products(t_.softmax->weights.row(i), g_.dalpha.row(i)), num(g_.row_dot[i])));
    for (std::size_t j = 0; j < n_k(); ++j) {
      if (t_.scores(i, j) == neg_inf) {
        line(fmt::format("{}{} = 0  (blocked)", ind, at("dβ", i, j)));
        continue;
      }
      line(fmt::format("{}{} = {}×({} - {}) = {}×{} = {}", ind, at("dβ", i, j),
                       num(t_.softmax->weights(i, j)), num(g_.dalpha(i, j)), factor(g_.row_dot[i]),
                       num(t_.softmax->weights(i, j)), factor(g_.centred(i, j)),
                       num(g_.dbeta(i, j))));
    }
  }

  // 4. through C·tanh(x/C): its derivative 1 − tanh²(x/C)
  void softcap() {
    step(fmt::format("Softcap backward, dx = dβ·(1 − tanh²(x/C)) with C = {}", num(*t_.softcap)));
    table("1 − tanh²(x/C)", *g_.cap_slope, "q", "k");
    table("dx", *g_.dcapped, "q", "k");
  }

  void bias() {
    step("Bias, ∂L/∂b = the gradient where b was added");
    table("db", *g_.dbias, "q", "k");
  }

  // 5. dq = c·dS k, dk = c·dSᵀ q
  void queries_and_keys() {
    const std::string c = num(g_.scale);
    step(fmt::format("Queries and keys, dq = c·dS·k and dk = c·dSᵀ·q with c = {}", c));
    if (g_.cap_slope || g_.dbias) table("dS", g_.dscaled, "q", "k");
    if (t_.rope) line("  (q and k here are the rotated ones; the next step turns these back)");
    const std::size_t d_k = t_.q.cols();
    if (detailed(g_.dq.size() * n_k(), d_k)) {
      for (std::size_t i = 0; i < n_q(); ++i)
        for (std::size_t col = 0; col < d_k; ++col)
          line(fmt::format("  dq[{},{}] = {} × ({}) = {}", i, col, c,
                           products(g_.dscaled.row(i), column(t_.dot_k(), col)),
                           num(g_.dq(i, col))));
      for (std::size_t j = 0; j < n_k(); ++j)
        for (std::size_t col = 0; col < d_k; ++col)
          line(fmt::format("  dk[{},{}] = {} × ({}) = {}", j, col, c,
                           products(column(g_.dscaled, j), column(t_.dot_q(), col)),
                           num(g_.dk(j, col))));
    }
  }

  // 6. RoPE: the gradient of the rotated q, k rotated back by the same angles
  void rotate_back() {
    step("RoPE backward, dq = Rᵀ·dq_rot and dk = Rᵀ·dk_rot: each pair rotated back by its angle");
    table("dq_rot", *g_.dq_rotated, "q", "");
    table("dk_rot", *g_.dk_rotated, "k", "");
  }

  static std::vector<double> column(const Matrix& m, std::size_t col) {
    std::vector<double> out(m.rows());
    for (std::size_t r = 0; r < m.rows(); ++r) out[r] = m(r, col);
    return out;
  }

  const Trace& t_;
  const GradTrace& g_;
};

std::size_t parse_index(std::string_view s, const std::string& whole) {
  std::size_t value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size())
    throw usage_error(fmt::format("--explain {}: expected [dq:|dk:|dv:|dalpha:|dbeta:]I,J", whole),
                      "for example --explain dq:0,1 (row 0, column 1 of dq)");
  return value;
}

}  // namespace

std::string render_grad_steps(const Trace& t, const GradTrace& g, const Loss& loss, bool show_dbias,
                              const TextOptions& options) {
  return Backward(t, g, options).render(loss, show_dbias);
}

std::string render_grad_run(const Run& run, const GradRun& grad, const Loss& loss, bool show_dbias,
                            const TextOptions& options) {
  const HeadLayout& layout = run.layout;
  if (layout.heads == 1)
    return render_grad_steps(run.heads.front().trace, grad.heads.front(), loss, show_dbias,
                             options);
  std::string out = fmt::format(
      "{} query heads sharing {} key/value head{}: dk and dv of a key/value head sum the "
      "gradients of the query heads that read it\n",
      layout.heads, layout.kv_heads, layout.kv_heads == 1 ? "" : "s");
  for (std::size_t n = 0; n < run.heads.size(); ++n) {
    const HeadRun& h = run.heads[n];
    out += fmt::format("\n=== Head {} of {} (kv head {}) ===\n\n", h.head + 1, layout.heads,
                       h.kv_head + 1);
    Loss head_loss{LossKind::given, std::nullopt, grad.heads[n].d_out};
    out += render_grad_steps(h.trace, grad.heads[n], head_loss, show_dbias, options);
  }
  out += "\nThe whole layer:\n";
  for (const auto& [name, m, rows] :
       {std::tuple{"dq", &grad.dq, "q"}, std::tuple{"dk", &grad.dk, "k"},
        std::tuple{"dv", &grad.dv, "k"}})
    out += fmt::format(
        "\n{} =\n{}", name,
        format_table(*m, TableStyle{options.number, index_labels(rows, m->rows()), {}}));
  return out;
}

GradCellRef parse_grad_cell(const std::string& text) {
  GradCellRef ref;
  std::string_view rest = text;
  const auto colon = rest.find(':');
  if (colon != std::string_view::npos) {
    const std::string_view name = rest.substr(0, colon);
    if (name == "dq")
      ref.which = GradCell::dq;
    else if (name == "dk")
      ref.which = GradCell::dk;
    else if (name == "dv")
      ref.which = GradCell::dv;
    else if (name == "dalpha")
      ref.which = GradCell::dalpha;
    else if (name == "dbeta")
      ref.which = GradCell::dbeta;
    else
      throw usage_error(
          fmt::format("--explain {}: '{}' is not dq, dk, dv, dalpha or dbeta", text, name),
          "for example --explain dk:1,0");
    rest.remove_prefix(colon + 1);
  }
  const auto comma = rest.find(',');
  if (comma == std::string_view::npos) parse_index("", text);
  ref.i = parse_index(rest.substr(0, comma), text);
  ref.j = parse_index(rest.substr(comma + 1), text);
  return ref;
}

namespace {

// The story of one cell of dq, dk, dv, dα or dβ.
class GradCellStory : WorkedText {
 public:
  GradCellStory(const Trace& t, const GradTrace& g, const TextOptions& o)
      : WorkedText(o), t_(t), g_(g) {}

  std::string tell(const GradCellRef& cell) {
    switch (cell.which) {
      case GradCell::dv:
        value(cell.i, cell.j);
        break;
      case GradCell::dalpha:
        weight(cell.i, cell.j);
        break;
      case GradCell::dbeta:
        score(cell.i, cell.j);
        break;
      case GradCell::dq:
      case GradCell::dk:
        query_or_key(cell.which == GradCell::dq, cell.i, cell.j);
        break;
    }
    return take();
  }

 private:
  // dα[i, j] = Σ_c dO_ic·v_jc
  void weight(std::size_t i, std::size_t j) {
    line(fmt::format("Cell dα[{},{}]: query {}'s upstream gradient against value {}", i, j, i, j));
    line(fmt::format("  dα_{}{} = Σ_c dO_{}c·v_{}c = {} = {}", i, j, i, j,
                     products(g_.d_out.row(i), t_.v->row(j)), num(g_.dalpha(i, j))));
  }

  // dβ[i, j] = α_ij·(dα_ij − D_i), D_i = Σ_l α_il·dα_il; 0 where the mask blocks
  void score(std::size_t i, std::size_t j) {
    line(fmt::format("Cell dβ[{},{}]: back through query {}'s softmax", i, j, i));
    if (t_.scores(i, j) == neg_inf)
      return line(
          fmt::format("  key {} is blocked for query {}: no gradient reaches its score, "
                      "dβ_{}{} = 0",
                      j, i, i, j));
    line(fmt::format("  D_{} = Σ_l α_{}l·dα_{}l = {} = {}", i, i, i,
                     products(t_.softmax->weights.row(i), g_.dalpha.row(i)), num(g_.row_dot[i])));
    line(fmt::format("  dβ_{}{} = α_{}{}×(dα_{}{} − D_{}) = {}×({} - {}) = {}", i, j, i, j, i, j, i,
                     num(t_.softmax->weights(i, j)), num(g_.dalpha(i, j)), factor(g_.row_dot[i]),
                     num(g_.dbeta(i, j))));
  }

  // dv[j, c] = Σ_i α_ij·dO_ic
  void value(std::size_t j, std::size_t c) {
    std::vector<double> alpha, d_out;
    for (std::size_t r = 0; r < g_.d_out.rows(); ++r) {
      alpha.push_back(t_.softmax->weights(r, j));
      d_out.push_back(g_.d_out(r, c));
    }
    line(fmt::format("Cell dv[{},{}]: value {}'s component {}, through every query's weight", j, c,
                     j, c));
    line(fmt::format("  dv_{}{} = Σ_i α_i{}·dO_i{} = {} = {}", j, c, j, c, products(alpha, d_out),
                     num(g_.dv(j, c))));
  }

  // dq[i, t] = c·Σ_l dS_il·k_lt sums over keys l; dk[j, t] = c·Σ_l dS_lj·q_lt over queries l
  void query_or_key(bool q_side, std::size_t a, std::size_t col) {
    const std::size_t n = q_side ? g_.dscaled.cols() : g_.dscaled.rows();
    std::vector<double> ds(n), other(n);
    for (std::size_t l = 0; l < n; ++l) {
      ds[l] = q_side ? g_.dscaled(a, l) : g_.dscaled(l, a);
      other[l] = q_side ? t_.dot_k()(l, col) : t_.dot_q()(l, col);
    }
    const std::string c = num(g_.scale);
    const char* rot = t_.rope ? "_rot" : "";
    if (q_side) {
      line(fmt::format("Cell dq[{},{}]: query {}'s component {}, through every key", a, col, a,
                       col));
      const Matrix& m = g_.dq_rotated ? *g_.dq_rotated : g_.dq;
      line(fmt::format("  dq{}_{}{} = c·Σ_l dS_{}l·k_l{} = {} × ({}) = {}", rot, a, col, a, col, c,
                       products(ds, other), num(m(a, col))));
      if (g_.dq_rotated)
        line(fmt::format("  rotated back by query {}'s angles: dq_{} = {}", a, a,
                         vec(g_.dq.row(a))));
    } else {
      line(fmt::format("Cell dk[{},{}]: key {}'s component {}, through every query", a, col, a,
                       col));
      const Matrix& m = g_.dk_rotated ? *g_.dk_rotated : g_.dk;
      line(fmt::format("  dk{}_{}{} = c·Σ_l dS_l{}·q_l{} = {} × ({}) = {}", rot, a, col, a, col, c,
                       products(ds, other), num(m(a, col))));
      if (g_.dk_rotated)
        line(fmt::format("  rotated back by key {}'s angles: dk_{} = {}", a, a, vec(g_.dk.row(a))));
    }
    line("  where each dS comes from dO, v and α:");
    for (std::size_t l = 0; l < n; ++l) score_cell(q_side ? a : l, q_side ? l : a);
    for (std::size_t r = q_side ? a : 0; r < (q_side ? a + 1 : n); ++r)
      if (t_.softmax->row_max[r] != neg_inf)
        line(fmt::format("  D_{} = Σ_l α_{}l·dα_{}l = {}", r, r, r, num(g_.row_dot[r])));
  }

  // The gradient of score (r, c), traced back one step at a time.
  void score_cell(std::size_t r, std::size_t c) {
    if (t_.scores(r, c) == neg_inf)
      return line(fmt::format("    ({}, {}): blocked, so dS = 0", r, c));
    std::string s =
        fmt::format("    ({}, {}): dα = dO_{}·v_{} = {}; dβ = α×(dα − D_{}) = {}×({} - {}) = {}", r,
                    c, r, c, num(g_.dalpha(r, c)), r, num(t_.softmax->weights(r, c)),
                    num(g_.dalpha(r, c)), factor(g_.row_dot[r]), num(g_.dbeta(r, c)));
    if (g_.cap_slope)
      s += fmt::format("; softcap × {} → {}", num((*g_.cap_slope)(r, c)), num((*g_.dcapped)(r, c)));
    line(s + fmt::format("; dS = {}", num(g_.dscaled(r, c))));
  }

  const Trace& t_;
  const GradTrace& g_;
};

}  // namespace

std::string explain_grad_cell(const Trace& t, const GradTrace& g, const GradCellRef& cell,
                              const NumberStyle& style) {
  static constexpr const char* kName[] = {"dq", "dk", "dv", "dalpha", "dbeta"};
  const Matrix* const kMatrix[] = {&g.dq, &g.dk, &g.dv, &g.dalpha, &g.dbeta};
  const Matrix& m = *kMatrix[static_cast<int>(cell.which)];
  const char* name = kName[static_cast<int>(cell.which)];
  if (cell.i >= m.rows() || cell.j >= m.cols())
    throw usage_error(
        fmt::format("--explain {}:{},{}: the cell is outside the {}×{} {}", name, cell.i, cell.j,
                    m.rows(), m.cols(), name),
        fmt::format("rows run from 0 to {} and columns from 0 to {}", m.rows() - 1, m.cols() - 1));
  TextOptions options;
  options.number = style;
  return GradCellStory(t, g, options).tell(cell);
}

}  // namespace attn
