// How the kernels share out their work items: how many threads, and running a worker on each.
#pragma once

#include <algorithm>
#include <cstddef>
#include <thread>
#include <vector>

namespace attn {

// The threads to run: `requested` (0: one per core), never more than there are work items.
inline unsigned thread_count(unsigned requested, std::size_t items) {
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  return static_cast<unsigned>(std::min<std::size_t>(requested == 0 ? cores : requested, items));
}

// Whether work items paired two by two still leave each of `threads` threads (0 counts as 1) four
// of them: where the forward pairs query tiles and the backward key tiles.
inline bool pairs_keep_threads_busy(std::size_t items, unsigned threads) {
  return items / 2 >= 4 * std::size_t{std::max(threads, 1u)};
}

// Runs work(t) for t = 1 … threads − 1 on threads of their own and work(0) on this one, and
// returns when all have finished. work(0) runs even when `threads` is 0.
template <class Work>
void run_threads(unsigned threads, Work&& work) {
  std::vector<std::jthread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back([&work, t] { work(t); });
  work(0u);
}

}  // namespace attn
