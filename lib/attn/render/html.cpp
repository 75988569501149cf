#include "attn/render/html.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "attn/core/rules.hpp"
#include "attn/core/version.hpp"
#include "attn/render/explain_cell.hpp"
#include "attn/render/explain_row.hpp"
#include "attn/render/html_assets.hpp"
#include "attn/render/html_grid.hpp"
#include "attn/render/html_page.hpp"
#include "attn/render/svg.hpp"

namespace attn {
namespace {

using html::Json;
using html::number_table;
using html::Page;
using html::plural;

// The formula over each step, as HTML.
constexpr std::string_view kDotFormula =
    "s<sub>ij</sub> = q<sub>i</sub> · k<sub>j</sub> = Σ<sub>t</sub> q<sub>it</sub> k<sub>jt</sub>";
constexpr std::string_view kMaskFormula =
    "β<sub>ij</sub> = … + M<sub>ij</sub>, with M<sub>ij</sub> = 0 where query i may attend key j "
    "and −∞ where it is blocked";
constexpr std::string_view kScoresFormula = "β<sub>ij</sub>, the scores that softmax takes";
constexpr std::string_view kSoftmaxFormula =
    "α<sub>ij</sub> = exp(β<sub>ij</sub> − m<sub>i</sub>) / Σ<sub>j′</sub> exp(β<sub>ij′</sub> − "
    "m<sub>i</sub>), with m<sub>i</sub> = max<sub>j</sub> β<sub>ij</sub> over the unmasked keys";
constexpr std::string_view kOutputFormula =
    "o<sub>i</sub> = Σ<sub>j</sub> α<sub>ij</sub> v<sub>j</sub>";

// One head's steps, each a <section> under its formula; its derivations go into `head`.
class HeadSection {
 public:
  HeadSection(Page& page, const Trace& t, std::string prefix)
      : page_(page), t_(t), prefix_(std::move(prefix)) {}

  std::string render(Json& head) {
    std::string out;
    std::size_t number = 0;
    for (const TraceStep& s : t_.steps()) {
      if (s.kind == StepKind::inputs) {
        out += inputs();
        continue;
      }
      if (s.kind == StepKind::given_scores && !t_.mask) continue;  // the scores step shows it
      if (s.kind == StepKind::rope) {
        out += rope(++number, s);
        continue;
      }
      out += fmt::format("<section class=\"step\" id=\"{}step-{}\">\n<h3>Step {}. {}</h3>\n",
                         prefix_, step_id(s.kind), ++number, s.name);
      out += fmt::format("<p class=\"formula\">{}</p>\n", formula(s));
      out += grids(s);
      out += "</section>\n";
    }
    if (page_.explorable()) derivations(head);
    return out;
  }

 private:
  static std::string_view step_id(StepKind kind) {
    switch (kind) {
      case StepKind::inputs:
        return "inputs";
      case StepKind::rope:
        return "rope";
      case StepKind::given_scores:
        return "given";
      case StepKind::dot:
        return "dot";
      case StepKind::scale:
        return "scale";
      case StepKind::bias:
        return "bias";
      case StepKind::softcap:
        return "softcap";
      case StepKind::mask:
        return "mask";
      case StepKind::scores:
        return "scores";
      case StepKind::softmax:
        return "softmax";
      case StepKind::output:
        break;
    }
    return "output";
  }

  std::string num(double x) const { return xml_escape(format_number(x, page_.number())); }

  std::string formula(const TraceStep& s) const {
    switch (s.kind) {
      case StepKind::dot:
        return std::string(kDotFormula);
      case StepKind::scale:
        return t_.default_scale
                   ? fmt::format(
                         "c · s<sub>ij</sub>, with c = 1/√d<sub>k</sub> = 1/√{} = {}, so that the "
                         "scores keep unit variance",
                         *t_.d_k, num(*t_.scale))
                   : fmt::format("c · s<sub>ij</sub>, with c = {} (given)", num(*t_.scale));
      case StepKind::bias:
        return fmt::format("{} + b<sub>ij</sub>, the positional bias b",
                           t_.softcap_first ? "capped" : "c · s<sub>ij</sub>");
      case StepKind::softcap:
        return fmt::format("C · tanh(x<sub>ij</sub> / C) with C = {}: no score leaves (−C, C)",
                           num(*t_.softcap));
      case StepKind::mask:
        return std::string(kMaskFormula) +
               (t_.mask_label.text.empty()
                    ? std::string(" (a given mask matrix)")
                    : fmt::format("; the mask is <code>{}</code>", xml_escape(t_.mask_label.text)));
      case StepKind::given_scores:
        return "β<sub>ij</sub> as given, before the mask";
      case StepKind::scores:
        return std::string(kScoresFormula);
      case StepKind::softmax:
        return std::string(kSoftmaxFormula);
      case StepKind::output:
        return std::string(kOutputFormula);
      case StepKind::rope: {
        const RopeTrace& r = *t_.rope;
        return fmt::format(
            "θ<sub>i</sub> = {}<sup>−2i/{}</sup>; each pair of q<sub>i</sub> and k<sub>j</sub> "
            "({} pairs) is rotated by the angle p·θ of its position p",
            num(r.options.base), r.rotated, rope_style_name(r.options.style));
      }
      case StepKind::inputs:
        break;
    }
    return {};
  }

