#include "attn/render/text.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <iterator>

#include "attn/core/rules.hpp"

namespace attn {
namespace {

// Builds the text of one solution; every method appends one part of it.
class Solution : WorkedText {
 public:
  Solution(const Trace& t, const TextOptions& o) : WorkedText(o), t_(t) {}

  // Each step in the order the trace computed it, then the last step's matrix as the result.
  std::string render() {
    const std::vector<TraceStep> steps = t_.steps();
    for (const TraceStep& s : steps) {
      switch (s.kind) {
        case StepKind::inputs:
          title();
          break;
        case StepKind::rope:
          rope();
          break;
        case StepKind::given_scores:
          title_given_scores();
          break;
        case StepKind::dot:
          dot_products();
          break;
        case StepKind::scale:
          scale();
          break;
        case StepKind::bias:
          bias(s);
          break;
        case StepKind::softcap:
          softcap(s);
          break;
        case StepKind::mask:
          mask();
          break;
        case StepKind::scores:
          break;  // β is the mask step's result, or the answer
        case StepKind::softmax:
          softmax();
          break;
        case StepKind::output:
          output();
          break;
      }
    }
    return result(steps.back().symbol, *steps.back().result);
  }

 private:
  bool scalar() const { return t_.scores.rows() == 1 && t_.scores.cols() == 1; }
  std::string cell(const char* name, std::size_t i, std::size_t j) const {
    return scalar() ? name : fmt::format("{}[{},{}]", name, i, j);
  }

  std::size_t d_k() const { return t_.d_k.value_or(0); }

  void title() {
    const auto& g = t_.geometry;
    static constexpr const char* kWhat[] = {"Scores", "Attention weights", "Attention output"};
    const char* what = kWhat[static_cast<int>(t_.stage)];
    if (scalar())
      line(fmt::format("{} of one query against one key (d_k = {})", what, d_k()));
    else
      line(fmt::format("{} of {} quer{} against {} key{} (d_k = {})", what, g.n_q,
                       g.n_q == 1 ? "y" : "ies", g.n_k, g.n_k == 1 ? "" : "s", d_k()));
    line();
    table("q", t_.q, "q", "");
    table("k", t_.k, "k", "");
    if (t_.v) table("v", *t_.v, "v", "");
  }

  void title_given_scores() {
    line(fmt::format("Softmax of given scores ({} row{} of {})", t_.scores.rows(),
                     t_.scores.rows() == 1 ? "" : "s", t_.scores.cols()));
    line();
    table("β", *t_.given_scores, "q", "k");
  }

  // Each query and key rotated pair by pair: the angle, its cos and sin, the rotated pair.
  void rope() {
    const RopeTrace& r = *t_.rope;
    const RopeOptions& o = r.options;
    const bool half = o.style == RopeStyle::half;
    step(fmt::format("Rotate q and k by their positions (RoPE, {} pairs {}, R = {} of d_k = {})",
                     rope_style_name(o.style), half ? "(i, i + R/2)" : "(2i, 2i + 1)", r.rotated,
                     d_k()));
    line(fmt::format("  θ_i = {}^(−2i/{}) = {}", num(o.base), r.rotated, vec(r.frequencies)));
    const std::string p = o.scale == 1.0 ? "p" : fmt::format("(p/{})", num(o.scale));
    if (o.scale != 1.0) line(fmt::format("  positions are divided by {} first", num(o.scale)));
    const std::size_t pairs = r.rotated / 2;
    if (detailed((t_.q.rows() + t_.k.rows()) * pairs, r.rotated)) {
      rope_rows("q", t_.q, r.q_rotated, r.q_positions, r.q_angles, r.q_cos, r.q_sin, p);
      rope_rows("k", t_.k, r.k_rotated, r.k_positions, r.k_angles, r.k_cos, r.k_sin, p);
    } else {
      line(fmt::format("  query positions {}, key positions {}", positions(r.q_positions),
                       positions(r.k_positions)));
    }
    table("q rotated", r.q_rotated, "q", "");
    table("k rotated", r.k_rotated, "k", "");
  }

  void rope_rows(const char* name, const Matrix& x, const Matrix& rotated,
                 const std::vector<std::int64_t>& pos, const Matrix& angles, const Matrix& cos,
                 const Matrix& sin, const std::string& p) {
    const RopeTrace& r = *t_.rope;
    for (std::size_t row = 0; row < x.rows(); ++row) {
      line(fmt::format("  {}{} at p = {}:", name, row, pos[row]));
      for (std::size_t i = 0; i < r.rotated / 2; ++i) {
        const auto [a, b] = rope_pair(i, r.rotated, r.options.style);
        line(fmt::format(
            "    pair ({}, {}): angle {}·θ_{} = {}, cos {}, sin {}: ({}, {}) → ({}, {})", a, b, p,
            i, num(angles(row, i)), num(cos(row, i)), num(sin(row, i)), num(x(row, a)),
            num(x(row, b)), num(rotated(row, a)), num(rotated(row, b))));
      }
    }
  }

