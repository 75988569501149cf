#include "attn/core/bhsd.hpp"

#include <doctest/doctest.h>

TEST_CASE("Bhsd::offset adds each index times its stride") {
  attn::Bhsd v;
  v.batch = 2, v.heads = 2, v.seq = 3, v.dim = 4;
  v.batch_stride = 24, v.head_stride = 12, v.row_stride = 4;
  CHECK(v.offset(0, 0, 0) == 0);
  CHECK(v.offset(1, 1, 2) == 24 + 12 + 8);
  CHECK(v.count() == 48);
}
