#include "attn/mask/atoms.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "mask_testing.hpp"

using attn::BoolMatrix;
using attn::Geometry;
using attn::MaskExpr;
using attn::testing::br;
using attn::testing::evaluate_error;
using attn::testing::mask;
using attn::testing::tl;

// Every atom, written out by hand. Shapes: 4×4 (p = i); 2×4 bottom-right (p = i + 2); 2×4
// top-left (p = i); 4×2 bottom-right (p = i − 2, so rows 0 and 1 sit at positions −2 and −1).

TEST_CASE("full and none allow every key") {
  CHECK(mask("full", 4, 4) == BoolMatrix(4, 4, true));
  CHECK(mask("none", 4, 4) == BoolMatrix(4, 4, true));
  CHECK(mask("full", 2, 4, br) == BoolMatrix(2, 4, true));
  CHECK(mask("full", 2, 4, tl) == BoolMatrix(2, 4, true));
  CHECK(mask("full", 4, 2, br) == BoolMatrix(4, 2, true));
}

TEST_CASE("causal: j ≤ p") {
  CHECK(mask("causal", 4, 4) == BoolMatrix{{1, 0, 0, 0},  //
                                           {1, 1, 0, 0},
                                           {1, 1, 1, 0},
                                           {1, 1, 1, 1}});
  // p = 2, 3: the queries are the last two keys.
  CHECK(mask("causal", 2, 4, br) == BoolMatrix{{1, 1, 1, 0},  //
                                               {1, 1, 1, 1}});
  // p = 0, 1: SDPA's is_causal.
  CHECK(mask("causal", 2, 4, tl) == BoolMatrix{{1, 0, 0, 0},  //
                                               {1, 1, 0, 0}});
  // p = −2, −1, 0, 1: no key precedes a negative position, so the first two rows are empty.
  CHECK(mask("causal", 4, 2, br) == BoolMatrix{{0, 0},  //
                                               {0, 0},
                                               {1, 0},
                                               {1, 1}});
}

TEST_CASE("window:W: p − W < j ≤ p, W keys including the query's own") {
  // window:2 keeps j ∈ {p − 1, p}.
  CHECK(mask("window:2", 4, 4) == BoolMatrix{{1, 0, 0, 0},  //
                                             {1, 1, 0, 0},
                                             {0, 1, 1, 0},
                                             {0, 0, 1, 1}});
  CHECK(mask("window:2", 2, 4, br) == BoolMatrix{{0, 1, 1, 0},  // p = 2
                                                 {0, 0, 1, 1}});
  CHECK(mask("window:2", 2, 4, tl) == BoolMatrix{{1, 0, 0, 0},  // p = 0
                                                 {1, 1, 0, 0}});
  CHECK(mask("window:2", 4, 2, br) == BoolMatrix{{0, 0},  // p = −2: j ∈ {−3, −2}
                                                 {0, 0},  // p = −1: j ∈ {−2, −1}
                                                 {1, 0},
                                                 {1, 1}});
  CHECK(mask("window:1", 4, 4) == BoolMatrix{{1, 0, 0, 0},  // only the diagonal
                                             {0, 1, 0, 0},
                                             {0, 0, 1, 0},
                                             {0, 0, 0, 1}});
}

TEST_CASE("local:W: |p − j| ≤ W, a band of 2W + 1 keys") {
  CHECK(mask("local:1", 4, 4) == BoolMatrix{{1, 1, 0, 0},  //
                                            {1, 1, 1, 0},
                                            {0, 1, 1, 1},
                                            {0, 0, 1, 1}});
  CHECK(mask("local:1", 2, 4, br) == BoolMatrix{{0, 1, 1, 1},  // p = 2
                                                {0, 0, 1, 1}});
  CHECK(mask("local:1", 2, 4, tl) == BoolMatrix{{1, 1, 0, 0},  // p = 0
                                                {1, 1, 1, 0}});
  CHECK(mask("local:1", 4, 2, br) == BoolMatrix{{0, 0},  // p = −2: j ∈ [−3, −1]
                                                {1, 0},  // p = −1: j ∈ [−2, 0]
                                                {1, 1},
                                                {1, 1}});
  CHECK(mask("local:0", 2, 2) == BoolMatrix{{1, 0},  //
                                            {0, 1}});
}

