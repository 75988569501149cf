#include "attn/mask/library.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "attn/core/error.hpp"

using attn::Library;

TEST_CASE("parse_libraries") {
  using attn::parse_libraries;
  CHECK(parse_libraries("sdpa") == std::vector{Library::torch_sdpa});
  CHECK(parse_libraries("torch-mha") == std::vector{Library::torch_mha});
  CHECK(parse_libraries("mha") == std::vector{Library::torch_mha});
  CHECK(parse_libraries("transformers") == std::vector{Library::hf});
  CHECK(parse_libraries("flexattention") == std::vector{Library::flex});
  CHECK(parse_libraries("all").size() == 7);
  try {
    (void)parse_libraries("flsh-attn");
    FAIL("no error");
  } catch (const attn::Error& e) {
    CHECK(e.code() == attn::Exit::usage);
    CHECK(std::string(e.what()) == "--as: unknown library 'flsh-attn'");
    CHECK(e.hint() == "did you mean 'flash-attn'?");
  }
}
