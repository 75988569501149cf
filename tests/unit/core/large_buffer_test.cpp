#include "attn/core/large_buffer.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

namespace {

constexpr std::size_t mib2 = std::size_t{2} << 20;

// The "VmFlags:" line /proc/self/smaps gives for the mapping that holds `p`, or nothing when the
// file or the line is missing (not Linux, or an old kernel). "hg" among them: the mapping asked
// for huge pages (MADV_HUGEPAGE), whatever mode the kernel's transparent huge pages are in.
std::optional<std::string> vm_flags(const void* p) {
  std::ifstream smaps("/proc/self/smaps");
  const auto at = reinterpret_cast<std::uintptr_t>(p);
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    std::uintptr_t lo = 0, hi = 0;
    char dash = 0;
    std::istringstream head(line);
    if (head >> std::hex >> lo >> dash >> hi && dash == '-') {
      inside = lo <= at && at < hi;
      continue;
    }
    if (inside && line.rfind("VmFlags:", 0) == 0) return line.substr(8) + " ";
  }
  return std::nullopt;
}

}  // namespace

TEST_CASE("allocate_large gives zeroed, writable blocks of every size") {
  for (const std::size_t bytes : {std::size_t{0}, std::size_t{1}, std::size_t{4095}, mib2 - 1, mib2,
                                  mib2 + 1, 5 * mib2 + 123}) {
    CAPTURE(bytes);
    attn::LargeBytes block = attn::allocate_large(bytes);
    REQUIRE(block != nullptr);
    CHECK(std::all_of(block.get(), block.get() + bytes,
                      [](std::byte b) { return b == std::byte{0}; }));
    std::fill(block.get(), block.get() + bytes, std::byte{0x5a});  // every byte is ours to write
    if (bytes > 0) CHECK(block[bytes - 1] == std::byte{0x5a});
  }
}

TEST_CASE(
    "a block of 2 MiB or more sits on a huge page boundary and leaves huge pages to the system") {
  attn::LargeArray<double> sums(3 * mib2 / sizeof(double) + 7);
  CHECK(sums.size() == 3 * mib2 / sizeof(double) + 7);
  CHECK(reinterpret_cast<std::uintptr_t>(sums.data()) % mib2 == 0);
  CHECK(std::all_of(sums.span().begin(), sums.span().end(), [](double x) { return x == 0; }));
#if defined(__linux__)
  const std::optional<std::string> flags = vm_flags(sums.data());
  if (!flags)
    MESSAGE("huge pages not checked: /proc/self/smaps does not list the mapping's flags");
  else
    CHECK(flags->find(" hg ") == std::string::npos);  // not asked for: the system's own policy
#endif
  // a small one comes from the heap, zeroed too
  attn::LargeArray<float> small(100);
  CHECK(std::all_of(small.span().begin(), small.span().end(), [](float x) { return x == 0; }));
}