TEST_CASE("prefix:P: j < P or j ≤ p") {
  // The first two keys are visible to everyone; after them, causal.
  CHECK(mask("prefix:2", 4, 4) == BoolMatrix{{1, 1, 0, 0},  //
                                             {1, 1, 0, 0},
                                             {1, 1, 1, 0},
                                             {1, 1, 1, 1}});
  CHECK(mask("prefix:2", 2, 4, br) == BoolMatrix{{1, 1, 1, 0},  // p = 2
                                                 {1, 1, 1, 1}});
  CHECK(mask("prefix:2", 2, 4, tl) == BoolMatrix{{1, 1, 0, 0},  // p = 0
                                                 {1, 1, 0, 0}});
  CHECK(mask("prefix:1", 4, 2, br) == BoolMatrix{{1, 0},  // p = −2 still sees the prefix j = 0
                                                 {1, 0},
                                                 {1, 0},
                                                 {1, 1}});
  CHECK(mask("prefix:0", 4, 4) == mask("causal", 4, 4));
}

TEST_CASE("valid:L: j < L, one L for all rows or one per query row") {
  CHECK(mask("valid:3", 4, 4) == BoolMatrix{{1, 1, 1, 0},  //
                                            {1, 1, 1, 0},
                                            {1, 1, 1, 0},
                                            {1, 1, 1, 0}});
  CHECK(mask("valid:1,2,3,4", 4, 4) == BoolMatrix{{1, 0, 0, 0},  //
                                                  {1, 1, 0, 0},
                                                  {1, 1, 1, 0},
                                                  {1, 1, 1, 1}});
  // Lengths go by row i, not position p, so the alignment does not matter.
  const BoolMatrix rows{{1, 1, 1, 0},  //
                        {1, 0, 0, 0}};
  CHECK(mask("valid:3,1", 2, 4, br) == rows);
  CHECK(mask("valid:3,1", 2, 4, tl) == rows);
  CHECK(mask("valid:1,0,2,1", 4, 2, br) == BoolMatrix{{1, 0},  //
                                                      {0, 0},
                                                      {1, 1},
                                                      {1, 0}});
  CHECK(mask("valid:9", 1, 3) == BoolMatrix{{1, 1, 1}});  // longer than the keys: all valid
}

TEST_CASE("document:IDS: ids[p] = ids[j], and a position without an id attends nothing") {
  // Two documents packed into one sequence: keys 0–1 and 2–3.
  CHECK(mask("document:0,0,1,1", 4, 4) == BoolMatrix{{1, 1, 0, 0},  //
                                                     {1, 1, 0, 0},
                                                     {0, 0, 1, 1},
                                                     {0, 0, 1, 1}});
  CHECK(mask("document:0,0,1,1", 2, 4, br) == BoolMatrix{{0, 0, 1, 1},  // p = 2, 3: document 1
                                                         {0, 0, 1, 1}});
  CHECK(mask("document:0,0,1,1", 2, 4, tl) == BoolMatrix{{1, 1, 0, 0},  // p = 0, 1: document 0
                                                         {1, 1, 0, 0}});
  CHECK(mask("document:0,1", 4, 2, br) == BoolMatrix{{0, 0},  // p = −2: no segment
                                                     {0, 0},  // p = −1: no segment
                                                     {1, 0},
                                                     {0, 1}});
  CHECK(mask("document:0,0,1,1,1", 5, 5) == BoolMatrix{{1, 1, 0, 0, 0},  //
                                                       {1, 1, 0, 0, 0},
                                                       {0, 0, 1, 1, 1},
                                                       {0, 0, 1, 1, 1},
                                                       {0, 0, 1, 1, 1}});
  // The ids need not be contiguous: positions 0 and 2 share id 7.
  CHECK(mask("document:7,3,7", 3, 3) == BoolMatrix{{1, 0, 1},  //
                                                   {0, 1, 0},
                                                   {1, 0, 1}});
}

