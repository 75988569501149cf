#include "attn/render/html_grad.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <string>

#include "attn/core/grad.hpp"
#include "attn/core/heads.hpp"
#include "attn/mask/expr.hpp"
#include "attn/render/grad_text.hpp"

using attn::Matrix;

namespace {

// q = k = I (2×2), v = [[1, 2], [3, 4]], causal, L = Σ o: one head.
attn::Run identity_run(std::size_t heads = 1) {
  attn::Request r;
  r.problem.q = heads == 1 ? Matrix{{1, 0}, {0, 1}} : Matrix{{1, 0, 1, 0}, {0, 1, 0, 1}};
  r.problem.k = heads == 1 ? Matrix{{1, 0}, {0, 1}} : Matrix{{1, 0, 0, 1}, {0, 1, 1, 0}};
  r.problem.v = heads == 1 ? Matrix{{1, 2}, {3, 4}} : Matrix{{1, 2}, {3, 4}};
  r.problem.mask = attn::to_additive(attn::MaskExpr::causal().evaluate({2, 2}));
  r.problem.mask_label = attn::mask_label(attn::MaskExpr::causal());
  r.layout.heads = heads;
  r.layout.kv_heads = heads;
  return attn::run_heads(r, attn::Stage::output);
}

nlohmann::json page_data(const std::string& html) {
  const std::string open = "<script type=\"application/json\" id=\"attn-data\">";
  const auto start = html.find(open) + open.size();
  return nlohmann::json::parse(html.substr(start, html.find("</script>", start) - start));
}

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE(
    "render_grad_html: the steps back, their --json names, each cell of dq, dk, dv, dα, dβ told") {
  const attn::Run run = identity_run();
  const attn::Loss loss = attn::sum_loss(*run.output);
  const attn::GradRun grad = attn::run_backward_heads(run, loss.d_out);
  const std::string html = attn::render_grad_html(run, grad, loss, false);
  CHECK(html.starts_with("<!DOCTYPE html>\n"));
  CHECK(contains(html, "<title>attn: Gradients of attention, 2 queries against 2 keys</title>"));
  for (const char* step : {"inputs", "do", "dv", "dalpha", "dbeta", "dq", "dk"})
    CHECK(contains(html, fmt::format("id=\"h0-step-{}\"", step)));
  CHECK_FALSE(contains(html, "h0-step-dsoftcap"));
  CHECK(contains(html, "L = Σ<sub>ic</sub> o<sub>ic</sub> = "));
  for (const char* kind : {"dq", "dk", "dv", "dalpha", "dbeta"})
    CHECK(contains(html, fmt::format("data-story=\"{}\"", kind)));
  const nlohmann::json data = page_data(html);
  const attn::Trace& t = run.heads[0].trace;
  const attn::GradTrace& g = grad.heads[0];
  const attn::NumberStyle number{};
  CHECK(data["heads"][0]["dq"][1][0] ==
        attn::explain_grad_cell(t, g, {attn::GradCell::dq, 1, 0}, number));
  CHECK(data["heads"][0]["dk"][0][1] ==
        attn::explain_grad_cell(t, g, {attn::GradCell::dk, 0, 1}, number));
  CHECK(data["heads"][0]["dv"][1][1] ==
        attn::explain_grad_cell(t, g, {attn::GradCell::dv, 1, 1}, number));
  CHECK(data["heads"][0]["dalpha"][0][1] ==
        attn::explain_grad_cell(t, g, {attn::GradCell::dalpha, 0, 1}, number));
  CHECK(data["heads"][0]["dbeta"][1][0] ==
        attn::explain_grad_cell(t, g, {attn::GradCell::dbeta, 1, 0}, number));
  CHECK(data["heads"][0]["dq"].size() == 2);
  CHECK_FALSE(contains(html, "http:"));
}

TEST_CASE("render_grad_html: two heads get a switcher and the layer's gradients") {
  const attn::Run run = identity_run(2);
  const attn::Loss loss = attn::sum_loss(*run.output);
  const attn::GradRun grad = attn::run_backward_heads(run, loss.d_out);
  const std::string html = attn::render_grad_html(run, grad, loss, false);
  CHECK(contains(html, "<legend>Head</legend>"));
  CHECK(contains(html, "data-head=\"1\""));
  CHECK(contains(html, "The layer's gradients"));
  CHECK(contains(html, "id=\"joint-dq\""));
  // the heads' own dq has no --json name (the JSON has the layer's), the layer's has
  CHECK(contains(html, "id=\"h1-dq\""));
  CHECK(page_data(html)["heads"].size() == 2);
}

TEST_CASE("render_grad_html: beyond the explorable size, canvases and no derivations") {
  const attn::Run run = identity_run();
  const attn::Loss loss = attn::sum_loss(*run.output);
  const attn::GradRun grad = attn::run_backward_heads(run, loss.d_out);
  attn::HtmlOptions o;
  o.explorable = 1;
  const std::string html = attn::render_grad_html(run, grad, loss, false, o);
  CHECK(contains(html, "data-canvas="));
  CHECK_FALSE(page_data(html)["heads"][0].contains("dq"));
}
