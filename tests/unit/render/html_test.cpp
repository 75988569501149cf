#include "attn/render/html.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <string>

#include "attn/core/attention.hpp"
#include "attn/core/heads.hpp"
#include "attn/mask/expr.hpp"
#include "attn/render/explain_cell.hpp"
#include "attn/render/explain_row.hpp"
#include "attn/render/html_assets.hpp"

using attn::Matrix;

namespace {

// q = k = I (2×2), v = [[1, 2], [3, 4]], causal mask: one head.
attn::Run identity_run() {
  attn::Request r;
  r.problem.q = Matrix{{1, 0}, {0, 1}};
  r.problem.k = Matrix{{1, 0}, {0, 1}};
  r.problem.v = Matrix{{1, 2}, {3, 4}};
  r.problem.mask = attn::to_additive(attn::MaskExpr::causal().evaluate({2, 2}));
  r.problem.mask_label = attn::mask_label(attn::MaskExpr::causal());
  return attn::run_heads(r, attn::Stage::output);
}

// The page's JSON block.
nlohmann::json page_data(const std::string& html) {
  const std::string open = "<script type=\"application/json\" id=\"attn-data\">";
  const auto start = html.find(open) + open.size();
  return nlohmann::json::parse(html.substr(start, html.find("</script>", start) - start));
}

std::size_t count(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("render_html: one self-contained page, its CSS and script inline") {
  const std::string html = attn::render_html(identity_run());
  CHECK(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">"));
  CHECK(html.ends_with("</body>\n</html>\n"));
  CHECK(html.find(std::string(attn::html_page_css())) != std::string::npos);
  CHECK(html.find(std::string(attn::html_page_js())) != std::string::npos);
  CHECK(html.find("http") == std::string::npos);
  CHECK(html.find(" src=") == std::string::npos);
  CHECK(html.find("<link") == std::string::npos);
  CHECK(html.find("style=\"") == std::string::npos);  // colours are classes, not inline styles
  CHECK(html.find("<title>attn: Attention output of 2 queries against 2 keys</title>") !=
        std::string::npos);
  // every step of the trace, in order, with its grid
  std::size_t at = 0;
  for (const char* id : {"h0-step-inputs", "h0-step-dot", "h0-step-scale", "h0-step-mask",
                         "h0-step-scores", "h0-step-softmax", "h0-step-output"}) {
    const auto next = html.find(fmt::format("id=\"{}\"", id), at);
    CAPTURE(id);
    CHECK(next != std::string::npos);
    at = next;
  }
  for (const char* grid : {"h0-s", "h0-cs", "h0-m", "h0-beta", "h0-alpha", "h0-o"})
    CHECK(html.find(fmt::format("<figure class=\"grid\" id=\"{}\">", grid)) != std::string::npos);
  // 2×2 cells in s, c·s, M, β and α, 2×2 in o
  CHECK(count(html, "<td class=\"") == 6 * 4);
  CHECK(html.find("data-json=\"scores\"") != std::string::npos);
  CHECK(html.find("data-json=\"weights\"") != std::string::npos);
  CHECK(html.find("data-json=\"output\"") != std::string::npos);
}

TEST_CASE("render_html embeds the library's derivations of every cell, row and entry") {
  const attn::Run run = identity_run();
  const attn::Trace& t = run.heads.front().trace;
  const attn::NumberStyle three{3};
  const auto data = page_data(attn::render_html(run, {three, {}, 64}));
  CHECK(data["explorable"] == true);
  const auto& head = data["heads"][0];
  for (std::size_t i = 0; i < 2; ++i) {
    CHECK(head["rows"][i] == attn::explain_row(t, i, three));
    for (std::size_t j = 0; j < 2; ++j) {
      CAPTURE(i);
      CAPTURE(j);
      CHECK(head["cells"][i][j] == attn::explain_cell(t, i, j, three));
      CHECK(head["entries"][i][j] == attn::explain_output_entry(t, i, j, three));
    }
  }
  CHECK(!data.contains("joint"));
}

TEST_CASE("render_html: tokens are escaped, and cannot end the data block") {
  attn::HtmlOptions o;
  o.labels = {{"</script>", "a&b"}, {"</script>", "a&b"}};
  const std::string html = attn::render_html(identity_run(), o);
  CHECK(count(html, "</script>") == 2);  // the JSON block's and the script's own
  CHECK(html.find("&lt;/script&gt;") != std::string::npos);
  CHECK(html.find("a&amp;b") != std::string::npos);
  CHECK(attn::script_safe(R"({"a":"</script><!--"})") == R"({"a":"\u003c/script>\u003c!--"})");
  CHECK(nlohmann::json::parse(attn::script_safe(R"({"a":"</b>"})"))["a"] == "</b>");
}

TEST_CASE("render_html: too many tokens to explore gives canvases and no derivations") {
  attn::HtmlOptions o;
  o.explorable = 1;  // the 2×2 example is "too large"
  const std::string html = attn::render_html(identity_run(), o);
  const auto data = page_data(html);
  CHECK(data["explorable"] == false);
  CHECK(!data["heads"][0].contains("cells"));
  CHECK(data["canvases"].contains("h0-alpha"));
  // α = [[1, blocked], [0.33024, 0.66976]]: levels 63 "-", ".", round(20.8) = 21 "l" (a = 10),
  // round(42.19) = 42 "G" (A = 36)
  CHECK(data["canvases"]["h0-alpha"]["cells"] == "-.lG");
  CHECK(count(html, "<canvas ") == 6);
  CHECK(html.find("<td class=") == std::string::npos);
  CHECK(html.find("With more than 1 queries or keys the page shows the heatmaps without") !=
        std::string::npos);
  CHECK(html.find("id=\"cell-story\"") == std::string::npos);
}

TEST_CASE("render_html: a head switcher and the heads' joint output") {
  attn::Request r;
  r.problem.q = Matrix{{1, 0, 0, 1}, {0, 1, 1, 0}};
  r.problem.k = Matrix{{1, 0, 0, 1}, {0, 1, 1, 0}};
  r.problem.v = Matrix{{1, 2}, {3, 4}};
  r.layout = {2, 2};
  const attn::Run run = attn::run_heads(r, attn::Stage::output);
  const std::string html = attn::render_html(run);
  CHECK(count(html, "<input type=\"radio\" name=\"head\"") == 2);
  CHECK(html.find("<section class=\"head\" data-head=\"0\" aria-labelledby=\"h0-title\">") !=
        std::string::npos);
  CHECK(html.find("<section class=\"head\" data-head=\"1\" aria-labelledby=\"h1-title\" hidden>") !=
        std::string::npos);
  CHECK(html.find("<figure class=\"grid\" id=\"joint-o\">") != std::string::npos);
  const auto data = page_data(html);
  CHECK(data["heads"].size() == 2);
  CHECK(data["heads"][1]["cells"][0][1] == attn::explain_cell(run.heads[1].trace, 0, 1));
  // column 1 of the joint output is head 2's only column
  CHECK(data["joint"][0][1] == "Column 1 of the joint output is column 0 of head 2's o:\n" +
                                   attn::explain_output_entry(run.heads[1].trace, 0, 0));
}

TEST_CASE("render_mask_html: each cell says which atom allows or blocks it") {
  const attn::MaskExpr expr = attn::MaskExpr::parse("causal & window:2");
  const attn::Geometry g{3, 3};
  const std::string html =
      attn::render_mask_html(expr.evaluate(g), g, attn::mask_label(expr), attn::HtmlOptions{});
  const auto data = page_data(html);
  std::string want;
  for (const auto& line : expr.explain(g, 2, 0)) want += line + "\n";
  CHECK(data["heads"][0]["cells"][2][0] == want);
  CHECK(html.find("data-json=\"mask\"") != std::string::npos);
  CHECK(count(html, "<td class=\"") == 9);
  CHECK(html.find(">-inf</td>") != std::string::npos);
}

TEST_CASE("render_mask_html: a long expression gives a title of at most 70 characters") {
  const attn::MaskExpr expr =
      attn::MaskExpr::parse("causal & window:2 & !prefix:1 & causal & window:3 | local:1");
  const attn::Geometry g{3, 3};
  const std::string html =
      attn::render_mask_html(expr.evaluate(g), g, attn::mask_label(expr), attn::HtmlOptions{});
  const auto open = html.find("<title>") + 7;
  const std::string title = html.substr(open, html.find("</title>") - open);
  CAPTURE(title);
  CHECK(attn::display_width(title) <= 70);
  CHECK(title.ends_with("…"));
  CHECK(title.starts_with("attn: Mask causal &amp; window:2"));
}

TEST_CASE("render_html: rotary embeddings get a step of their own, q and k rotated") {
  attn::Request r;
  r.problem.q = Matrix{{1, 0}, {0, 1}};
  r.problem.k = Matrix{{1, 0}, {0, 1}};
  r.problem.rope = attn::RopeOptions{};
  const attn::Run run = attn::run_heads(r, attn::Stage::scores);
  const std::string html = attn::render_html(run);
  const auto rope = html.find("id=\"h0-step-rope\"");
  CHECK(rope != std::string::npos);
  CHECK(rope < html.find("id=\"h0-step-dot\""));
  CHECK(html.find("<caption>q rotated</caption>") != std::string::npos);
  CHECK(html.find("<caption>k rotated</caption>") != std::string::npos);
  // the derivations are explain_cell's, rotation included
  CHECK(page_data(html)["heads"][0]["cells"][1][0] ==
        attn::explain_cell(run.heads.front().trace, 1, 0));
}
