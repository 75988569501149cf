#include "attn/kernel/vector_unit.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

using attn::VectorUnit;

namespace {

// The first "flags" line of /proc/cpuinfo as a set of words; empty where there is none.
std::set<std::string> cpu_flags() {
  std::ifstream info("/proc/cpuinfo");
  std::string line;
  while (std::getline(info, line))
    if (line.rfind("flags", 0) == 0) {
      std::istringstream words(line.substr(line.find(':') + 1));
      std::set<std::string> flags;
      for (std::string w; words >> w;) flags.insert(w);
      return flags;
    }
  return {};
}

}  // namespace

TEST_CASE("best_vector_unit is the widest unit the kernel's cpuinfo flags allow") {
  const std::set<std::string> f = cpu_flags();
#if defined(__x86_64__)
  REQUIRE_FALSE(f.empty());
  const auto has = [&](const char* name) { return f.count(name) > 0; };
  const VectorUnit want = has("avx512f") && has("f16c")              ? VectorUnit::avx512
                          : has("avx2") && has("fma") && has("f16c") ? VectorUnit::avx2
                                                                     : VectorUnit::sse2;
  CHECK(attn::best_vector_unit() == want);
#else
  CHECK(attn::best_vector_unit() == VectorUnit::sse2);
#endif
}

TEST_CASE("resolve_vector_unit falls back to the widest unit there is, never up") {
  const VectorUnit best = attn::best_vector_unit();
  CHECK(attn::resolve_vector_unit(VectorUnit::automatic) == best);
  CHECK(attn::resolve_vector_unit(VectorUnit::sse2) == VectorUnit::sse2);
  CHECK(attn::resolve_vector_unit(VectorUnit::avx2) ==
        (best == VectorUnit::sse2 ? VectorUnit::sse2 : VectorUnit::avx2));
  CHECK(attn::resolve_vector_unit(VectorUnit::avx512) == best);  // avx512 is the widest
  CHECK(attn::vector_unit_name(VectorUnit::automatic) == attn::vector_unit_name(best));
  CHECK(attn::vector_unit_name(VectorUnit::avx2) == "avx2");
  // a register block row: 4 × 64 bytes on AVX-512 (32 registers), 2 vectors on the others
  CHECK(attn::block_bytes(VectorUnit::avx512) == 256);
  CHECK(attn::block_bytes(VectorUnit::avx2) == 64);
  CHECK(attn::block_bytes(VectorUnit::sse2) == 32);
}
