// The web page's stylesheet and script, the files render/html/page.css and render/html/page.js,
// embedded into the library when it is built (render/html/embed.cmake writes their bytes into a
// generated source file).
#pragma once

#include <string_view>

namespace attn {

std::string_view html_page_css();
std::string_view html_page_js();

}  // namespace attn