  // q and k after the rotation, as tables: what the dot products take.
  std::string rope(std::size_t number, const TraceStep& s) const {
    const RopeTrace& r = *t_.rope;
    std::string out = fmt::format(
        "<section class=\"step\" id=\"{}step-rope\">\n<h3>Step {}. {}</h3>\n<p "
        "class=\"formula\">{}</p>\n",
        prefix_, number, s.name, formula(s));
    if (!page_.explorable()) return out + "<p>Too large to list here.</p>\n</section>\n";
    out += "<div class=\"inputs\">\n";
    out += number_table(r.q_rotated, "q rotated", page_.queries(), page_.number());
    out += number_table(r.k_rotated, "k rotated", page_.keys(), page_.number());
    return out + "</div>\n</section>\n";
  }

  std::string inputs() const {
    std::string out =
        fmt::format("<section class=\"step\" id=\"{}step-inputs\">\n<h3>Inputs</h3>\n", prefix_);
    out += fmt::format(
        "<p class=\"formula\">{}, each query and key of d<sub>k</sub> = {} numbers{}</p>\n",
        t_.v ? "queries q, keys k and values v" : "queries q and keys k", t_.q.cols(),
        t_.v ? fmt::format(", each value of {}", t_.v->cols()) : "");
    if (!page_.explorable())
      return out +
             fmt::format("<p>q is {}×{}, k is {}×{}{}: too large to list here.</p>\n</section>\n",
                         t_.q.rows(), t_.q.cols(), t_.k.rows(), t_.k.cols(),
                         t_.v ? fmt::format(", v is {}×{}", t_.v->rows(), t_.v->cols()) : "");
    out += "<div class=\"inputs\">\n";
    out += number_table(t_.q, "q, the queries", page_.queries(), page_.number());
    out += number_table(t_.k, "k, the keys", page_.keys(), page_.number());
    if (t_.v) out += number_table(*t_.v, "v, the values", page_.keys(), page_.number());
    return out + "</div>\n</section>\n";
  }

  std::string id(std::string_view name) const { return prefix_ + std::string(name); }

  std::string grids(const TraceStep& s) {
    switch (s.kind) {
      case StepKind::dot:
        return page_.grid(page_.scores_grid(id("s"), "s", "dot products", t_.dot, HeatScale::row));
      case StepKind::scale:
        return page_.grid(
            page_.scores_grid(id("cs"), "c·s", "scaled scores", t_.scaled, HeatScale::row));
      case StepKind::bias:
        return page_.grid(
                   page_.scores_grid(id("b"), "b", "the bias", *s.operand, HeatScale::matrix)) +
               page_.grid(page_.scores_grid(id("biased"), std::string(s.symbol), "with the bias",
                                            *s.result, HeatScale::row));
      case StepKind::softcap:
        return page_.grid(
            page_.scores_grid(id("capped"), "capped", "capped scores", *s.result, HeatScale::row));
      case StepKind::mask: {
        HtmlGrid g = page_.scores_grid(id("m"), "M", "the mask", *s.operand, HeatScale::mask);
        return page_.grid(g);
      }
      case StepKind::given_scores:
        return page_.grid(
            page_.scores_grid(id("given"), "β", "given scores", *s.result, HeatScale::row));
      case StepKind::scores: {
        HtmlGrid g = page_.scores_grid(id("beta"), "β", "scores", t_.scores, HeatScale::row);
        g.json = "scores";
        if (t_.softmax) {  // each row's largest unmasked score, m_i, is marked
          g.marked.resize(t_.scores.size());
          for (std::size_t i = 0; i < t_.scores.rows(); ++i)
            for (std::size_t j = 0; j < t_.scores.cols(); ++j)
              g.marked[i * t_.scores.cols() + j] =
                  t_.softmax->row_max[i] != neg_inf && t_.scores(i, j) == t_.softmax->row_max[i];
        }
        return page_.grid(g);
      }
      case StepKind::softmax: {
        blocked_ = t_.weights_with_blocked();
        HtmlGrid g =
            page_.scores_grid(id("alpha"), "α", "weights", t_.softmax->weights, HeatScale::unit);
        g.colours = &blocked_;
        g.json = "weights";
        return page_.grid(g);
      }
      case StepKind::rope:  // tables, written by rope()
        break;
      case StepKind::output: {
        HtmlGrid g = page_.scores_grid(id("o"), "o", "output", *t_.output, HeatScale::matrix);
        g.cols = index_labels("", t_.output->cols());
        g.axes = {"queries i", "entries c of o"};
        g.col_noun = "entry";
        g.story = page_.explorable() ? "entry" : "";
        g.json = "output";
        return page_.grid(g);
      }
      case StepKind::inputs:
        break;
    }
    return {};
  }

