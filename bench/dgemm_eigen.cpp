// The machine's dgemm rate for bench/tile_bench.cpp: Eigen 3.4's GEMM on one core, C = A·B with
// n × n doubles. This file alone is compiled with -march=native (see bench/CMakeLists.txt), so the
// reference uses every vector unit the processor has.
#include <Eigen/Dense>
#include <algorithm>
#include <cstddef>
#include <ctime>

namespace {
// CPU seconds of this thread: on a shared machine, time the process actually ran.
double thread_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}
}  // namespace

// Thread CPU seconds of the fastest of reps products.
double eigen_dgemm(std::size_t n, int reps) {
  const auto size = static_cast<Eigen::Index>(n);
  const Eigen::MatrixXd a = Eigen::MatrixXd::Random(size, size);
  const Eigen::MatrixXd b = Eigen::MatrixXd::Random(size, size);
  Eigen::MatrixXd c(size, size);
  double best = 1e30;
  for (int r = 0; r < reps; ++r) {
    const double start = thread_seconds();
    c.noalias() = a * b;
    best = std::min(best, thread_seconds() - start);
  }
  volatile double sink = c(0, 0);
  (void)sink;
  return best;
}
