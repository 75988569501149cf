// A stand-in for `attn attend` with tensor inputs, for benchmarking before (or without) the CLI:
//     attn_bench_driver attend --q q.npy --k k.npy --v v.npy [--mask M] [--output o.npy]
//                              [--dtype f16|bf16|f32|f64] [--timing] [--threads N]
// It calls run_tensor_attend exactly as the CLI does and prints the same summary and timing.
#include <cstdio>
#include <string>

#include "attn/core/error.hpp"
#include "attn/jobs/tensor_attend.hpp"

int main(int argc, char** argv) {
  attn::TensorJob job;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto value = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (a == "attend") continue;
    if (a == "--q")
      job.q = value();
    else if (a == "--k")
      job.k = value();
    else if (a == "--v")
      job.v = value();
    else if (a == "--mask")
      job.mask = value();
    else if (a == "--output")
      job.output = value();
    else if (a == "--dtype")
      job.dtype = attn::float_dtype_named(value());
    else if (a == "--timing")
      job.timing = true;
    else if (a == "--threads")
      job.threads = static_cast<unsigned>(std::stoul(value()));
    else {
      std::fprintf(stderr, "attn_bench_driver: unknown argument %s\n", a.c_str());
      return 2;
    }
  }
  try {
    const attn::TensorSummary s = attn::run_tensor_attend(job);
    std::fputs(s.text.c_str(), stdout);
    if (!s.timing.empty()) std::fprintf(stderr, "%s\n", s.timing.c_str());
  } catch (const attn::Error& e) {
    std::fprintf(stderr, "attn: error: %s\n", e.what());
    return static_cast<int>(e.code());
  }
  return 0;
}
