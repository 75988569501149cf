#include "attn/core/suggest.hpp"

#include <doctest/doctest.h>

#include <array>
#include <string_view>

TEST_CASE("edit_distance counts single-character edits") {
  CHECK(attn::edit_distance("", "") == 0);
  CHECK(attn::edit_distance("abc", "") == 3);
  CHECK(attn::edit_distance("windw", "window") == 1);   // one insertion
  CHECK(attn::edit_distance("kitten", "sitting") == 3);  // k→s, e→i, +g
}

TEST_CASE("nearest suggests only plausible typos") {
  constexpr std::array<std::string_view, 3> commands{"score", "weights", "attend"};
  CHECK(attn::nearest("scroe", commands) == "score");
  CHECK(attn::nearest("atend", commands) == "attend");
  CHECK_FALSE(attn::nearest("banana", commands).has_value());
  CHECK_FALSE(attn::nearest("x", commands).has_value());
}
