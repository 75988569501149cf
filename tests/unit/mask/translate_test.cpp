#include "attn/mask/translate.hpp"

#include <doctest/doctest.h>

#include <utility>

#include "translate_testing.hpp"

using attn::Align;
using attn::Library;
using attn::Translation;
using attn::testing::tr;

namespace {
constexpr Align br = Align::bottom_right;
constexpr Align tl = Align::top_left;
}  // namespace

// Every library has either a native spelling or an explicit form, and either must give attn's mask
// exactly; the library's matrix is computed by its own rule, so this checks the translator.
TEST_CASE("translate: every library reproduces attn's mask") {
  const char* exprs[] = {"full",
                         "causal",
                         "window:2",
                         "causal & window:3",
                         "local:1",
                         "causal & local:1",
                         "prefix:2",
                         "valid:2",
                         "causal & valid:3",
                         "chunk:2",
                         "causal & chunk:2",
                         "dilated:2:2",
                         "!causal",
                         "causal | local:1",
                         "!(window:2) & valid:4"};
  const std::pair<std::size_t, std::size_t> shapes[] = {{4, 4}, {2, 5}, {5, 2}, {1, 3}, {3, 1}};
  for (const char* expr : exprs)
    for (auto [n_q, n_k] : shapes)
      for (Align align : {br, tl})
        for (Library lib : attn::all_libraries()) {
          CAPTURE(expr);
          CAPTURE(n_q);
          CAPTURE(n_k);
          CAPTURE(attn::align_name(align));
          CAPTURE(attn::library_name(lib));
          const Translation t = tr(lib, expr, n_q, n_k, align);
          CHECK(t.exact);
        }
  // Documents need one id per position.
  for (Library lib : attn::all_libraries()) {
    CAPTURE(attn::library_name(lib));
    CHECK(tr(lib, "document:0,0,1,1,2,2", 6, 6).exact);
    CHECK(tr(lib, "causal & document:0,1,1,0", 2, 4).exact);
    CHECK(tr(lib, "document:0,0,1,1 | valid:1", 4, 4, tl).exact);
  }
}
