#include "attn/jobs/tensor_attend.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <span>
#include <variant>
#include <vector>

#include "attn/core/error.hpp"
#include "attn/core/matrix.hpp"
#include "attn/core/rules.hpp"
#include "attn/io/npy.hpp"
#include "attn/io/npz.hpp"
#include "attn/kernel/streaming.hpp"
#include "attn/mask/expr.hpp"
#include "attn/render/format.hpp"

namespace attn {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

bool ends_with_ci(std::string_view text, std::string_view suffix) {
  if (text.size() < suffix.size()) return false;
  return std::equal(
      suffix.begin(), suffix.end(), text.end() - static_cast<long>(suffix.size()),
      [](char a, char b) { return a == std::tolower(static_cast<unsigned char>(b)); });
}

// "f.npz" -> (f.npz, role); "f.npz:x" -> (f.npz, x); anything else is a .npy path.
struct Source {
  std::string path;
  std::optional<std::string> member;
};

Source parse_source(const std::string& text, std::string_view role) {
  if (ends_with_ci(text, ".npz")) return {text, std::string(role)};
  const auto colon = text.rfind(':');
  if (colon != std::string::npos && ends_with_ci(std::string_view(text).substr(0, colon), ".npz"))
    return {text.substr(0, colon), text.substr(colon + 1)};
  return {text, std::nullopt};
}

// One operand as read, and the name its messages use.
struct Operand {
  std::string name;
  npy::NpyArray array;
};

Operand read_operand(const std::string& text, std::string_view role) {
  if (text.empty())
    throw usage_error(fmt::format("attend needs --{} with a .npy file", role),
                      "give --q, --k and --v as .npy files, or --q FILE.npz holding q, k and v");
  const Source s = parse_source(text, role);
  if (s.member) return {fmt::format("{}:{}.npy", s.path, *s.member), npz::read(s.path, *s.member)};
  return {s.path, npy::read(s.path)};
}

template <class T>
void require_finite(std::span<const T> values, std::size_t cols, const std::string& name,
                    std::string_view role, std::string_view why) {
  const auto at = npy::first_non_finite(values);
  if (!at) return;
  throw data_error(fmt::format("{}: {} at row {}, column {} is {}{}", name, role, *at / cols,
                               *at % cols, values[*at], why),
                   fmt::format("attention needs finite inputs: check np.isfinite({}).all()", role));
}

void check_finite(const Operand& op, std::string_view role) {
  std::visit(
      [&](const auto& v) {
        require_finite<typename std::decay_t<decltype(v)>::value_type>(v, op.array.cols, op.name,
                                                                       role, "");
      },
      op.array.values);
}

std::string dims_text(std::size_t rows, std::size_t cols) {
  return fmt::format("{}×{}", rows, cols);
}

// Rows to recompute directly as a check: the first, last and two between.
std::vector<std::size_t> sample_rows(std::size_t n) {
  std::vector<std::size_t> rows{0, n / 3, 2 * n / 3, n - 1};
  std::ranges::sort(rows);
  rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
  return rows;
}

// Row i of the output recomputed the plain way in double: scores, max, exp, sum, weights, Σ α v.
// Returns the largest difference from got (relative to max(1, |o|)) and |Σ_j α_ij − 1|, or
// nothing for a fully blocked row.
struct RowCheck {
  double difference = 0;
  double sum_error = 0;
};
template <class T>
std::optional<RowCheck> recompute_row(std::span<const T> q, std::span<const T> k,
                                      std::span<const T> v, const AttentionDims& d, double scale,
                                      const MaskExpr& mask, const Geometry& g, std::size_t i,
                                      std::span<const T> got) {
  const std::int64_t p = g.position(i);
  std::vector<double> s(d.n_k, neg_inf);
  double m = neg_inf;
  for (std::size_t j = 0; j < d.n_k; ++j) {
    if (!mask.allows(i, p, static_cast<std::int64_t>(j))) continue;
    double dot = 0;
    for (std::size_t t = 0; t < d.d_k; ++t)
      dot += static_cast<double>(q[i * d.d_k + t]) * static_cast<double>(k[j * d.d_k + t]);
    s[j] = scale * dot;
    m = std::max(m, s[j]);
  }
  if (m == neg_inf) return std::nullopt;
  double sum = 0;
  for (double& x : s) sum += x = std::exp(x - m);
  std::vector<double> o(d.d_v, 0.0);
  double weights = 0;
  for (std::size_t j = 0; j < d.n_k; ++j) {
    const double a = s[j] / sum;
    weights += a;
    if (a != 0.0)
      for (std::size_t t = 0; t < d.d_v; ++t) o[t] += a * static_cast<double>(v[j * d.d_v + t]);
  }
  RowCheck c;
  c.sum_error = std::abs(weights - 1.0);
  for (std::size_t t = 0; t < d.d_v; ++t)
    c.difference = std::max(c.difference, std::abs(static_cast<double>(got[i * d.d_v + t]) - o[t]) /
                                              std::max(1.0, std::abs(o[t])));
  return c;
}

// The top-left corner of the output, at most 4 × 6.
template <class T>
Matrix corner(std::span<const T> out, std::size_t rows, std::size_t cols) {
  Matrix c(std::min<std::size_t>(rows, 4), std::min<std::size_t>(cols, 6));
  for (std::size_t i = 0; i < c.rows(); ++i)
    for (std::size_t t = 0; t < c.cols(); ++t) c(i, t) = static_cast<double>(out[i * cols + t]);
  return c;
}

std::string corner_text(const Matrix& shown, const AttentionDims& d) {
  std::string text =
      fmt::format("o[:{}, :{}] of {}:\n", shown.rows(), shown.cols(), dims_text(d.n_q, d.d_v));
  text += format_table(shown);
  if (shown.rows() < d.n_q || shown.cols() < d.d_v)
    text += fmt::format("(give --output o.npy to save all {} values)\n", d.n_q * d.d_v);
  return text;
}

struct Inputs {
  Operand q, k, v;
};

Inputs read_inputs(const TensorJob& job) {
  // --q qkv.npz alone: k and v from the same archive
  const Source q_source = parse_source(job.q, "q");
  const bool one_archive = job.k.empty() && job.v.empty() && q_source.member.has_value();
  Operand q = read_operand(job.q, "q");
  Operand k = read_operand(one_archive ? q_source.path : job.k, "k");
  Operand v = read_operand(one_archive ? q_source.path : job.v, "v");
  return {std::move(q), std::move(k), std::move(v)};
}

}  // namespace

