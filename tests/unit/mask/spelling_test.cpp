#include "attn/mask/spelling.hpp"

#include <doctest/doctest.h>

#include "attn/mask/expr.hpp"
#include "translate_testing.hpp"

using attn::Align;
using attn::BoolMatrix;
using attn::Geometry;
using attn::MaskExpr;
using attn::detail::Conjunction;
using attn::detail::flash_window;
using attn::detail::matrix_of;
using attn::detail::parse_formula;
using attn::detail::recognise;
using attn::detail::tril;
using attn::testing::rows;

TEST_CASE("tril(d) keeps j − i ≤ d") {
  const Geometry g{2, 3, Align::bottom_right};
  CHECK(rows(matrix_of(g, tril(0))) == "100/110");
  CHECK(rows(matrix_of(g, tril(1))) == "110/111");
  CHECK(rows(matrix_of(g, tril(-1))) == "000/100");
  CHECK(rows(attn::detail::complement(matrix_of(g, tril(0)))) == "011/001");
}

TEST_CASE("flash_window keeps [i + keys − L − l, i + keys − L + r] among the real keys") {
  const Geometry g{2, 4, Align::bottom_right};
  // No padding: rows sit at 2 and 3. causal (−1, 0): j ≤ 2, j ≤ 3.
  CHECK(rows(matrix_of(g, flash_window(g, -1, 0))) == "1110/1111");
  // (1, 1): keys [1, 3] and [2, 3].
  CHECK(rows(matrix_of(g, flash_window(g, 1, 1))) == "0111/0011");
  // (−1, 0) with 2 real keys of 4: rows sit at i + 2 − 2 = 0, 1, and keys 2, 3 are padding.
  CHECK(rows(matrix_of(g, flash_window(g, -1, 0, 2))) == "1000/1100");
  // (−1, 1) with 3 real keys: rows at 1, 2; keys j ≤ p + 1 and j < 3.
  CHECK(rows(matrix_of(g, flash_window(g, -1, 1, 3))) == "1110/1110");
}

TEST_CASE("recognise sees one atom or atoms joined by &") {
  const Conjunction a = recognise(parse_formula("causal & window:3 & valid:2"));
  CHECK(a.ok);
  CHECK(a.causal);
  CHECK(a.window == 3);
  CHECK(a.valid == 2);
  CHECK(a.only({"causal", "window", "valid"}));
  CHECK_FALSE(a.only({"causal", "window"}));

  CHECK_FALSE(recognise(parse_formula("causal | local:1")).ok);
  CHECK(recognise(parse_formula("prefix:2")).other);
  CHECK(recognise(parse_formula("valid:1,2")).other);            // a list of lengths
  CHECK(recognise(parse_formula("window:2 & window:3")).other);  // two different windows
  CHECK(attn::detail::is_full(recognise(parse_formula("full"))));
  CHECK_FALSE(attn::detail::is_full(recognise(parse_formula("causal"))));
}

TEST_CASE("Context::tensor prints the formula and evaluates what it prints") {
  const MaskExpr expr = MaskExpr::parse("causal");
  const Geometry g{2, 3, Align::bottom_right};
  const BoolMatrix attn = expr.evaluate(g);
  const attn::detail::Formula f = parse_formula(expr.to_string());
  const attn::detail::Context c{g, attn, f, recognise(f), expr.to_string()};
  const attn::Spelling s = c.tensor("use(mask)\n");
  CHECK(s.code ==
        "L, S = 2, 3  # queries, keys\n"
        "i = torch.arange(L)[:, None]  # query rows\n"
        "p = i + (S - L)  # query positions (bottom-right)\n"
        "j = torch.arange(S)[None, :]  # key positions\n"
        "mask = (j <= p)  # True = may attend\n"
        "use(mask)\n");
  CHECK(rows(s.matrix) == "110/111");
  CHECK_FALSE(c.any_empty_row());
  const attn::Translation t = attn::detail::make(attn::Library::torch_sdpa, c, s, false);
  CHECK(t.exact);
  CHECK_FALSE(t.native);
}
