// Memory for the large arrays of a run (tensors, the backward's sums of dq), as zeroed pages
// straight from the operating system, never written before use. From 2 MiB on, the block is
// 2 MiB aligned, so that where the system gives transparent huge pages by itself (Linux's
// "always" mode) it is whole huge pages. It does not ask for them (madvise(MADV_HUGEPAGE)): on the
// virtual machine of bench/README.md, first touching a huge page took 0.1 ms or 5–7 ms, by whether
// the host still had memory behind it, against 0.8–1.2 ms for its 512 small pages, and the
// backward pass of bench/grad_bench.py was slower and less even with the advice. Smaller blocks
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