bool is_tensor_path(const std::string& text) {
  return ends_with_ci(text, ".npy") || parse_source(text, "q").member.has_value();
}

TensorSummary run_tensor_attend(const TensorJob& job) {
  const auto start = Clock::now();
  const MaskExpr mask = job.mask ? MaskExpr::parse(*job.mask) : MaskExpr::full();

  Inputs in = read_inputs(job);
  check_finite(in.q, "q");
  check_finite(in.k, "k");
  check_finite(in.v, "v");
  const AttentionDims d = check_shapes(in.q.array.rows, in.q.array.cols, in.k.array.rows,
                                       in.k.array.cols, in.v.array.rows, in.v.array.cols);
  check_not_empty("q", d.n_q * d.d_k, in.q.name, npy::shape_repr(in.q.array.shape));
  check_not_empty("k", d.n_k, in.k.name, npy::shape_repr(in.k.array.shape));
  check_not_empty("v", d.d_v, in.v.name, npy::shape_repr(in.v.array.shape));
  const Geometry g{d.n_q, d.n_k, job.align};
  mask.check_fits(g);
  const double scale = resolve_scale(job.scale, d.d_k);
  const bool f32 = job.dtype == DTypeChoice::f32;
  const npy::DType out_type = f32 ? npy::DType::f32 : npy::DType::f64;

  TensorSummary summary;
  summary.n_q = d.n_q;
  summary.n_k = d.n_k;
  summary.d_k = d.d_k;
  summary.d_v = d.d_v;
  summary.streamed = !job.scores_out && !job.weights_out;

  std::string text =
      fmt::format("attend: q {} ({}), k {} ({}), v {} ({}) in {}\n", dims_text(d.n_q, d.d_k),
                  in.q.name, dims_text(d.n_k, d.d_k), in.k.name, dims_text(d.n_k, d.d_v), in.v.name,
                  f32 ? "float32" : "float64");
  text +=
      fmt::format("mask {} ({} alignment), scale {}{}\n", mask.to_string(), align_name(job.align),
                  format_number(scale), job.scale ? "" : fmt::format(" (1/√{})", d.d_k));

  std::vector<std::size_t> empty_rows;
  std::string compute_note;
  double compute_seconds = 0, write_seconds = 0;
  const double read_seconds = seconds_since(start);
  std::vector<std::string> written;

  const auto write_timed = [&](const auto& write_file, const std::string& path) {
    const auto t0 = Clock::now();
    write_file();
    write_seconds += seconds_since(t0);
    written.push_back(path);
  };

  if (summary.streamed) {
    StreamingOptions opt;
    opt.mask = mask;
    opt.align = job.align;
    opt.scale = scale;
    opt.empty_rows = job.empty_rows;
    opt.threads = job.threads;
    // The output corner, or empty when the whole output went to a file.
    const auto run = [&](auto tag) {
      using T = decltype(tag);
      std::vector<float> qf, kf, vf;
      Matrix qm, km, vm;
      std::span<const T> q, k, v;
      if constexpr (std::is_same_v<T, float>) {
        qf = std::move(in.q.array).to_f32();
        kf = std::move(in.k.array).to_f32();
        vf = std::move(in.v.array).to_f32();
        // float64 values beyond float32's range become ±∞ when narrowed
        constexpr std::string_view why = ", beyond float32's range (use --dtype f64)";
        require_finite<float>(qf, d.d_k, in.q.name, "q", why);
        require_finite<float>(kf, d.d_k, in.k.name, "k", why);
        require_finite<float>(vf, d.d_v, in.v.name, "v", why);
        q = qf, k = kf, v = vf;
      } else {
        qm = std::move(in.q.array).to_matrix();
        km = std::move(in.k.array).to_matrix();
        vm = std::move(in.v.array).to_matrix();
        q = qm.values(), k = km.values(), v = vm.values();
      }
      std::vector<T> out(d.n_q * d.d_v);
      const auto t0 = Clock::now();
      const StreamingReport report = attend_streaming(q, k, v, d, std::span<T>(out), opt);
      compute_seconds = seconds_since(t0);
      compute_note = fmt::format("{}, {} thread{}", vector_unit_name(report.unit), report.threads,
                                 report.threads == 1 ? "" : "s");
      empty_rows = report.empty_rows;
      text += fmt::format(
          "streamed in 64×64 tiles: {} of {} key tiles computed ({} partly masked), {} skipped as "
          "wholly blocked\n",
          report.tiles_computed, report.tiles_computed + report.tiles_skipped, report.tiles_masked,
          report.tiles_skipped);

      // the check: a few rows recomputed the plain way, in double
      double diff = 0, sum_error = 0;
      const std::vector<std::size_t> rows = sample_rows(d.n_q);
      for (std::size_t i : rows)
        if (auto c = recompute_row<T>(q, k, v, d, scale, mask, g, i, out)) {
          diff = std::max(diff, c->difference);
          sum_error = std::max(sum_error, c->sum_error);
        }
      const double bound = f32 ? 1e-4 : 1e-12;
      text += fmt::format(
          "check: rows {} recomputed directly in float64 {}; their weights sum to 1{}\n",
          fmt::join(rows, ", "),
          diff <= bound ? fmt::format("agree within {:g}", bound)
                        : fmt::format("DIFFER by up to {:.3g}", diff),
          sum_error <= 1e-12 ? " within 1e-12" : fmt::format(" ± {:.3g}", sum_error));

      const Matrix shown = corner<T>(out, d.n_q, d.d_v);
      if (job.output) {
        if constexpr (std::is_same_v<T, float>)
          write_timed([&] { npy::write_f32(*job.output, d.n_q, d.d_v, out); }, *job.output);
        else
          write_timed([&] { npy::write(*job.output, Matrix(d.n_q, d.d_v, std::move(out))); },
                      *job.output);
      }
      return shown;
    };
    const Matrix shown = f32 ? run(float{}) : run(double{});
    summary.text = std::move(text);
    if (!job.output) summary.text += corner_text(shown, d);
  } else {
    Problem p;
    p.q = std::move(in.q.array).to_matrix();
    p.k = std::move(in.k.array).to_matrix();
    p.v = std::move(in.v.array).to_matrix();
    p.scale = scale;
    if (!mask.is_full()) p.mask = to_additive(mask.evaluate(g));
    p.empty_rows = job.empty_rows;
    const auto t0 = Clock::now();
    const Trace t = run_attention(p, Stage::output);
    compute_seconds = seconds_since(t0);
    compute_note = "step path, 1 thread";
    empty_rows = t.softmax->empty_rows;
    double sum_error = 0;
    for (std::size_t i = 0; i < d.n_q; ++i) {
      if (std::ranges::binary_search(empty_rows, i)) continue;
      double s = 0;
      for (double a : t.softmax->weights.row(i)) s += a;
      sum_error = std::max(sum_error, std::abs(s - 1.0));
    }
    text += fmt::format("step path: the {}×{} scores and weights kept\n", d.n_q, d.n_k);
    text += fmt::format("check: every row's weights sum to 1{}\n",
                        sum_error <= 1e-12 ? " within 1e-12" : fmt::format(" ± {:.3g}", sum_error));
    if (job.scores_out)
      write_timed([&] { npy::write(*job.scores_out, t.scores, out_type); }, *job.scores_out);
    if (job.weights_out)
      write_timed([&] { npy::write(*job.weights_out, t.softmax->weights, out_type); },
                  *job.weights_out);
    if (job.output) write_timed([&] { npy::write(*job.output, *t.output, out_type); }, *job.output);
    summary.text = std::move(text);
    if (!job.output)
      summary.text += corner_text(corner<double>(t.output->values(), d.n_q, d.d_v), d);
  }

  if (!empty_rows.empty())
    summary.text += fmt::format("rows with every key blocked: {} ({}), {}\n", empty_rows.size(),
                                row_list(empty_rows), empty_row_output(job.empty_rows));
  for (const std::string& path : written) summary.text += fmt::format("wrote {}\n", path);

  summary.read_seconds = read_seconds;
  summary.compute_seconds = compute_seconds;
  summary.write_seconds = write_seconds;
  if (job.timing)
    summary.timing = fmt::format(
        "timing: read {:.3f} s, compute {:.3f} s ({}), write {:.3f} s, total {:.3f} s",
        read_seconds, compute_seconds, compute_note, write_seconds, seconds_since(start));
  return summary;
}

}  // namespace attn