TEST_CASE("chunk:C: ⌊p/C⌋ = ⌊j/C⌋, with floor division for negative positions") {
  CHECK(mask("chunk:2", 4, 4) == BoolMatrix{{1, 1, 0, 0},  //
                                            {1, 1, 0, 0},
                                            {0, 0, 1, 1},
                                            {0, 0, 1, 1}});
  CHECK(mask("chunk:2", 2, 4, br) == BoolMatrix{{0, 0, 1, 1},  // ⌊2/2⌋ = ⌊3/2⌋ = 1
                                                {0, 0, 1, 1}});
  CHECK(mask("chunk:2", 2, 4, tl) == BoolMatrix{{1, 1, 0, 0},  //
                                                {1, 1, 0, 0}});
  // ⌊−1/2⌋ = −1 (C++'s −1 / 2 would give 0 and wrongly put p = −1 in the chunk of keys 0, 1).
  CHECK(mask("chunk:2", 4, 2, br) == BoolMatrix{{0, 0},  // ⌊−2/2⌋ = −1
                                                {0, 0},  // ⌊−1/2⌋ = −1
                                                {1, 1},
                                                {1, 1}});
  CHECK(mask("chunk:3", 5, 5) == BoolMatrix{{1, 1, 1, 0, 0},  //
                                            {1, 1, 1, 0, 0},
                                            {1, 1, 1, 0, 0},
                                            {0, 0, 0, 1, 1},
                                            {0, 0, 0, 1, 1}});
}

TEST_CASE("dilated:W:D: |p − j| ≤ W and D divides p − j") {
  // dilated:2:2 keeps j ∈ {p − 2, p, p + 2}.
  CHECK(mask("dilated:2:2", 5, 5) == BoolMatrix{{1, 0, 1, 0, 0},  //
                                                {0, 1, 0, 1, 0},
                                                {1, 0, 1, 0, 1},
                                                {0, 1, 0, 1, 0},
                                                {0, 0, 1, 0, 1}});
  CHECK(mask("dilated:2:2", 2, 4, br) == BoolMatrix{{1, 0, 1, 0},  // p = 2
                                                    {0, 1, 0, 1}});
  CHECK(mask("dilated:2:2", 2, 4, tl) == BoolMatrix{{1, 0, 1, 0},  // p = 0
                                                    {0, 1, 0, 1}});
  CHECK(mask("dilated:2:2", 4, 2, br) == BoolMatrix{{1, 0},  // p = −2: j = 0, p − j = −2
                                                    {0, 1},  // p = −1: j = 1, p − j = −2
                                                    {1, 0},
                                                    {0, 1}});
  CHECK(mask("dilated:3:1", 4, 4) == BoolMatrix(4, 4, true));
}

TEST_CASE("parameters that do not fit the shape are data errors") {
  CHECK(evaluate_error("valid:3,2,4", Geometry{2, 4, br}) ==
        "--mask: valid gives 3 lengths but there are 2 query rows; give one length per row, or a "
        "single length for every row");
  CHECK(evaluate_error("causal & document:0,0,1", Geometry{4, 5, br}) ==
        "--mask: document gives 3 segment ids but there are 5 keys; give one id per key position");
  CHECK(evaluate_error("document:0,0,1", Geometry{4, 3, tl}) ==
        "--mask: document gives 3 segment ids but query row 3 sits at position 3 (top-left "
        "alignment); give an id for every position up to 3");
  // Bottom-right with n_q > n_k: the negative positions need no ids.
  CHECK(mask("document:0,0,1", 4, 3, br).count() == 5);
  const MaskExpr lengths = MaskExpr::parse("valid:3,2,4");
  CHECK(lengths.allows(2, 2, 3));
  CHECK_THROWS_WITH_AS(lengths.allows(3, 3, 0),
                       "--mask: valid gives 3 lengths, one per query row, so row 3 has none",
                       attn::Error);
}

TEST_CASE("mask_atom_names lists every atom") {
  const auto names = attn::mask_atom_names();
  CHECK(std::vector<std::string_view>(names.begin(), names.end()) ==
        std::vector<std::string_view>{"full", "none", "causal", "window", "local", "prefix",
                                      "valid", "document", "chunk", "dilated"});
}
