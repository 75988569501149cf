#include "attn/render/formats.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>

#include "attn/render/json.hpp"

namespace attn {
namespace {

constexpr std::array<std::string_view, 5> kFormatNames{"text", "json", "markdown", "latex", "csv"};

// Matrices with more cells than this keep 3 rows and columns at each edge in Markdown and LaTeX,
// as in the text tables (NumPy's threshold). CSV is data: always whole.
constexpr std::size_t kThreshold = 1000;
constexpr std::size_t kEdge = 3;

// One matrix of a document, with its name as each format writes it.
struct Block {
  std::string tex;   // "\beta"
  std::string text;  // "β"
  std::string csv;   // "beta"
  Matrix m;
  std::vector<std::string> rows, cols;
};

struct Scalar {
  std::string csv;  // "d_k"
  double value;
};

// One step: a heading, its formula (LaTeX math, may be empty), scalars and matrices.
struct Section {
  std::string heading;
  std::string formula;
  std::vector<Scalar> scalars;
  std::vector<Block> blocks;
};

// A titled run of sections: one head's computation, or the heads' joint output.
struct Part {
  std::string title;
  std::vector<Section> sections;
};
using Document = std::vector<Part>;

std::vector<std::optional<std::size_t>> shown(std::size_t n, bool summarise) {
  return shown_indices(n, summarise, kEdge);
}

std::vector<std::string> or_indices(const std::vector<std::string>& labels, std::size_t n,
                                    const std::string& prefix) {
  return labels.size() == n ? labels : index_labels(prefix, n);
}

// ---- LaTeX ----

// −∞ → -\infty; 1e-07 → 1 \times 10^{-7}.
std::string latex_number(double x, const NumberStyle& style) {
  if (std::isnan(x)) return "\\mathrm{NaN}";
  if (std::isinf(x)) return x < 0 ? "-\\infty" : "\\infty";
  const std::string s = format_number(x, style);
  const auto e = s.find('e');
  if (e == std::string::npos) return s;
  return fmt::format("{} \\times 10^{{{}}}", s.substr(0, e), std::atoi(s.c_str() + e + 1));
}

std::string latex_matrix(const Block& b, const NumberStyle& style) {
  const bool summarise = b.m.size() > kThreshold;
  const auto rows = shown(b.m.rows(), summarise);
  const auto cols = shown(b.m.cols(), summarise);
  std::string out;
  if (cols.size() > 10) out += fmt::format("\\setcounter{{MaxMatrixCols}}{{{}}}\n", cols.size());
  out += fmt::format("% {}: rows {}; columns {}\n", b.csv, fmt::join(b.rows, ", "),
                     fmt::join(b.cols, ", "));
  out += fmt::format("\\[\n{} = \\begin{{bmatrix}}\n", b.tex);
  for (const auto& i : rows) {
    std::vector<std::string> cells;
    for (const auto& j : cols)
      cells.push_back(i && j     ? latex_number(b.m(*i, *j), style)
                      : !i && !j ? "\\ddots"
                      : !i       ? "\\vdots"
                                 : "\\cdots");
    out += fmt::format("  {}{}\n", fmt::join(cells, " & "), &i == &rows.back() ? "" : " \\\\");
  }
  return out + "\\end{bmatrix}\n\\]\n";
}

std::string to_latex(const Document& d, const NumberStyle& style, bool standalone) {
  std::string out;
  if (standalone) out += "\\documentclass{article}\n\\usepackage{amsmath}\n\\begin{document}\n";
  for (const auto& part : d) {
    out += fmt::format("{}\\section*{{{}}}\n", &part == &d.front() ? "" : "\n",
                       latex_escape(part.title));
    for (const auto& s : part.sections) {
      out += fmt::format("\n\\subsection*{{{}}}\n", latex_escape(s.heading));
      if (!s.formula.empty()) out += fmt::format("\\[\n{}\n\\]\n", s.formula);
      for (const auto& b : s.blocks) out += latex_matrix(b, style);
    }
  }
  if (standalone) out += "\n\\end{document}\n";
  return out;
}

// ---- Markdown ----

std::string md_cell(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

std::string md_number(double x, const NumberStyle& style) {
  if (x == -INFINITY) return "−∞";
  return format_number(x, style);
}

std::string md_table(const Block& b, const NumberStyle& style) {
  const bool summarise = b.m.size() > kThreshold;
  const auto rows = shown(b.m.rows(), summarise);
  const auto cols = shown(b.m.cols(), summarise);
  std::string header = "| " + md_cell(b.text) + " |", rule = "|---|";
  for (const auto& j : cols) {
    header += " " + (j ? md_cell(b.cols[*j]) : std::string("…")) + " |";
    rule += "---:|";
  }
  std::string out = header + "\n" + rule + "\n";
  for (const auto& i : rows) {
    out += "| " + (i ? md_cell(b.rows[*i]) : std::string("⋮")) + " |";
    for (const auto& j : cols)
      out += " " + (i && j ? md_number(b.m(*i, *j), style) : std::string("…")) + " |";
    out += "\n";
  }
  return out;
}

std::string to_markdown(const Document& d, const NumberStyle& style) {
  std::string out;
  for (const auto& part : d) {
    out += fmt::format("{}## {}\n", &part == &d.front() ? "" : "\n", part.title);
    for (const auto& s : part.sections) {
      out += fmt::format("\n### {}\n", s.heading);
      if (!s.formula.empty()) out += fmt::format("\n```math\n{}\n```\n", s.formula);
      for (const auto& b : s.blocks) out += "\n" + md_table(b, style);
    }
  }
  return out;
}

// ---- CSV ----

// RFC 4180: quote a field holding a comma, a quote, CR or LF; double the quotes inside.
std::string csv_field(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string csv_block(const Block& b) {
  std::string out = csv_field(b.csv);
  for (const auto& c : b.cols) out += "," + csv_field(c);
  out += "\r\n";
  for (std::size_t i = 0; i < b.m.rows(); ++i) {
    out += csv_field(b.rows[i]);
    for (double x : b.m.row(i)) out += "," + format_exact(x);
    out += "\r\n";
  }
  return out;
}

std::string to_csv(const Document& d) {
  std::vector<std::string> blocks;
  std::string scalars;
  for (const auto& part : d)
    for (const auto& s : part.sections)
      for (const auto& v : s.scalars)
        scalars += csv_field(v.csv) + "," + format_exact(v.value) + "\r\n";
  if (!scalars.empty()) blocks.push_back("quantity,value\r\n" + scalars);
  for (const auto& part : d)
    for (const auto& s : part.sections)
      for (const auto& b : s.blocks) blocks.push_back(csv_block(b));
  std::string out;
  for (std::size_t k = 0; k < blocks.size(); ++k) out += (k ? "\r\n" : "") + blocks[k];
  return out;
}

std::string write(const Document& d, Format f, const FormatOptions& o) {
  switch (f) {
    case Format::markdown:
      return to_markdown(d, o.number);
    case Format::latex:
      return to_latex(d, o.number, o.standalone);
    default:
      break;
  }
  return to_csv(d);
}

// ---- The trace as a document ----

class TraceDocument {
 public:
  // `csv_prefix` ("h1.") tells one head's CSV blocks from another's.
  TraceDocument(const Trace& t, const FormatOptions& o, std::string csv_prefix = {})
      : t_(t), o_(o), prefix_(std::move(csv_prefix)) {
    const std::size_t n_q = t.scores.rows(), n_k = t.scores.cols();
    queries_ = or_indices(o.query_labels, n_q, "q");
    keys_ = or_indices(o.key_labels, n_k, "k");
  }

  // One section per step of the trace, in its order.
  Part build() {
    static constexpr const char* kWhat[] = {"Scores", "Attention weights", "Attention output"};
    const std::size_t n_q = t_.scores.rows(), n_k = t_.scores.cols();
    d_.title =
        t_.given_scores
            ? fmt::format("Softmax of given scores ({} row{} of {})", n_q, n_q == 1 ? "" : "s", n_k)
            : fmt::format("{} of {} quer{} against {} key{}", kWhat[static_cast<int>(t_.stage)],
                          n_q, n_q == 1 ? "y" : "ies", n_k, n_k == 1 ? "" : "s");
    for (const TraceStep& step : t_.steps()) {
      switch (step.kind) {
        case StepKind::inputs:
          inputs();
          break;
        case StepKind::rope: {
          const RopeTrace& r = *t_.rope;
          auto& sec = section(std::string(step.name),
                              fmt::format("\\theta_i = {}^{{-2i/{}}}, \\quad x \\mapsto "
                                          "R(p\\,\\theta)\\,x \\text{{ ({} pairs)}}",
                                          latex_number(r.options.base, o_.number), r.rotated,
                                          rope_style_name(r.options.style)));
          sec.blocks.push_back(
              block("q_{\\mathrm{rot}}", "q rotated", "q_rotated", r.q_rotated, queries_));
          sec.blocks.push_back(
              block("k_{\\mathrm{rot}}", "k rotated", "k_rotated", r.k_rotated, keys_));
          break;
        }
        case StepKind::given_scores:
          section(std::string(step.name))
              .blocks.push_back(scores_block("\\beta", "β", "beta", *step.result));
          break;
        case StepKind::dot:
          section(std::string(step.name), "s_{ij} = q_i \\cdot k_j")
              .blocks.push_back(scores_block("s", "s", "s", *step.result));
          break;
        case StepKind::scale:
          scale();
          break;
        case StepKind::bias:
          section(std::string(step.name),
                  t_.softcap_first ? "\\beta = C \\tanh(c\\,s / C) + b" : "\\beta = c\\,s + b")
              .blocks.push_back(scores_block("b", "b", "b", *step.operand));
          break;
        case StepKind::softcap:
          section(std::string(step.name),
                  fmt::format("\\beta \\leftarrow C \\tanh(\\beta / C), \\quad C = {}",
                              latex_number(*t_.softcap, o_.number)))
              .scalars.push_back({prefix_ + "softcap", *t_.softcap});
          break;
        case StepKind::mask: {
          const std::string& text = t_.mask_label.text;
          section(text.empty() ? std::string("Mask") : "Mask: " + text,
                  "\\beta = \\ldots + M, \\quad M_{ij} \\in \\{0, -\\infty\\}")
              .blocks.push_back(scores_block("M", "M", "M", *step.operand));
          break;
        }
        case StepKind::scores:
          section(std::string(step.name))
              .blocks.push_back(scores_block("\\beta", "β", "beta", *step.result));
          break;
        case StepKind::softmax:
          section(std::string(step.name),
                  "\\alpha_{ij} = \\frac{\\exp(\\beta_{ij} - m_i)}{\\sum_{j'} "
                  "\\exp(\\beta_{ij'} - m_i)}, \\quad m_i = \\max_j \\beta_{ij}")
              .blocks.push_back(scores_block("\\alpha", "α", "alpha", *step.result));
          break;
        case StepKind::output:
          section(std::string(step.name), "o_i = \\sum_j \\alpha_{ij} v_j")
              .blocks.push_back(block("o", "o", "o", *step.result, queries_));
          break;
      }
    }
    return std::move(d_);
  }

 private:
  Section& section(std::string heading, std::string formula = {}) {
    return d_.sections.emplace_back(Section{std::move(heading), std::move(formula), {}, {}});
  }
  Block block(std::string tex, std::string text, std::string csv, const Matrix& m,
              std::vector<std::string> rows) const {
    return {std::move(tex),  std::move(text),           prefix_ + csv, m,
            std::move(rows), index_labels("", m.cols())};
  }
  Block scores_block(std::string tex, std::string text, std::string csv, const Matrix& m) const {
    return {std::move(tex), std::move(text), prefix_ + csv, m, queries_, keys_};
  }

  void inputs() {
    auto& s = section("Inputs");
    s.blocks.push_back(block("q", "q", "q", t_.q, queries_));
    s.blocks.push_back(block("k", "k", "k", t_.k, keys_));
    if (t_.v) s.blocks.push_back(block("v", "v", "v", *t_.v, keys_));
  }

  void scale() {
    const std::string c = latex_number(*t_.scale, o_.number);
    const std::size_t d_k = *t_.d_k;
    std::string formula = t_.default_scale
                              ? fmt::format(
                                    "d_k = {}, \\quad c = \\frac{{1}}{{\\sqrt{{d_k}}}} = "
                                    "\\frac{{1}}{{\\sqrt{{{}}}}} = {}",
                                    d_k, d_k, c)
                              : fmt::format("d_k = {}, \\quad c = {}", d_k, c);
    auto& s = section("Scale", std::move(formula));
    s.scalars.push_back({prefix_ + "d_k", static_cast<double>(d_k)});
    s.scalars.push_back({prefix_ + "scale", *t_.scale});
    s.blocks.push_back(scores_block("c\\,s", "c·s", "cs", t_.scaled));
  }

  const Trace& t_;
  const FormatOptions& o_;
  std::string prefix_;
  std::vector<std::string> queries_, keys_;
  Part d_;
};

Document single(const Matrix& m, const MatrixLabels& labels, std::string_view name) {
  // the names attn uses, spelled for LaTeX and CSV; any other name is used as it is
  static constexpr std::array<std::array<std::string_view, 3>, 3> kSpelling{
      {{"β", "\\beta", "beta"}, {"α", "\\alpha", "alpha"}, {"c·s", "c\\,s", "cs"}}};
  const std::string n = name.empty() ? std::string("A") : std::string(name);
  std::string tex = n, csv = n;
  for (const auto& [text, t, c] : kSpelling)
    if (n == text) tex = t, csv = c;
  Block b{
      tex, n, csv, m, or_indices(labels.rows, m.rows(), ""), or_indices(labels.cols, m.cols(), "")};
  return {Part{n, {Section{{}, {}, {}, {std::move(b)}}}}};
}

// A lone matrix: no title or headings, just the table, display or CSV block.
std::string write_single(const Document& d, Format f, const FormatOptions& o) {
  const Block& b = d.front().sections.front().blocks.front();
  switch (f) {
    case Format::markdown:
      return md_table(b, o.number);
    case Format::latex: {
      const std::string body = latex_matrix(b, o.number);
      return o.standalone ? "\\documentclass{article}\n\\usepackage{amsmath}\n\\begin{document}\n" +
                                body + "\\end{document}\n"
                          : body;
    }
    default:
      break;
  }
  return csv_block(b);
}

}  // namespace

std::string latex_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '\\':
        out += "\\textbackslash{}";
        break;
      case '&':
      case '%':
      case '$':
      case '#':
      case '_':
      case '{':
      case '}':
        out += '\\';
        out += c;
        break;
      case '~':
        out += "\\textasciitilde{}";
        break;
      case '^':
        out += "\\textasciicircum{}";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::span<const std::string_view> format_names() {
  return kFormatNames;
}

std::optional<Format> parse_format(std::string_view text) {
  for (std::size_t i = 0; i < kFormatNames.size(); ++i)
    if (text == kFormatNames[i]) return static_cast<Format>(i);
  return std::nullopt;
}

std::string format_exact(double x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x < 0 ? "-inf" : "inf";
  return fmt::format("{}", x);
}

std::string render_matrix(const Matrix& m, Format f, const FormatOptions& options,
                          const MatrixLabels& labels, std::string_view name) {
  if (f == Format::json) return matrix_to_json(m).dump() + "\n";
  if (f == Format::text) {
    TableStyle style{options.number, labels.rows, labels.cols};
    return (name.empty() ? std::string() : fmt::format("{} =\n", name)) + format_table(m, style);
  }
  return write_single(single(m, labels, name), f, options);
}

std::string render_mask_matrix(const BoolMatrix& mask, Format f, const FormatOptions& options,
                               const MatrixLabels& labels, std::string_view name) {
  if (f == Format::json) {
    auto rows = nlohmann::ordered_json::array();
    for (std::size_t i = 0; i < mask.rows(); ++i) {
      auto row = nlohmann::ordered_json::array();
      for (std::size_t j = 0; j < mask.cols(); ++j) row.push_back(mask(i, j));
      rows.push_back(std::move(row));
    }
    return rows.dump() + "\n";
  }
  Matrix ones(mask.rows(), mask.cols());
  for (std::size_t i = 0; i < mask.rows(); ++i)
    for (std::size_t j = 0; j < mask.cols(); ++j) ones(i, j) = mask(i, j) ? 1.0 : 0.0;
  return render_matrix(ones, f, options, labels, name);
}

std::string render_trace(const Trace& t, Format f, const FormatOptions& options) {
  if (f == Format::json) return trace_to_json(t).dump() + "\n";
  if (f == Format::text) {
    TextOptions text = options.text;
    text.number = options.number;
    return render_steps(t, text);
  }
  return write({TraceDocument(t, options).build()}, f, options);
}

std::string render_result(const Run& run, Format f, const FormatOptions& options) {
  if (f == Format::json) return run_to_json(run).dump() + "\n";
  if (f == Format::text) {
    TextOptions text = options.text;
    text.number = options.number;
    return render_run(run, text);
  }
  if (run.heads.size() == 1) return render_trace(run.heads.front().trace, f, options);
  Document d;
  for (const HeadRun& h : run.heads) {
    Part part = TraceDocument(h.trace, options, fmt::format("h{}.", h.head + 1)).build();
    part.title = fmt::format("Head {} of {} (kv head {}): {}", h.head + 1, run.layout.heads,
                             h.kv_head + 1, part.title);
    d.push_back(std::move(part));
  }
  if (run.output) {
    const auto queries = or_indices(options.query_labels, run.output->rows(), "q");
    d.push_back(Part{"The heads' outputs side by side",
                     {Section{"Output",
                              "o = [\\, o^{(1)} \\mid \\cdots \\mid o^{(H)} \\,]",
                              {},
                              {Block{"o", "o", "o", *run.output, queries,
                                     index_labels("", run.output->cols())}}}}});
  }
  return write(d, f, options);
}

}  // namespace attn
