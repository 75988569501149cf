// The JSON contract: keys in a fixed order, −∞ as "-Infinity", null where a value is unknown.
#include "attn/render/json.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "attn/core/attention.hpp"

using attn::Matrix;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

}  // namespace

TEST_CASE("matrix_to_json writes the non-finite as strings Python and JavaScript read back") {
  const auto j = attn::matrix_to_json(Matrix{{1.5, -kInf}, {kInf, std::nan("")}});
  CHECK(j.dump() == R"([[1.5,"-Infinity"],["Infinity","NaN"]])");
}

TEST_CASE("trace_to_json: d_k, scale, scores, mask, weights, output, in that order") {
  // q = k = [1, 0], v = [7]; d_k = 2, c = 1/√2; s = 1, β = 0.7071…; one key: α = 1, o = 7
  attn::Problem p;
  p.q = Matrix{{1, 0}};
  p.k = Matrix{{1, 0}};
  p.v = Matrix{{7}};
  p.mask = Matrix{{0}};
  const auto j = attn::trace_to_json(attn::run_attention(p, attn::Stage::output));
  std::vector<std::string> keys;
  for (const auto& item : j.items()) keys.push_back(item.key());
  CHECK(keys == std::vector<std::string>{"d_k", "scale", "scores", "mask", "weights", "output"});
  CHECK(j["d_k"] == 2);
  CHECK(j["scale"].get<double>() == 1.0 / std::sqrt(2.0));
  CHECK(j["mask"].dump() == "[[true]]");
  CHECK(j["weights"].dump() == "[[1.0]]");
  CHECK(j["output"].dump() == "[[7.0]]");
}

TEST_CASE("trace_to_json stops at the stage the trace ran to") {
  attn::Problem p;
  p.q = Matrix{{1}};
  p.k = Matrix{{2}};
  const auto j = attn::trace_to_json(attn::run_attention(p, attn::Stage::scores));
  CHECK(j.dump() == R"({"d_k":1,"scale":1.0,"scores":[[2.0]]})");
}

TEST_CASE("given scores: d_k and scale are null unless carried through") {
  attn::Problem p;
  p.scores = Matrix{{1, -kInf}};
  p.mask = Matrix{{0, -kInf}};
  // β = [1, −∞]: all the weight on key 0
  CHECK(attn::trace_to_json(attn::run_attention(p, attn::Stage::weights)).dump() ==
        R"({"d_k":null,"scale":null,"scores":[[1.0,"-Infinity"]],"mask":[[true,false]],)"
        R"("weights":[[1.0,0.0]]})");
  p.d_k = 4;
  p.scale = 0.5;
  const auto j = attn::trace_to_json(attn::run_attention(p, attn::Stage::weights));
  CHECK(j["d_k"] == 4);
  CHECK(j["scale"] == 0.5);
}

TEST_CASE("run_to_json: several heads in a \"heads\" array, the outputs side by side") {
  // two heads of d_k = d_v = 1, one key each: α = 1, so o_h = v_h
  attn::Request r;
  r.problem.q = Matrix{{1, 1}};
  r.problem.k = Matrix{{1, 1}};
  r.problem.v = Matrix{{3, 5}};
  r.layout = {2, 2};
  const auto j = attn::run_to_json(attn::run_heads(r, attn::Stage::output));
  CHECK(j.dump() ==
        R"({"d_k":1,"scale":1.0,"heads":[)"
        R"({"head":0,"kv_head":0,"scores":[[1.0]],"weights":[[1.0]],"output":[[3.0]]},)"
        R"({"head":1,"kv_head":1,"scores":[[1.0]],"weights":[[1.0]],"output":[[5.0]]}],)"
        R"("output":[[3.0,5.0]]})");
}
