// libFuzzer target: the tensor job's loading and checking (attn::run_tensor_attend on
// `--q FILE.npz` with q, k and v in one archive): reading every member, the shape and finiteness
// checks, the mask, and the streaming computation, with no output file. The first byte chooses
// the mask, the dtype and the alignment; the rest is the archive, handed over in a memfd through a
// symbolic link FILE.npz → /proc/self/fd/N.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

#include "attn/core/error.hpp"
#include "attn/jobs/tensor_attend.hpp"
#include "memory_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const MemoryFile archive("tensor", ".npz");
  archive.hold(data + 1, size - 1);
  static const char* const kMasks[] = {nullptr, "causal", "causal & window:2", "valid:1"};
  attn::TensorJob job;
  job.q = archive.path().string();  // k and v empty: all three from the archive
  if (const char* mask = kMasks[data[0] % 4]) job.mask = mask;
  job.dtype = (data[0] & 4u) != 0 ? attn::DType::f32 : attn::DType::f64;
  job.align = (data[0] & 8u) != 0 ? attn::Align::top_left : attn::Align::bottom_right;
  job.empty_rows = static_cast<attn::EmptyRows>((data[0] >> 4) % 3);  // not error: it throws
  job.threads = 1;
  try {
    const attn::TensorSummary s = attn::run_tensor_attend(job);
    if (s.text.empty()) __builtin_trap();
  } catch (const attn::Error&) {
  }
  return 0;
}
