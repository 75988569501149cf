// The streaming tile loop's GFLOP/s beside the machine's dgemm rate (Eigen's GEMM on a large
// square product, compiled for this processor), both on one core unless the name says otherwise.
// One-core rates are per CPU second (thread CPU time), so other processes on a shared machine do
// not count against them; the all-threads case is wall time.
//
//   BM_tile_loop_f64/<unit>/<n>/<d>   attend_streaming with no mask: every tile is computed, so the
//                                 work is exactly 2·n²·d (q·kᵀ) + 2·n²·d (p·v) flops
//   BM_dgemm_eigen/<n>            C = A·B, 2·n³ flops
//
// Build with -DATTN_BUILD_BENCH=ON, run build/bench/attn_tile_bench.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "attn/kernel/streaming.hpp"

double eigen_dgemm(std::size_t n, int reps);  // dgemm_eigen.cpp: seconds of the best of reps

namespace {

template <class T>
std::vector<T> random_values(std::size_t count, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<T> x(count);
  for (T& y : x) y = static_cast<T>(static_cast<double>(rng() >> 11) * 0x1.0p-53 - 0.5);
  return x;
}

template <class T>
void BM_tile_loop(benchmark::State& state, attn::VectorUnit unit, unsigned threads) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto d = static_cast<std::size_t>(state.range(1));
  const std::vector<T> q = random_values<T>(n * d, 1), k = random_values<T>(n * d, 2),
                       v = random_values<T>(n * d, 3);
  std::vector<T> out(n * d);
  attn::StreamingOptions opt;
  opt.unit = unit;
  opt.threads = threads;
  for (auto _ : state) {
    attn::attend_streaming(std::span<const T>(q), std::span<const T>(k), std::span<const T>(v),
                           {n, n, d, d}, std::span<T>(out), opt);
    benchmark::DoNotOptimize(out.data());
  }
  const double flops =
      4.0 * static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(d);
  state.counters["GFLOP/s"] =
      benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(std::string(attn::vector_unit_name(attn::resolve_vector_unit(unit))));
}

void BM_dgemm_eigen(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) state.SetIterationTime(eigen_dgemm(n, 1));
  const double flops =
      2.0 * static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(n);
  state.counters["GFLOP/s"] =
      benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_tile_loop_f64(benchmark::State& state, attn::VectorUnit unit, unsigned threads) {
  BM_tile_loop<double>(state, unit, threads);
}
void BM_tile_loop_f32(benchmark::State& state, attn::VectorUnit unit, unsigned threads) {
  BM_tile_loop<float>(state, unit, threads);
}

}  // namespace

BENCHMARK(BM_dgemm_eigen)->Arg(1024)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_tile_loop_f64, best_1thread, attn::VectorUnit::automatic, 1u)
    ->Args({2048, 64})
    ->Args({2048, 128})
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_tile_loop_f64, avx2_1thread, attn::VectorUnit::avx2, 1u)
    ->Args({2048, 64})
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_tile_loop_f64, sse2_1thread, attn::VectorUnit::sse2, 1u)
    ->Args({2048, 64})
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_tile_loop_f32, best_1thread, attn::VectorUnit::automatic, 1u)
    ->Args({2048, 64})
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_tile_loop_f64, best_all_threads, attn::VectorUnit::automatic, 0u)
    ->Args({2048, 64})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

BENCHMARK_MAIN();