  void derivations(Json& head) const {
    const NumberStyle& number = page_.number();
    Json cells = Json::array();
    for (std::size_t i = 0; i < t_.scores.rows(); ++i) {
      Json row = Json::array();
      for (std::size_t j = 0; j < t_.scores.cols(); ++j)
        row.push_back(explain_cell(t_, i, j, number));
      cells.push_back(std::move(row));
    }
    head["cells"] = std::move(cells);
    if (t_.softmax) {
      Json rows = Json::array();
      for (std::size_t i = 0; i < t_.scores.rows(); ++i) rows.push_back(explain_row(t_, i, number));
      head["rows"] = std::move(rows);
    }
    if (t_.output) {
      Json entries = Json::array();
      for (std::size_t i = 0; i < t_.output->rows(); ++i) {
        Json row = Json::array();
        for (std::size_t c = 0; c < t_.output->cols(); ++c)
          row.push_back(explain_output_entry(t_, i, c, number));
        entries.push_back(std::move(row));
      }
      head["entries"] = std::move(entries);
    }
  }

  Page& page_;
  const Trace& t_;
  std::string prefix_;
  Matrix blocked_;  // α with −∞ where blocked: what the weights grid is coloured by
};

std::string title_of(const Run& run) {
  const Trace& t = run.heads.front().trace;
  const std::size_t n_q = t.scores.rows(), n_k = t.scores.cols();
  static constexpr const char* kWhat[] = {"Scores", "Attention weights", "Attention output"};
  std::string title =
      t.given_scores ? fmt::format("Softmax of given scores, {} against {}",
                                   plural(n_q, "row", "rows"), plural(n_k, "key", "keys"))
                     : fmt::format("{} of {} against {}", kWhat[static_cast<int>(t.stage)],
                                   plural(n_q, "query", "queries"), plural(n_k, "key", "keys"));
  if (run.layout.heads > 1) title += fmt::format(", {} heads", run.layout.heads);
  return title;
}

std::string formulas(Stage stage) {
  std::string out =
      "<p class=\"formulas\">β<sub>ij</sub> = q<sub>i</sub> · k<sub>j</sub> / √d<sub>k</sub> + "
      "M<sub>ij</sub>";
  if (stage != Stage::scores) out += " <span class=\"then\">→</span> α = softmax(β)";
  if (stage == Stage::output)
    out += " <span class=\"then\">→</span> " + std::string(kOutputFormula);
  return out + "</p>\n";
}

// "Entry (i, c) of the heads' joint output is entry (i, c′) of head h's": then that entry's story.
Json joint_stories(const Run& run, const NumberStyle& number) {
  Json rows = Json::array();
  for (std::size_t i = 0; i < run.output->rows(); ++i) {
    Json row = Json::array();
    for (const HeadRun& h : run.heads) {
      for (std::size_t c = 0; c < h.trace.output->cols(); ++c)
        row.push_back(fmt::format("Column {} of the joint output is column {} of head {}'s o:\n",
                                  row.size(), c, h.head + 1) +
                      explain_output_entry(h.trace, i, c, number));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace

std::string render_html(const Run& run, const HtmlOptions& options) {
  const Trace& first = run.heads.front().trace;
  Page page(options, first.geometry);
  const std::string title = title_of(run);

  std::string header = fmt::format("<h1>{}</h1>\n", xml_escape(title)) + formulas(first.stage);
  if (!first.mask_label.text.empty())
    header += fmt::format("<p>Mask: <code>{}</code>.</p>\n", xml_escape(first.mask_label.text));
  header += page.how_to(first.softmax.has_value());

  std::string main;
  if (run.heads.size() > 1) {
    main += "<fieldset class=\"heads\">\n<legend>Head</legend>\n";
    for (std::size_t n = 0; n < run.heads.size(); ++n)
      main += fmt::format(
          "<label><input type=\"radio\" name=\"head\" value=\"{}\"{}> head {} (kv head "
          "{})</label>\n",
          n, n == 0 ? " checked" : "", run.heads[n].head + 1, run.heads[n].kv_head + 1);
    main += "</fieldset>\n";
  }
  Json heads = Json::array();
  for (std::size_t n = 0; n < run.heads.size(); ++n) {
    const HeadRun& h = run.heads[n];
    const std::string name =
        run.heads.size() > 1
            ? fmt::format("Head {} of {} (kv head {})", h.head + 1, run.layout.heads, h.kv_head + 1)
            : std::string("The computation");
    Json head{{"name", name}};
    const std::string steps = HeadSection(page, h.trace, fmt::format("h{}-", n)).render(head);
    main += fmt::format(
        "<section class=\"head\" data-head=\"{}\" aria-labelledby=\"h{}-title\"{}>\n<h2 "
        "id=\"h{}-title\">{}</h2>\n{}</section>\n",
        n, n, n == 0 ? "" : " hidden", n, xml_escape(name), steps);
    heads.push_back(std::move(head));
  }
  page.data()["heads"] = std::move(heads);

  if (run.output && run.heads.size() > 1) {
    HtmlGrid g = page.scores_grid("joint-o", "o", "the heads' outputs side by side", *run.output,
                                  HeatScale::matrix);
    g.cols = index_labels("", run.output->cols());
    g.axes = {"queries i", "columns c of the joint output"};
    g.col_noun = "column";
    g.story = page.explorable() ? "joint" : "";
    g.json = "output";
    main += fmt::format(
        "<section class=\"joint\" aria-labelledby=\"joint-title\">\n<h2 id=\"joint-title\">The "
        "heads' outputs side by side</h2>\n<p class=\"formula\">o = [o<sup>(1)</sup> | … | "
        "o<sup>({})</sup>]</p>\n{}</section>\n",
        run.layout.heads, page.grid(g));
    if (page.explorable()) page.data()["joint"] = joint_stories(run, options.number);
  }
  return page.document("attn: " + title, header, main, page.aside(first.softmax.has_value()));
}

std::string render_mask_html(const BoolMatrix& mask, const Geometry& g, const MaskLabel& label,
                             const HtmlOptions& options) {
  Page page(options, g);
  const Matrix additive = to_additive(mask);
  const std::string title = fmt::format("Mask {} on {} and {} ({} alignment)", label.text,
                                        plural(g.n_q, "query", "queries"),
                                        plural(g.n_k, "key", "keys"), align_name(g.align));
  std::string header = fmt::format("<h1>{}</h1>\n", xml_escape(title));
  header += fmt::format(
      "<p class=\"formulas\">M<sub>ij</sub> = 0 where query i may attend key j, −∞ where it is "
      "blocked; it is added to the scores: β<sub>ij</sub> = q<sub>i</sub> · k<sub>j</sub> / "
      "√d<sub>k</sub> + M<sub>ij</sub></p>\n");
  header += page.how_to(false);

  HtmlGrid grid = page.scores_grid("h0-m", "M", "the mask", additive, HeatScale::mask);
  grid.json = "mask";
  const std::string body = page.grid(grid);
  Json head{{"name", "The mask"}};
  if (page.explorable() && label.explain) {
    Json cells = Json::array();
    for (std::size_t i = 0; i < g.n_q; ++i) {
      Json row = Json::array();
      for (std::size_t j = 0; j < g.n_k; ++j) {
        std::string text;
        for (const std::string& line : label.explain(g, i, j)) text += line + "\n";
        row.push_back(std::move(text));
      }
      cells.push_back(std::move(row));
    }
    head["cells"] = std::move(cells);
  }
  page.data()["heads"] = Json::array({std::move(head)});
  const std::string main = fmt::format(
      "<section class=\"head\" data-head=\"0\" aria-labelledby=\"h0-title\">\n<h2 "
      "id=\"h0-title\">The mask <code>{}</code></h2>\n<section class=\"step\" "
      "id=\"h0-step-mask\">\n"
      "<h3>Which keys each query may attend</h3>\n{}</section>\n</section>\n",
      xml_escape(label.text), body);
  return page.document("attn: " + title, header, main, page.aside(false));
}

}  // namespace attn
