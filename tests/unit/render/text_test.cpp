// The worked solution: each step of a trace as a reader checks it by hand.
#include "attn/render/text.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>

#include "attn/core/attention.hpp"
#include "attn/core/heads.hpp"

using attn::Matrix;

namespace {

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

attn::Trace run(const attn::Problem& p, attn::Stage stage) {
  return attn::run_attention(p, stage);
}

}  // namespace

TEST_CASE("render_steps: the course's worked example, every product and the scale") {
  attn::Problem p;
  p.q = Matrix{{2, 0.5, 1, -1.5}};
  p.k = Matrix{{1, 1, -0.5, 2}};
  // q·k = 2×1 + 0.5×1 + 1×(−0.5) + (−1.5)×2 = 2 + 0.5 − 0.5 − 3 = −1; √4 = 2; β = −1/2 = −0.5
  const std::string s = attn::render_steps(run(p, attn::Stage::scores));
  CAPTURE(s);
  CHECK(s.starts_with("Scores of one query against one key (d_k = 4)\n"));
  CHECK(has(s,
            "  q·k = 2×1 + 0.5×1 + 1×(-0.5) + (-1.5)×2\n"
            "      = 2 + 0.5 - 0.5 - 3\n"
            "      = -1\n"));
  CHECK(has(s, "  √d_k = √4 = 2\n  β = q·k / √d_k = -1 / 2 = -0.5\n"));
  CHECK(s.ends_with("\nβ = -0.5\n"));
}

TEST_CASE("render_steps: softmax of one row, each exp, the sum and the check") {
  attn::Problem p;
  p.scores = Matrix{{0, std::log(3.0)}};
  // m = ln 3 = 1.0986; exp(0 − 1.0986) = 1/3 = 0.3333, exp(0) = 1; sum = 4/3 = 1.3333;
  // α = [0.3333/1.3333, 1/1.3333] = [0.25, 0.75]
  const std::string s = attn::render_steps(run(p, attn::Stage::weights));
  CAPTURE(s);
  CHECK(s.starts_with("Softmax of given scores (1 row of 2)\n"));
  CHECK(has(s, "  m = max [0, 1.0986] = 1.0986"));
  CHECK(has(s, "  exp(β_0 - m) = exp(0 - 1.0986) = exp(-1.0986) = 0.3333\n"));
  CHECK(has(s, "  exp(β_1 - m) = exp(1.0986 - 1.0986) = exp(0) = 1\n"));
  CHECK(has(s, "  sum = 1.3333\n"));
  CHECK(has(s, "  α_0 = 0.3333 / 1.3333 = 0.25\n"));
  CHECK(has(s, "  α_1 = 1 / 1.3333 = 0.75\n"));
  CHECK(has(s, "  check: the row sums to 1\n"));
  CHECK(s.ends_with("\nα = [0.25, 0.75]\n"));
}

TEST_CASE("render_steps follows the order the trace computed: bias then softcap, or the reverse") {
  // q = 2, k = [2; 0], d_k = 1, c = 1: c·s = [4, 0]; b = [0, 3]; C = 1.
  attn::Problem p;
  p.q = Matrix{{2}};
  p.k = Matrix{{2}, {0}};
  p.bias = Matrix{{0, 3}};
  p.softcap = 1.0;
  SUBCASE("attn's order: C·tanh((c·s + b)/C)") {
    // c·s + b = [4, 3]; tanh(4) = 0.99933, tanh(3) = 0.99505
    const std::string s = attn::render_steps(run(p, attn::Stage::scores));
    CAPTURE(s);
    const auto bias = s.find("Step 3. Add the positional bias, β = c·s + b");
    const auto cap = s.find("Step 4. Softcap");
    REQUIRE(bias != std::string::npos);
    REQUIRE(cap != std::string::npos);
    CHECK(has(s, "  c·s + b = [4, 3]\n"));
    CHECK(has(s, "  capped = [0.9993, 0.9951]\n"));
  }
  SUBCASE("softcap first: C·tanh(c·s/C) + b") {
    // capped = [tanh 4, tanh 0] = [0.9993, 0]; + b = [0.9993, 3]
    p.softcap_first = true;
    const std::string s = attn::render_steps(run(p, attn::Stage::scores));
    CAPTURE(s);
    CHECK(has(s, "Step 3. Softcap, β ← C·tanh(β/C) with C = 1\n  capped = [0.9993, 0]\n"));
    CHECK(has(s, "Step 4. Add the positional bias, β = capped + b\n"));
    CHECK(has(s, "  capped + b = [0.9993, 3]\n"));
  }
}

TEST_CASE("render_run: heads under headings, then the outputs side by side") {
  attn::Request r;
  r.problem.q = Matrix{{1, 0}};
  r.problem.k = Matrix{{1, 0}, {0, 1}};
  r.problem.v = Matrix{{10, 20}, {30, 40}};
  r.layout = {2, 2};  // each head has d_k = d_v = 1: its own column of q, k and v
  const std::string s = attn::render_run(attn::run_heads(r, attn::Stage::output));
  CAPTURE(s);
  CHECK(s.starts_with(
      "2 query heads sharing 2 key/value heads: query head h reads kv head ⌊h·2/2⌋\n"));
  CHECK(has(s, "\n=== Head 1 of 2 (kv head 1) ===\n\n"));
  CHECK(has(s, "\n=== Head 2 of 2 (kv head 2) ===\n\n"));
  CHECK(has(s, "\nThe heads' outputs side by side:\n\no =\n"));
}

TEST_CASE("warnings: a negative scale, and each blocked row with what it got") {
  attn::Request r;
  r.problem.q = Matrix{{1}, {1}};
  r.problem.k = Matrix{{1}};
  r.problem.scale = -1.0;
  r.problem.mask = Matrix{{0}, {-std::numeric_limits<double>::infinity()}};
  r.problem.empty_rows = attn::EmptyRows::nan;
  const auto w = attn::warnings(attn::run_heads(r, attn::Stage::weights));
  REQUIRE(w.size() == 2);
  CHECK(w[0] ==
        "the scale -1 is negative: it inverts the attention, so the lowest dot products get the "
        "most weight");
  CHECK(w[1] == "row 1 has every key blocked: it gets NaN weights and output (--empty-rows)");
}