  static std::string positions(const std::vector<std::int64_t>& p) {
    return fmt::format("[{}]", fmt::join(p, ", "));
  }

  // Scalar: "q·k = 2×1 + 0.5×1 + …" over three lines (products, terms, sum), like a worked
  // solution. Matrix cells: "s[0,1] = q0·k1 = 1×0 + 0×1 = 0 + 0 = 0" on one line each.
  void dot_products() {
    step(scalar() ? "Dot product, q·k = Σ_t q_t·k_t"
                  : fmt::format("Dot products, s[i,j] = q_i·k_j   ({})·({})ᵀ → {}",
                                shape_string(t_.q), shape_string(t_.k), shape_string(t_.dot)));
    if (detailed(t_.dot.size(), d_k())) {
      for (std::size_t i = 0; i < t_.dot.rows(); ++i)
        for (std::size_t j = 0; j < t_.dot.cols(); ++j) dot_product_cell(i, j);
    }
    if (!scalar()) table("s", t_.dot, "q", "k");
  }

  void dot_product_cell(std::size_t i, std::size_t j) {
    const std::vector<double> term = t_.dot_terms(i, j);
    const std::string product = products(t_.dot_q().row(i), t_.dot_k().row(j));
    const std::string sum = num(t_.dot(i, j));
    if (!scalar()) {
      line(fmt::format("  s[{},{}] = q{}·k{} = {}{} = {}", i, j, i, j, product,
                       term.size() > 1 ? fmt::format(" = {}", signed_terms(term)) : "", sum));
      return;
    }
    line(fmt::format("  q·k = {}", product));
    if (term.size() > 1) line(fmt::format("      = {}", signed_terms(term)));
    line(fmt::format("      = {}", sum));
  }

  void scale() {
    const double c = *t_.scale;
    if (t_.default_scale) {
      const double root = *t_.root_d_k;
      step(fmt::format("Scale by 1/√d_k, with d_k = {} (the length of each query and key)", d_k()));
      line(fmt::format("  √d_k = √{} = {}", d_k(), num(root)));
      if (scalar())
        line(fmt::format("  β = q·k / √d_k = {} / {} = {}", num(t_.dot(0, 0)), num(root),
                         num(t_.scaled(0, 0))));
    } else {
      step(fmt::format("Scale by c = {} ({})", num(c), c == 1.0 ? "--no-scale" : "given"));
      if (c < 0) line("  (a negative scale inverts the attention: the lowest scores win)");
      if (scalar())
        line(fmt::format("  β = c·(q·k) = {} × {} = {}", num(c), factor(t_.dot(0, 0)),
                         num(t_.scaled(0, 0))));
    }
    if (!scalar()) table(t_.default_scale ? "s / √d_k" : "c·s", t_.scaled, "q", "k");
  }

  void bias(const TraceStep& s) {
    step(fmt::format("Add the positional bias, β = {}", s.symbol));
    table("b", *s.operand, "q", "k");
    table(s.symbol, *s.result, "q", "k");
  }

  void softcap(const TraceStep& s) {
    step(fmt::format("Softcap, β ← C·tanh(β/C) with C = {}", num(*t_.softcap)));
    table(s.symbol, *s.result, "q", "k");
  }

  void mask() {
    const auto& g = t_.geometry;
    const std::string& text = t_.mask_label.text;
    step(fmt::format("Mask: {}, β = … + M (0 = may attend, -inf = blocked)", text));
    if (text != "matrix" && g.n_q != g.n_k) {
      const auto offset = g.offset();
      line(
          fmt::format("  {} alignment: query i sits at position p = i {} {}{}", align_name(g.align),
                      offset < 0 ? "-" : "+", std::abs(offset),
                      g.align == Align::bottom_right && g.n_q < g.n_k
                          ? fmt::format(" (the {} queries are the last {} positions)", g.n_q, g.n_q)
                          : ""));
      if (offset == -1) line("  the first row sits at a negative position");
      if (offset < -1) line(fmt::format("  the first {} rows sit at negative positions", -offset));
    }
    table("M", *t_.mask, "q", "k");
    table("β", t_.scores, "q", "k");
  }

  void softmax() {
    const auto& sm = *t_.softmax;
    step(scalar() || t_.scores.rows() == 1
             ? "Softmax, α_j = exp(β_j - m) / Σ_j exp(β_j - m), m = the largest score"
             : "Softmax over each row, α[i,j] = exp(β[i,j] - m_i) / Σ_j exp(β[i,j] - m_i)");
    if (detailed(t_.scores.size(), t_.scores.cols()))
      for (std::size_t i = 0; i < t_.scores.rows(); ++i) softmax_row(i);
    if (t_.scores.rows() > 1) table("α", sm.weights, "q", "k");
  }

