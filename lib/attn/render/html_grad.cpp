#include "attn/render/html_grad.hpp"

#include <fmt/format.h>

#include "attn/render/grad_text.hpp"
#include "attn/render/html_page.hpp"
#include "attn/render/svg.hpp"

namespace attn {
namespace {

using html::Json;
using html::Page;

// What one grid of the backward page shows: its matrix, what its rows and columns are, the
// derivation its cells carry ("dq", "dk", "dv", "dalpha", "dbeta" or none) and its name in --json
// (or none).
struct GradGrid {
  std::string id, symbol, name;
  const Matrix* m = nullptr;
  bool key_rows = false;         // rows are keys (dV, dk), else queries
  std::string col_noun = "key";  // "key", "entry", "dimension"
  std::string cols_title;        // the column axis
  std::string story, json;
};

class GradPage {
 public:
  GradPage(Page& page, bool per_head_json) : page_(page), per_head_json_(per_head_json) {}

  std::string grid(const GradGrid& s) {
    HtmlGrid g;
    g.id = s.id;
    g.symbol = s.symbol;
    g.name = s.name;
    g.values = s.m;
    g.scale = s.col_noun == "key" ? HeatScale::row : HeatScale::matrix;
    g.rows = s.key_rows ? page_.keys() : page_.queries();
    g.cols = s.col_noun == "key" ? page_.keys() : index_labels("", s.m->cols());
    g.axes = {s.key_rows ? "keys j" : "queries i", s.cols_title};
    g.row_noun = s.key_rows ? "key" : "query";
    g.col_noun = s.col_noun;
    g.story = page_.explorable() ? s.story : "";
    g.json = s.json;
    return page_.grid(g);
  }

  std::string step(const std::string& id, std::size_t number, std::string_view name,
                   const std::string& formula, const std::string& grids) const {
    return fmt::format(
        "<section class=\"step\" id=\"{}\">\n<h3>Step {}. {}</h3>\n<p class=\"formula\">{}</p>\n"
        "{}</section>\n",
        id, number, name, formula, grids);
  }

  std::string num(double x) const { return xml_escape(format_number(x, page_.number())); }

  std::string loss_formula(const Loss& loss) const {
    switch (loss.kind) {
      case LossKind::sum:
        return fmt::format(
            "L = Σ<sub>ic</sub> o<sub>ic</sub> = {}, so dO = ∂L/∂o = 1 in every entry",
            num(*loss.value));
      case LossKind::mse:
        return fmt::format(
            "L = ½ Σ<sub>ic</sub> (o<sub>ic</sub> − T<sub>ic</sub>)² = {}, so dO = ∂L/∂o = o − T",
            num(*loss.value));
      case LossKind::given:
        break;
    }
    return "dO = ∂L/∂o, the upstream gradient, as given";
  }

