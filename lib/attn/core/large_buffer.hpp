// Memory for the large arrays of a run (tensors, the backward's sums of dq), as zeroed pages
// straight from the operating system. From 2 MiB on, the block is 2 MiB aligned and marked for
// transparent huge pages (madvise(MADV_HUGEPAGE), which Linux honours in its "always" and
// "madvise" modes), so that first touching it costs one page fault per 2 MiB instead of one per
// 4 KiB: on a virtual machine those faults were a few percent of a backward pass. Smaller blocks
// come from the heap, zeroed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <span>

namespace attn {

// Frees what allocate_large gave out: it remembers the size and where the block came from.
struct LargeFree {
  std::size_t bytes = 0;
  bool mapped = false;
  void operator()(std::byte* p) const noexcept;
};
using LargeBytes = std::unique_ptr<std::byte[], LargeFree>;

// `bytes` zeroed bytes (a non-null block even for 0). Throws std::bad_alloc when the system has
// no room.
LargeBytes allocate_large(std::size_t bytes);

// n zeroed values of a trivial type T in such a block.
template <class T>
class LargeArray {
 public:
  LargeArray() = default;
  explicit LargeArray(std::size_t n) : bytes_(allocate_large(bytes_for(n))), n_(n) {}
  T* data() noexcept { return reinterpret_cast<T*>(bytes_.get()); }
  const T* data() const noexcept { return reinterpret_cast<const T*>(bytes_.get()); }
  std::size_t size() const noexcept { return n_; }
  std::span<T> span() noexcept { return {data(), n_}; }

 private:
  static std::size_t bytes_for(std::size_t n) {
    if (n > SIZE_MAX / sizeof(T)) throw std::bad_alloc();
    return n * sizeof(T);
  }

  LargeBytes bytes_;
  std::size_t n_ = 0;
};

}  // namespace attn
