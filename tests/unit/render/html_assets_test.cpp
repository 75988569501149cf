#include "attn/render/html_assets.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace {

std::string source_file(const std::string& name) {
  std::ifstream in(std::string(ATTN_SOURCE_DIR) + "/lib/attn/render/html/" + name,
                   std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("html_page_css and html_page_js are the bytes of render/html/page.css and page.js") {
  const std::string css = source_file("page.css"), js = source_file("page.js");
  REQUIRE(!css.empty());
  REQUIRE(!js.empty());
  CHECK(attn::html_page_css() == css);
  CHECK(attn::html_page_js() == js);
  // nothing in them points outside the page
  for (const std::string_view asset : {attn::html_page_css(), attn::html_page_js()}) {
    CHECK(asset.find("http:") == std::string_view::npos);
    CHECK(asset.find("https:") == std::string_view::npos);
    CHECK(asset.find("@import") == std::string_view::npos);
    CHECK(asset.find("url(") == std::string_view::npos);
  }
}