  // One head's inputs, forward weights and backward steps; its derivations go into `head`.
  std::string head(const Trace& t, const GradTrace& g, const Loss& loss, bool show_dbias,
                   const std::string& p, Json& head) {
    std::string out = fmt::format(
        "<section class=\"step\" id=\"{}step-inputs\">\n<h3>Inputs and "
        "the forward pass</h3>\n",
        p);
    out += fmt::format(
        "<p class=\"formula\">q, k and v; the forward pass gave the weights α = softmax(β) and "
        "the output o = α v</p>\n");
    if (page_.explorable()) {
      out += "<div class=\"inputs\">\n";
      out += html::number_table(t.q, "q, the queries", page_.queries(), page_.number());
      out += html::number_table(t.k, "k, the keys", page_.keys(), page_.number());
      out += html::number_table(*t.v, "v, the values", page_.keys(), page_.number());
      out += "</div>\n";
    }
    blocked_ = t.weights_with_blocked();
    HtmlGrid alpha =
        page_.scores_grid(p + "alpha", "α", "weights", t.softmax->weights, HeatScale::unit);
    alpha.colours = &blocked_;
    alpha.story = "";
    alpha.json = "weights";
    out += page_.grid(alpha) + "</section>\n";

    std::size_t n = 0;
    const std::string entries = "entries c of o";
    out += step(p + "step-do", ++n, "The upstream gradient dO", loss_formula(loss),
                grid({p + "do", "dO", "the upstream gradient", &g.d_out, false, "entry", entries,
                      "", per_head_json_ ? "do" : ""}));
    out += step(p + "step-dv", ++n, "The gradient of v",
                "dV<sub>jc</sub> = Σ<sub>i</sub> α<sub>ij</sub> dO<sub>ic</sub>: dV = "
                "α<sup>T</sup> dO",
                grid({p + "dv", "dV", "the gradient of v", &g.dv, true, "entry", "entries c of v",
                      "dv", per_head_json_ ? "dv" : ""}));
    out += step(p + "step-dalpha", ++n, "The gradient of the weights",
                "dα<sub>ij</sub> = Σ<sub>c</sub> dO<sub>ic</sub> v<sub>jc</sub>: dα = dO "
                "v<sup>T</sup>",
                grid({p + "dalpha", "dα", "the gradient of the weights", &g.dalpha, false, "key",
                      "keys j", "dalpha", "dalpha"}));
    out += step(p + "step-dbeta", ++n, "Back through the softmax",
                "dβ<sub>ij</sub> = α<sub>ij</sub> (dα<sub>ij</sub> − D<sub>i</sub>), with "
                "D<sub>i</sub> = Σ<sub>l</sub> α<sub>il</sub> dα<sub>il</sub>; 0 where the mask "
                "blocks",
                grid({p + "dbeta", "dβ", "the gradient of the scores", &g.dbeta, false, "key",
                      "keys j", "dbeta", "dbeta"}));
    if (g.dcapped)
      out += step(p + "step-dsoftcap", ++n, "Back through the softcap",
                  fmt::format("dx<sub>ij</sub> = dβ<sub>ij</sub> (1 − tanh²(x<sub>ij</sub> / C)) "
                              "with C = {}, x the softcap's input",
                              num(*t.softcap)),
                  grid({p + "dcapped", "dx", "the gradient at the softcap's input", &*g.dcapped,
                        false, "key", "keys j", "", ""}));
    if (show_dbias && g.dbias)
      out += step(p + "step-dbias", ++n, "The gradient of the bias",
                  "∂L/∂b<sub>ij</sub>: the gradient where b was added",
                  grid({p + "dbias", "db", "the gradient of the bias", &*g.dbias, false, "key",
                        "keys j", "", per_head_json_ ? "dbias" : ""}));
    const std::string scale = num(g.scale);
    out += step(p + "step-dq", ++n, "The gradient of q",
                fmt::format("dq<sub>it</sub> = c Σ<sub>l</sub> dS<sub>il</sub> k<sub>lt</sub> "
                            "with c = {}{}",
                            scale, t.rope ? ", rotated back through RoPE" : ""),
                grid({p + "dq", "dq", "the gradient of q", &g.dq, false, "dimension",
                      "dimensions t of q", "dq", per_head_json_ ? "dq" : ""}));
    out += step(p + "step-dk", ++n, "The gradient of k",
                fmt::format("dk<sub>jt</sub> = c Σ<sub>i</sub> dS<sub>ij</sub> q<sub>it</sub> "
                            "with c = {}{}",
                            scale, t.rope ? ", rotated back through RoPE" : ""),
                grid({p + "dk", "dk", "the gradient of k", &g.dk, true, "dimension",
                      "dimensions t of k", "dk", per_head_json_ ? "dk" : ""}));
    if (page_.explorable()) {
      head["dq"] = stories(t, g, GradCell::dq, g.dq);
      head["dk"] = stories(t, g, GradCell::dk, g.dk);
      head["dv"] = stories(t, g, GradCell::dv, g.dv);
      head["dalpha"] = stories(t, g, GradCell::dalpha, g.dalpha);
      head["dbeta"] = stories(t, g, GradCell::dbeta, g.dbeta);
    }
    return out;
  }

 private:
  Json stories(const Trace& t, const GradTrace& g, GradCell which, const Matrix& m) const {
    Json rows = Json::array();
    for (std::size_t i = 0; i < m.rows(); ++i) {
      Json row = Json::array();
      for (std::size_t j = 0; j < m.cols(); ++j)
        row.push_back(explain_grad_cell(t, g, {which, i, j}, page_.number()));
      rows.push_back(std::move(row));
    }
    return rows;
  }

