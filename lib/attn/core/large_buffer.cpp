#include "attn/core/large_buffer.hpp"

#include <cstdint>
#include <cstdlib>
#include <new>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace attn {

namespace {

constexpr std::size_t huge_page = std::size_t{2} << 20;

}  // namespace

void LargeFree::operator()(std::byte* p) const noexcept {
#if defined(__linux__)
  if (mapped) {
    ::munmap(p, bytes);
    return;
  }
#endif
  std::free(p);
}

LargeBytes allocate_large(std::size_t bytes) {
#if defined(__linux__)
  if (bytes >= huge_page) {
    // whole huge pages, at a huge page's boundary: map one more and trim both ends
    if (bytes > SIZE_MAX - 2 * huge_page) throw std::bad_alloc();
    const std::size_t length = (bytes + huge_page - 1) / huge_page * huge_page;
    void* raw = ::mmap(nullptr, length + huge_page, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) throw std::bad_alloc();
    const auto at = reinterpret_cast<std::uintptr_t>(raw);
    const std::uintptr_t start = (at + huge_page - 1) / huge_page * huge_page;
    if (start > at) ::munmap(raw, start - at);
    if (const std::size_t tail = at + huge_page - start; tail > 0)
      ::munmap(reinterpret_cast<void*>(start + length), tail);
    return LargeBytes(reinterpret_cast<std::byte*>(start), LargeFree{length, true});
  }
#endif
  void* p = std::calloc(bytes == 0 ? 1 : bytes, 1);
  if (p == nullptr) throw std::bad_alloc();
  return LargeBytes(static_cast<std::byte*>(p), LargeFree{bytes, false});
}

}  // namespace attn
