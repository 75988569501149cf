#include "attn/io/input.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <string>
#include <utility>

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

namespace {

// A document in a temporary file, removed at the end.
struct Document {
  std::string path = "/tmp/attn-input-test-" + std::to_string(::getpid()) + ".json";
  explicit Document(const std::string& text) { std::ofstream(path) << text; }
  ~Document() { std::remove(path.c_str()); }
};

// The error the document gives (Exit::ok and "" when it loads).
std::pair<attn::Exit, std::string> document_error(const std::string& text,
                                                  attn::Stage stage = attn::Stage::scores) {
  const Document doc(text);
  attn::InputArgs a;
  a.input = doc.path;
  try {
    attn::load_input(a, stage);
  } catch (const attn::Error& e) {
    std::string m = e.what();
    if (m.starts_with(doc.path)) m = "DOC" + m.substr(doc.path.size());
    return {e.code(), m};
  }
  return {attn::Exit::ok, ""};
}

}  // namespace

TEST_CASE("load_input: a document's unknown key is refused, with the nearest known one") {
  using attn::Exit;
  CHECK(document_error(R"({"q":[1,2],"k":[1,2],"maks":"causal"})") ==
        std::pair{Exit::data, std::string(R"(DOC: unknown key "maks" (did you mean "mask"?))")});
  CHECK(document_error(R"({"q":[1,2],"k":[1,2],"colour":1})") ==
        std::pair{Exit::data, std::string(R"(DOC: unknown key "colour")")});
  // What attn writes but does not read is named as such.
  CHECK(document_error(R"({"q":[1,2],"k":[1,2],"weights":[[1]]})") ==
        std::pair{Exit::data,
                  std::string(R"(DOC: "weights" is something attn computes, not an input)")});
  // Every documented key loads; "v" also at the score stage, so one document serves all three.
  CHECK(document_error(R"({"q":[1,2],"k":[1,2],"v":[3],"scale":0.5,"mask":"causal",)"
                       R"("bias":"alibi","softcap":50,"heads":1,"kv_heads":1,"d_k":2,)"
                       R"("softcap_order":"cap-first","rope":{"base":100}})")
            .first == Exit::ok);
  CHECK(attn::input_document_keys().size() == 13);
}

TEST_CASE("load_input: the document's values out of range name its key, exit 65") {
  using attn::Exit;
  CHECK(document_error(R"({"q":[1,2],"k":[1,2],"softcap":-1})").first == Exit::data);
  CHECK(
      document_error(R"({"q":[1,2],"k":[1,2],"softcap":-1})").second.starts_with("input.softcap"));
  CHECK(document_error(R"({"q":[1,2],"k":[1,2],"heads":99999})") ==
        std::pair{Exit::data,
                  std::string("input.heads must be a whole number from 1 to 4096, not 99999")});
  CHECK(document_error(R"({"q":[1,2],"k":[1,2],"heads":-1})").first == Exit::data);
  CHECK(document_error(R"({"q":[1,2],"k":[1,2],"d_k":3})") ==
        std::pair{Exit::data, std::string("input.d_k is 3 but q has 2 columns")});
  CHECK(document_error(R"({"scores":[[1,2]],"d_k":"two"})", attn::Stage::weights).first ==
        Exit::data);
  CHECK(document_error(R"({"scores":[[1,2]],"softcap":5})", attn::Stage::weights) ==
        std::pair{Exit::data, std::string("input.softcap needs q and k, not given scores")});
}

TEST_CASE("load_input: flags that would do nothing are refused by name") {
  attn::InputArgs head = qk("1,2", "1,2");
  head.head = 1;
  CHECK_THROWS_WITH(attn::load_input(head, attn::Stage::scores),
                    "--head has no effect with a single head");
  attn::InputArgs kv = qk("1,2", "1,2");
  kv.kv_heads = 1;
  CHECK_THROWS_WITH(attn::load_input(kv, attn::Stage::scores),
                    "--kv-heads has no effect with a single head");
  attn::InputArgs table = qk("1,2", "1,2");
  table.bias_table = "[1,2]";
  CHECK_THROWS_WITH(attn::load_input(table, attn::Stage::scores),
                    "--bias-table has no effect without --bias t5");
  table.bias = "alibi";
  CHECK_THROWS_WITH(attn::load_input(table, attn::Stage::scores),
                    "--bias-table has no effect without --bias t5");
  attn::InputArgs scores;
  scores.scores = "1,2";
  scores.softcap = 1;
  CHECK(code_of(scores, attn::Stage::weights) == attn::Exit::usage);
  scores.softcap.reset();
  scores.scale = 2;
  CHECK(code_of(scores, attn::Stage::weights) == attn::Exit::usage);
}