  Page& page_;
  bool per_head_json_;
  Matrix blocked_;
};

}  // namespace

std::string render_grad_html(const Run& run, const GradRun& grad, const Loss& loss, bool show_dbias,
                             const HtmlOptions& options) {
  const Trace& first = run.heads.front().trace;
  Page page(options, first.geometry);
  const bool several = run.heads.size() > 1;
  std::string title = fmt::format("Gradients of attention, {} against {}",
                                  html::plural(first.geometry.n_q, "query", "queries"),
                                  html::plural(first.geometry.n_k, "key", "keys"));
  if (several) title += fmt::format(", {} heads", run.layout.heads);

  std::string header = fmt::format("<h1>{}</h1>\n", xml_escape(title));
  header +=
      "<p class=\"formulas\">dO <span class=\"then\">→</span> dV = α<sup>T</sup> dO, dα = dO "
      "v<sup>T</sup> <span class=\"then\">→</span> dβ = α ⊙ (dα − D) <span "
      "class=\"then\">→</span> dq = c dS k, dk = c dS<sup>T</sup> q</p>\n";
  if (!first.mask_label.text.empty())
    header += fmt::format("<p>Mask: <code>{}</code>.</p>\n", xml_escape(first.mask_label.text));
  header += page.how_to(false);
  if (page.explorable())
    header +=
        "<p class=\"how\">The cells of dV, dα, dβ, dq and dk show every term of their "
        "derivation.</p>\n";

  std::string main;
  if (several) {
    main += "<fieldset class=\"heads\">\n<legend>Head</legend>\n";
    for (std::size_t n = 0; n < run.heads.size(); ++n)
      main += fmt::format(
          "<label><input type=\"radio\" name=\"head\" value=\"{}\"{}> head {} (kv head "
          "{})</label>\n",
          n, n == 0 ? " checked" : "", run.heads[n].head + 1, run.heads[n].kv_head + 1);
    main += "</fieldset>\n";
  }
  GradPage steps(page, !several);
  Json heads = Json::array();
  for (std::size_t n = 0; n < run.heads.size(); ++n) {
    const HeadRun& h = run.heads[n];
    const std::string name = several ? fmt::format("Head {} of {} (kv head {})", h.head + 1,
                                                   run.layout.heads, h.kv_head + 1)
                                     : std::string("The backward pass");
    Json head{{"name", name}};
    const std::string body =
        steps.head(h.trace, grad.heads[n], loss, show_dbias, fmt::format("h{}-", n), head);
    main += fmt::format(
        "<section class=\"head\" data-head=\"{}\" aria-labelledby=\"h{}-title\"{}>\n<h2 "
        "id=\"h{}-title\">{}</h2>\n{}</section>\n",
        n, n, n == 0 ? "" : " hidden", n, xml_escape(name), body);
    heads.push_back(std::move(head));
  }
  page.data()["heads"] = std::move(heads);
  if (several) {
    GradPage layer(page, true);
    const Matrix& d_out = loss.d_out;
    main +=
        "<section class=\"joint\" aria-labelledby=\"joint-title\">\n<h2 id=\"joint-title\">The "
        "layer's gradients</h2>\n<p class=\"formula\">dq is the heads' dq side by side; dk and "
        "dv add up over the query heads that share a key/value head</p>\n";
    main += layer.grid({"joint-do", "dO", "the upstream gradient", &d_out, false, "entry",
                        "columns c of the joint output", "", "do"});
    main += layer.grid(
        {"joint-dv", "dV", "the gradient of v", &grad.dv, true, "entry", "columns of v", "", "dv"});
    main += layer.grid({"joint-dq", "dq", "the gradient of q", &grad.dq, false, "dimension",
                        "columns of q", "", "dq"});
    main += layer.grid({"joint-dk", "dk", "the gradient of k", &grad.dk, true, "dimension",
                        "columns of k", "", "dk"});
    main += "</section>\n";
  }
  return page.document("attn: " + title, header, main, page.aside(false));
}

}  // namespace attn
