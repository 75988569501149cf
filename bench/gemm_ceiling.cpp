// The ceiling bench/ceiling.py measures attn's streaming kernel against: the two products of
// attention, S = Q·Kᵀ and O = P·V, done by OpenBLAS's gemm on square blocks of `block` queries and
// keys with nothing between them — no scale, mask, exp or sum. A kernel that also does the softmax
// can only come near this rate, never pass it.
//
//   attn_gemm_ceiling --d D --dtype f64|f32 [--threads T] [--block N] [--reps R] [--square]
//
// Per block pair: S (N × N) = Q (N × D) · Kᵀ (D × N), then O (N × D) = S (N × N) · V (N × D),
// 4·N²·D flops in all. With --square, the machine's plain gemm rate instead: C = A·B with N × N
// matrices, 2·N³ flops (a skinny D makes gemm slower than that, so the block pairs are the fairer
// ceiling and the square rate the machine's best). Prints one JSON object: the OpenBLAS kernel
// picked (openblas_get_corename), the threads, the shape, the best of `reps` wall times and the
// rate in GFLOP/s. float32 stands in for bfloat16 too: attn computes bfloat16 inputs in float32,
// and Debian 12's OpenBLAS 0.3.21 has no sbgemm.
//
// bench-only: attn does not link OpenBLAS.
#include <cblas.h>
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <random>
#include <string>
#include <vector>

namespace {

struct Args {
  int d = 64;
  std::string dtype = "f64";
  int threads = 1;
  int block = 4096;
  int reps = 5;
  bool square = false;
};

// Best wall seconds of `reps` block pairs in precision T.
template <class T>
double best_seconds(const Args& a) {
  const auto n = static_cast<std::size_t>(a.block);
  auto d = static_cast<std::size_t>(a.d);
  std::mt19937_64 rng(1234);
  std::normal_distribution<T> normal;
  if (a.square) d = n;
  std::vector<T> q(n * d), k(n * d), v(n * d), s(n * n), o(n * d);
  for (auto* m : {&q, &k, &v})
    for (T& x : *m) x = normal(rng);
  const int N = a.block, D = a.d;
  double best = 1e30;
  for (int r = 0; r < a.reps; ++r) {
    const auto start = std::chrono::steady_clock::now();
    if (a.square) {
      if constexpr (sizeof(T) == 8)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, N, N, 1.0, q.data(), N, k.data(),
                    N, 0.0, s.data(), N);
      else
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, N, N, 1.0f, q.data(), N, k.data(),
                    N, 0.0f, s.data(), N);
      o[0] = s[0];
    } else if constexpr (sizeof(T) == 8) {
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, N, N, D, 1.0, q.data(), D, k.data(), D,
                  0.0, s.data(), N);
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, D, N, 1.0, s.data(), N, v.data(), D,
                  0.0, o.data(), D);
    } else {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, N, N, D, 1.0f, q.data(), D, k.data(), D,
                  0.0f, s.data(), N);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, D, N, 1.0f, s.data(), N, v.data(),
                  D, 0.0f, o.data(), D);
    }
    const std::chrono::duration<double> t = std::chrono::steady_clock::now() - start;
    best = std::min(best, t.count());
  }
  volatile T sink = o[0];
  (void)sink;
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "OpenBLAS gemm on attention's two products: the rate attn's kernel is measured "
      "against"};
  Args a;
  app.add_option("--d", a.d, "head dimension D")->check(CLI::Range(1, 4096));
  app.add_option("--dtype", a.dtype, "f64 (dgemm) or f32 (sgemm)")
      ->check(CLI::IsMember({"f64", "f32"}));
  app.add_option("--threads", a.threads, "OpenBLAS threads")->check(CLI::Range(1, 256));
  app.add_option("--block", a.block, "queries and keys per block")->check(CLI::Range(64, 16384));
  app.add_option("--reps", a.reps, "block pairs timed; the best is kept")
      ->check(CLI::Range(1, 100));
  app.add_flag("--square", a.square, "time C = A·B with N × N matrices instead (2·N³ flops)");
  CLI11_PARSE(app, argc, argv);

  openblas_set_num_threads(a.threads);
  const double seconds = a.dtype == "f64" ? best_seconds<double>(a) : best_seconds<float>(a);
  const double n = a.block;
  const double flops = a.square ? 2.0 * n * n * n : 4.0 * n * n * a.d;
  fmt::print(
      "{{\"corename\": \"{}\", \"threads\": {}, \"dtype\": \"{}\", \"d\": {}, \"block\": {}, "
      "\"square\": {}, "
      "\"seconds\": {:.6f}, \"gflops\": {:.2f}}}\n",
      openblas_get_corename(), a.threads, a.dtype, a.d, a.block, a.square, seconds,
      flops / seconds * 1e-9);
}
