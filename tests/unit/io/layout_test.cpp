#include "attn/io/layout.hpp"

#include <doctest/doctest.h>

#include <vector>

#include "attn/core/error.hpp"

using attn::Layout;

TEST_CASE("bhsd: (B, H, S, D) with D fastest, then S, then H") {
  const std::size_t shape[] = {2, 3, 5, 4};
  const attn::Bhsd v = attn::bhsd_of(shape, Layout::bhsd, "q", "q.npy");
  CHECK(v.batch == 2);
  CHECK(v.heads == 3);
  CHECK(v.seq == 5);
  CHECK(v.dim == 4);
  CHECK(v.row_stride == 4);
  CHECK(v.head_stride == 20);
  CHECK(v.batch_stride == 60);
  // q[1, 2, 3, 0] is element 1·60 + 2·20 + 3·4 = 112
  CHECK(v.offset(1, 2, 3) == 112);
}

TEST_CASE("bshd: (B, S, H, D) with D fastest, then H, then S") {
  const std::size_t shape[] = {2, 5, 3, 4};
  const attn::Bhsd v = attn::bhsd_of(shape, Layout::bshd, "q", "q.npy");
  CHECK(v.heads == 3);
  CHECK(v.seq == 5);
  CHECK(v.head_stride == 4);
  CHECK(v.row_stride == 12);
  // q[1, 3, 2, 0] (batch 1, position 3, head 2) is element 1·60 + 3·12 + 2·4 = 104
  CHECK(v.offset(1, 2, 3) == 104);
}

TEST_CASE("lower ranks drop the batch, then the heads") {
  const std::size_t three[] = {3, 5, 4};
  CHECK(attn::bhsd_of(three, Layout::bhsd, "q", "f").heads == 3);
  CHECK(attn::bhsd_of(three, Layout::bshd, "q", "f").heads == 5);
  CHECK(attn::bhsd_of(three, Layout::bshd, "q", "f").seq == 3);
  const std::size_t two[] = {5, 4};
  const attn::Bhsd m = attn::bhsd_of(two, Layout::bshd, "q", "f");
  CHECK(m.batch == 1);
  CHECK(m.heads == 1);
  CHECK(m.seq == 5);
  const std::size_t one[] = {4};
  CHECK(attn::bhsd_of(one, Layout::bhsd, "q", "f").seq == 1);
}

TEST_CASE("shape_of writes dims back in the layout and rank") {
  attn::Bhsd d;
  d.batch = 2, d.heads = 3, d.seq = 5, d.dim = 4;
  CHECK(attn::shape_of(d, Layout::bhsd, 4) == std::vector<std::size_t>{2, 3, 5, 4});
  CHECK(attn::shape_of(d, Layout::bshd, 4) == std::vector<std::size_t>{2, 5, 3, 4});
  CHECK(attn::shape_of(d, Layout::bshd, 3) == std::vector<std::size_t>{5, 3, 4});
  CHECK(attn::shape_of(d, Layout::bhsd, 2) == std::vector<std::size_t>{5, 4});
}

TEST_CASE("a rank other than 1 to 4 names the operand, the file and what each layout takes") {
  const std::size_t five[] = {1, 2, 3, 4, 5};
  CHECK_THROWS_WITH_AS(attn::bhsd_of(five, Layout::bhsd, "k", "k.npy"),
                       "k.npy: k has shape (1, 2, 3, 4, 5) (5 dimensions), but attn takes (S, "
                       "D), (H, S, D) or (B, H, S, D) with --layout bhsd",
                       attn::Error);
  CHECK(attn::layout_named("bshd") == Layout::bshd);
  CHECK(attn::layout_named("BSHD") == std::nullopt);
  CHECK(attn::layout_name(Layout::bhsd) == "bhsd");
}
