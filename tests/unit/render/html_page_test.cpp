#include "attn/render/html_page.hpp"

#include <doctest/doctest.h>

#include <string>

using attn::Matrix;

TEST_CASE("html page pieces: titles, plurals, labels and number tables") {
  CHECK(attn::html::plural(1, "query", "queries") == "1 query");
  CHECK(attn::html::plural(3, "query", "queries") == "3 queries");
  CHECK(attn::html::or_indices({"a", "b"}, 2) == std::vector<std::string>{"a", "b"});
  CHECK(attn::html::or_indices({"a"}, 2) == std::vector<std::string>{"0", "1"});
  CHECK(attn::html::page_title("a < b") == "a &lt; b");
  // 80 characters become 69 and an ellipsis
  const std::string title = attn::html::page_title(std::string(80, 'x'));
  CHECK(title == std::string(69, 'x') + "…");
  const std::string table =
      attn::html::number_table(Matrix{{1.5, -2.0}}, "q, the queries", {"The"}, {});
  CHECK(table.find("<caption>q, the queries</caption>") != std::string::npos);
  CHECK(table.find("<tr><th scope=\"row\">The</th><td>1.5</td><td>-2</td></tr>") !=
        std::string::npos);
}
