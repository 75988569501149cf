#include "attn/render/explain_cell.hpp"

#include <fmt/format.h>

#include "attn/core/error.hpp"
#include "attn/core/rules.hpp"

namespace attn {
namespace {

std::string vec(std::span<const double> v, const NumberStyle& style) {
  std::string out = "[";
  for (std::size_t n = 0; n < v.size(); ++n) out += (n ? ", " : "") + format_number(v[n], style);
  return out + "]";
}

// Builds the story of one cell; each method appends the lines of one step.
class CellStory {
 public:
  CellStory(const Trace& t, std::size_t i, std::size_t j, const NumberStyle& style)
      : t_(t), i_(i), j_(j), style_(style), ij_(fmt::format("{}{}", i, j)) {}

  std::string tell() {
    out_ = fmt::format("Cell (i = {}, j = {}): query {} against key {}\n", i_, j_, i_, j_);
    for (const TraceStep& s : t_.steps()) {
      switch (s.kind) {
        case StepKind::given_scores:
          out_ += fmt::format("  given    the score of cell ({}, {}) is {}\n", i_, j_,
                              num((*s.result)(i_, j_)));
          break;
        case StepKind::dot:
          dot();
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
          out_ += fmt::format("  score    β_{} = {}\n", ij_, num(t_.scores(i_, j_)));
          break;
        case StepKind::softmax:
          softmax();
          break;
        case StepKind::output:
          output();
          break;
        case StepKind::rope:
          rope();
          break;
        case StepKind::inputs:
          break;
      }
    }
    return std::move(out_);
  }

 private:
  std::string num(double x) const { return format_number(x, style_); }
  std::string factor(double x) const { return format_factor(x, style_); }

  // The value the step before this one left in cell (i, j).
  double before(const TraceStep& s) const {
    const auto steps = t_.steps();
    const TraceStep* prev = nullptr;
    for (const TraceStep& x : steps) {
      if (x.kind == s.kind) break;
      if (x.result) prev = &x;
    }
    return (*prev->result)(i_, j_);
  }

  // the rotation of q_i and k_j, pair by pair
  void rope() {
    const RopeTrace& r = *t_.rope;
    out_ += fmt::format("  rope     {} pairs, θ = {}; q_{} at p = {}, k_{} at p = {}\n",
                        rope_style_name(r.options.style), vec(r.frequencies, style_), i_,
                        r.q_positions[i_], j_, r.k_positions[j_]);
    out_ += fmt::format("           q_{} rotated = {}; k_{} rotated = {}\n", i_,
                        vec(r.q_rotated.row(i_), style_), j_, vec(r.k_rotated.row(j_), style_));
  }

  void dot() {
    const Matrix& q = t_.dot_q();
    const Matrix& k = t_.dot_k();
    std::string terms;
    for (std::size_t n = 0; n < q.cols(); ++n)
      terms += fmt::format("{}{}×{}", n ? " + " : "", factor(q(i_, n)), factor(k(j_, n)));
    out_ += fmt::format("  dot      s_{} = q_{} · k_{} = {} = {}\n", ij_, i_, j_, terms,
                        num(t_.dot(i_, j_)));
  }

  void scale() {
    const double c = *t_.scale;
    out_ +=
        t_.default_scale
            ? fmt::format("  scale    c = 1/√d_k = 1/√{} = {}; c · s_{} = {} × {} = {}\n", *t_.d_k,
                          num(c), ij_, num(c), factor(t_.dot(i_, j_)), num(t_.scaled(i_, j_)))
            : fmt::format("  scale    c = {} (given); c · s_{} = {} × {} = {}\n", num(c), ij_,
                          num(c), factor(t_.dot(i_, j_)), num(t_.scaled(i_, j_)));
  }

  void bias(const TraceStep& s) {
    const double b = (*s.operand)(i_, j_);
    out_ += fmt::format("  bias     b_{} = {}; {} + {} = {}\n", ij_, num(b), num(before(s)),
                        factor(b), num((*s.result)(i_, j_)));
  }

  void softcap(const TraceStep& s) {
    const std::string cap = num(*t_.softcap);
    out_ += fmt::format("  softcap  C·tanh(x/C) with C = {}: {}·tanh({}/{}) = {}\n", cap, cap,
                        num(before(s)), cap, num((*s.result)(i_, j_)));
  }

  void mask() {
    const double m = (*t_.mask)(i_, j_);
    out_ += fmt::format("  mask     M_{} = {}{}\n", ij_, num(m),
                        m == neg_inf ? " (blocked)"
                        : m == 0.0   ? " (may attend)"
                                     : "");
    if (!t_.mask_label.explain) {
      out_ += "           from the given mask matrix\n";
      return;
    }
    for (const auto& line : t_.mask_label.explain(t_.geometry, i_, j_))
      out_ += "           " + line + "\n";
  }

  void softmax() {
    const SoftmaxRows& s = *t_.softmax;
    const double m = s.row_max[i_];
    const double alpha = s.weights(i_, j_);
    if (m == neg_inf) {
      out_ += fmt::format(
          "  softmax  row {} has every key blocked, so softmax is undefined; α_{} = {} (the "
          "empty-row policy)\n",
          i_, ij_, num(alpha));
      return;
    }
    const double e = s.exps(i_, j_);
    const double beta = t_.scores(i_, j_);
    out_ += fmt::format("  softmax  m_{} = {} (the largest unmasked score in row {})\n", i_, num(m),
                        i_);
    out_ += fmt::format("           exp(β_{} − m_{}) = exp({}) = {}\n", ij_, i_,
                        beta == neg_inf ? std::string("-inf") : num(t_.shifted(i_, j_)), num(e));
    out_ +=
        fmt::format("           row sum Σ_j exp(β_{}j − m_{}) = {}\n", i_, i_, num(s.row_sum[i_]));
    out_ += fmt::format("  weight   α_{} = {} / {} = {}\n", ij_, num(e), num(s.row_sum[i_]),
                        num(alpha));
  }

  // this key's share of the output
  void output() {
    const Matrix& v = *t_.v;
    const double alpha = t_.softmax->weights(i_, j_);
    std::string shares;
    for (const auto& share : t_.output_shares(i_, j_))
      shares +=
          (shares.empty() ? "" : ", ") +
          (share ? fmt::format("{}%", format_number(*share, NumberStyle{1})) : std::string("–"));
    out_ += fmt::format("  output   α_{} · v_{} = {} × {} = {}\n", ij_, j_, num(alpha),
                        vec(v.row(j_), style_), vec(t_.output_terms(i_, j_), style_));
    out_ += fmt::format("           o_{} = {}; this key's share of each entry: {}\n", i_,
                        vec(t_.output->row(i_), style_), shares);
  }

  const Trace& t_;
  std::size_t i_, j_;
  const NumberStyle& style_;
  std::string ij_;
  std::string out_;
};

}  // namespace

std::string explain_cell(const Trace& t, std::size_t i, std::size_t j, const NumberStyle& style) {
  const Matrix& beta = t.scores;
  if (i >= beta.rows() || j >= beta.cols())
    throw usage_error(fmt::format("--explain {},{}: the cell is outside the {}×{} scores", i, j,
                                  beta.rows(), beta.cols()),
                      fmt::format("rows run from 0 to {} and columns from 0 to {}", beta.rows() - 1,
                                  beta.cols() - 1));
  return CellStory(t, i, j, style).tell();
}

}  // namespace attn
