#include "attn/io/input.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "attn/core/error.hpp"

using attn::Matrix;
using doctest::Approx;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

attn::InputArgs qk(const char* q, const char* k) {
  attn::InputArgs a;
  a.q = q;
  a.k = k;
  return a;
}

attn::Exit code_of(const attn::InputArgs& args, attn::Stage stage) {
  try {
    attn::load_input(args, stage);
  } catch (const attn::Error& e) {
    return e.code();
  }
  return attn::Exit::ok;
}

}  // namespace

TEST_CASE("load_input: literals, the default scale and a causal mask") {
  attn::InputArgs a = qk("1,0;0,1", "1,0;0,1;1,1");
  a.mask = "causal";
  const auto in = attn::load_input(a, attn::Stage::scores);
  CHECK(in.problem.q.rows() == 2);
  CHECK(in.problem.k.rows() == 3);
  // bottom-right: query 0 sits at p = 1, so it sees keys 0 and 1; query 1 (p = 2) sees all
  CHECK(*in.problem.mask == Matrix{{0, 0, -kInf}, {0, 0, 0}});
  CHECK(in.problem.mask_label.text == "causal");
  CHECK_FALSE(in.problem.scale.has_value());
}

TEST_CASE("load_input: `none` and `full` mean no mask") {
  attn::InputArgs a = qk("1", "1");
  a.mask = "none";
  CHECK_FALSE(attn::load_input(a, attn::Stage::scores).problem.mask.has_value());
}

TEST_CASE("load_input: a JSON document, with flags overriding it") {
  const std::string path = ATTN_SOURCE_DIR "/data/examples/worked-example.json";
  attn::InputArgs a;
  a.input = path;
  const auto in = attn::load_input(a, attn::Stage::scores);
  CHECK(in.problem.q == Matrix{{2, 0.5, 1, -1.5}});
  a.q = "1,1,1,1";
  CHECK(attn::load_input(a, attn::Stage::scores).problem.q == Matrix{{1, 1, 1, 1}});
}

TEST_CASE("load_input: a bool mask matrix in JSON, true = may attend") {
  attn::InputArgs a = qk("1;1", "1;1");
  a.mask = "[[true,false],[true,true]]";
  CHECK(*attn::load_input(a, attn::Stage::scores).problem.mask == Matrix{{0, -kInf}, {0, 0}});
  a.mask = R"([[0,"-Infinity"],[-2,0]])";  // additive, with a finite entry kept as given
  CHECK(*attn::load_input(a, attn::Stage::scores).problem.mask == Matrix{{0, -kInf}, {-2, 0}});
  a.mask = "[[true,false]]";
  CHECK_THROWS_WITH(attn::load_input(a, attn::Stage::scores),
                    "--mask is 1×2 but the scores are 2×2 (n_q×n_k)");
}

TEST_CASE("load_input: ALiBi per head uses that head's slope") {
  // 2 heads: slopes 2^(−8·1/2) = 1/16 and 2^(−8·2/2) = 1/256; b[1,0] = −m·(p − j) = −m·1
  attn::InputArgs a = qk("1,1;1,1", "1,1;1,1");
  a.bias = "alibi";
  a.heads = 2;
  const auto in = attn::load_input(a, attn::Stage::scores);
  const attn::Geometry g{2, 2};
  CHECK((*attn::head_bias(in, g, 0))(1, 0) == Approx(-1.0 / 16));
  CHECK((*attn::head_bias(in, g, 1))(1, 0) == Approx(-1.0 / 256));
}

TEST_CASE("load_input: what is missing or wrong is named, with its exit code") {
  attn::InputArgs only_q;
  only_q.q = "1,2";
  CHECK_THROWS_WITH(attn::load_input(only_q, attn::Stage::scores), "no keys given");
  CHECK(code_of(only_q, attn::Stage::scores) == attn::Exit::usage);
  CHECK(code_of(qk("1,2", "1,x"), attn::Stage::scores) == attn::Exit::usage);
  CHECK(code_of(qk("1,2", "1,2,3"), attn::Stage::scores) == attn::Exit::ok);  // caught at compute
  attn::InputArgs missing;
  missing.input = "/nonexistent/attn.json";
  CHECK(code_of(missing, attn::Stage::scores) == attn::Exit::no_input);
  attn::InputArgs both = qk("1", "1");
  both.scores = "1,2";
  CHECK_THROWS_WITH(attn::load_input(both, attn::Stage::weights),
                    "give either scores or q and k, not both");
}