  void softmax_row(std::size_t i) {
    const auto& sm = *t_.softmax;
    const auto beta = t_.scores.row(i);
    const bool one_row = t_.scores.rows() == 1;
    const std::string ind = one_row ? "  " : "    ";
    // β_j and α_j for a single row; β[i,j] and α[i,j] when there are several
    const auto name = [&](const char* symbol, std::size_t j) {
      return one_row ? fmt::format("{}_{}", symbol, j) : fmt::format("{}[{},{}]", symbol, i, j);
    };
    const std::string m = one_row ? "m" : fmt::format("m_{}", i);
    if (!one_row) line(fmt::format("  row {}:", i));
    if (sm.row_max[i] == neg_inf) {
      line(fmt::format("{}every key is blocked: softmax is undefined, the row gets {}", ind,
                       num(sm.weights(i, 0))));
      return;
    }
    line(fmt::format("{}{} = max {} = {}  (subtracted so that no exp can overflow)", ind, m,
                     vec(beta), num(sm.row_max[i])));
    for (std::size_t j = 0; j < beta.size(); ++j) {
      if (beta[j] == neg_inf) {
        line(fmt::format("{}exp({} - {}) = exp(-inf) = 0  (blocked)", ind, name("β", j), m));
        continue;
      }
      line(fmt::format("{}exp({} - {}) = exp({} - {}) = exp({}) = {}", ind, name("β", j), m,
                       num(beta[j]), factor(sm.row_max[i]), num(t_.shifted(i, j)),
                       num(sm.exps(i, j))));
    }
    line(fmt::format("{}sum = {}", ind, num(sm.row_sum[i])));
    for (std::size_t j = 0; j < beta.size(); ++j) {
      if (beta[j] == neg_inf) continue;
      line(fmt::format("{}{} = {} / {} = {}", ind, name("α", j), num(sm.exps(i, j)),
                       num(sm.row_sum[i]), num(sm.weights(i, j))));
    }
    line(fmt::format("{}check: the row sums to {}", ind, num(sm.weight_sum[i])));
  }

  void output() {
    const Matrix& v = *t_.v;
    const Matrix& alpha = t_.softmax->weights;
    step(fmt::format("Output, o_i = Σ_j α[i,j]·v_j   ({})·({}) → {}", shape_string(alpha),
                     shape_string(v), shape_string(*t_.output)));
    if (detailed(alpha.size(), v.cols())) {
      for (std::size_t i = 0; i < alpha.rows(); ++i) {
        std::vector<std::string> terms;
        for (std::size_t j = 0; j < alpha.cols(); ++j)
          if (alpha(i, j) != 0.0)
            terms.push_back(fmt::format("{}×{}", num(alpha(i, j)), vec(v.row(j))));
        if (terms.empty()) terms.push_back("0");
        line(fmt::format("  o_{} = {}", i, fmt::join(terms, " + ")));
        line(fmt::format("      = {}", vec(t_.output->row(i))));
      }
    }
  }

  std::string result(std::string_view name, const Matrix& m) {
    answer_table(name, m, "q", name == "o" ? "" : "k");
    return take();
  }

  const Trace& t_;
};

}  // namespace

std::string render_steps(const Trace& t, const TextOptions& options) {
  return Solution(t, options).render();
}

std::string render_run(const Run& run, const TextOptions& options) {
  const HeadLayout& layout = run.layout;
  if (layout.heads == 1) return render_steps(run.heads.front().trace, options);
  std::string out = fmt::format(
      "{} query heads sharing {} key/value head{}: query head h reads kv "
      "head ⌊h·{}/{}⌋\n",
      layout.heads, layout.kv_heads, layout.kv_heads == 1 ? "" : "s", layout.kv_heads,
      layout.heads);
  for (const HeadRun& h : run.heads) {
    out += fmt::format("\n=== Head {} of {} (kv head {}) ===\n\n", h.head + 1, layout.heads,
                       h.kv_head + 1);
    out += render_steps(h.trace, options);
  }
  if (run.output && run.heads.size() > 1) {
    out += "\nThe heads' outputs side by side:\n\no =\n";
    out += format_table(*run.output,
                        TableStyle{options.number, index_labels("q", run.output->rows()), {}});
  }
  return out;
}

std::vector<std::string> warnings(const Run& run) {
  std::vector<std::string> out;
  for (const HeadRun& h : run.heads) {
    const Trace& t = h.trace;
    const std::string head =
        run.heads.size() > 1 ? fmt::format("head {}: ", h.head + 1) : std::string();
    if (t.scale && *t.scale < 0 && &h == &run.heads.front())
      out.push_back(
          fmt::format("the scale {} is negative: it inverts the attention, so the "
                      "lowest dot products get the most weight",
                      format_number(*t.scale)));
    if (!t.softmax) continue;
    for (std::size_t i : t.softmax->empty_rows)
      out.push_back(fmt::format("{}row {} has every key blocked: it gets {} (--empty-rows)", head,
                                i, empty_row_outcome(t.softmax->policy)));
  }
  return out;
}

}  // namespace attn
