#include "attn/teach/help_topics.hpp"

#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "attn/core/error.hpp"
#include "attn/mask/expr.hpp"

TEST_CASE("help_topic_text has a page for every listed topic and none for others") {
  for (const attn::HelpTopic& t : attn::help_topics()) {
    CAPTURE(t.name);
    const auto page = attn::help_topic_text(t.name);
    REQUIRE(page.has_value());
    CHECK(page->ends_with("\n"));
    CHECK_FALSE(t.summary.empty());
  }
  CHECK_FALSE(attn::help_topic_text("mask").has_value());
  CHECK_FALSE(attn::help_topic_text("").has_value());
}

TEST_CASE("the masks page names every atom, and every example parses") {
  const std::string page = *attn::help_topic_text("masks");
  for (std::string_view atom : attn::mask_atom_names()) {
    CAPTURE(atom);
    CHECK(page.find(std::string(atom)) != std::string::npos);
  }
  for (const attn::MaskExample& e : attn::mask_examples()) {
    CAPTURE(e.expr);
    CHECK_NOTHROW((void)attn::MaskExpr::parse(e.expr));
    CHECK(page.find(std::string(e.expr)) != std::string::npos);
  }
}

TEST_CASE("the masks page's grids are the evaluated masks") {
  const std::string page = *attn::help_topic_text("masks");
  // causal & window:2 over 4 positions: p − 2 < j ≤ p.
  CHECK(page.find("  1 0 0 0\n  1 1 0 0\n  0 1 1 0\n  0 0 1 1\n") != std::string::npos);
  // causal, 2 queries, 4 keys: bottom-right puts the queries at positions 2 and 3.
  CHECK(page.find("  1 1 1 0         1 0 0 0\n  1 1 1 1         1 1 0 0\n") != std::string::npos);
}

TEST_CASE("the exit-codes page lists every exit code") {
  const std::string page = *attn::help_topic_text("exit-codes");
  using attn::Exit;
  for (Exit code : {Exit::ok, Exit::negative, Exit::usage, Exit::data, Exit::no_input,
                    Exit::internal, Exit::cant_create, Exit::io}) {
    const std::string line = "\n  " + std::to_string(static_cast<int>(code)) + " ";
    CAPTURE(line);
    CHECK(page.find(line) != std::string::npos);
  }
}

TEST_CASE("the json page names every key of the input and output contracts") {
  const std::string page = *attn::help_topic_text("json");
  for (std::string_view key : {"q", "k", "v", "scores", "scale", "mask", "bias", "softcap", "heads",
                               "kv_heads", "d_k", "weights", "output", "head", "kv_head"}) {
    CAPTURE(key);
    const std::string k(key);
    const bool named = page.find("  " + k + " ") != std::string::npos ||
                       page.find(" " + k + ",") != std::string::npos ||
                       page.find("\"" + k + "\"") != std::string::npos;
    CHECK(named);
  }
}
