// kernel/threads: how many threads the kernels start, and that every one runs.
#include "attn/kernel/threads.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <thread>
#include <vector>

TEST_CASE("thread_count: as asked, one per core for 0, never more than the work items") {
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  CHECK(attn::thread_count(3, 100) == 3);
  CHECK(attn::thread_count(0, 100) == std::min(cores, 100u));
  CHECK(attn::thread_count(8, 5) == 5);
  CHECK(attn::thread_count(0, 1) == 1);
  CHECK(attn::thread_count(4, 0) == 0);
}

TEST_CASE("run_threads: work(t) once for each t, work(0) even for no threads") {
  for (unsigned threads : {0u, 1u, 3u}) {
    CAPTURE(threads);
    std::vector<std::atomic<int>> calls(4);
    attn::run_threads(threads, [&](unsigned t) { ++calls[t]; });
    CHECK(calls[0] == 1);
    for (unsigned t = 1; t < 4; ++t) CHECK(calls[t] == (t < threads ? 1 : 0));
  }
}

TEST_CASE("pairs_keep_threads_busy: pair only where each thread still gets four items") {
  CHECK(attn::pairs_keep_threads_busy(16, 2));   // 8 pairs, 4 per thread
  CHECK(!attn::pairs_keep_threads_busy(15, 2));  // 7 pairs
  CHECK(attn::pairs_keep_threads_busy(8, 1));
  CHECK(attn::pairs_keep_threads_busy(8, 0));  // 0 threads counts as 1
  CHECK(!attn::pairs_keep_threads_busy(7, 0));
}
