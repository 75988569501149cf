// libFuzzer target: the JSON input document, through the same path as `attn attend --input F`:
// attn::load_input (parse_json, matrix_from_json, masks, biases, heads) and then attn::run_heads.
// The document is handed over in a memfd, read back as /proc/self/fd/N, so no file is written.
// The first byte chooses the stage (scores, weights, output) and the empty-row policy.
#include <sys/mman.h>
#include <unistd.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "attn/core/error.hpp"
#include "attn/io/input.hpp"

namespace {

// One memfd for the whole run, rewritten for each input.
int document_fd() {
  static const int fd = [] {
    const int f = ::memfd_create("attn-json-fuzz", 0);
    if (f < 0) std::abort();
    return f;
  }();
  return fd;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const int fd = document_fd();
  if (::ftruncate(fd, 0) != 0) std::abort();
  const auto body = static_cast<std::size_t>(size - 1);
  if (body > 0 && ::pwrite(fd, data + 1, body, 0) != static_cast<ssize_t>(body)) std::abort();

  attn::InputArgs args;
  args.input = "/proc/self/fd/" + std::to_string(fd);
  const attn::Stage stage = data[0] % 3 == 0   ? attn::Stage::scores
                            : data[0] % 3 == 1 ? attn::Stage::weights
                                               : attn::Stage::output;
  args.empty_rows = static_cast<attn::EmptyRows>((data[0] >> 2) % 4);
  args.align = (data[0] & 16u) != 0 ? attn::Align::top_left : attn::Align::bottom_right;
  try {
    const attn::Run run = attn::run_heads(attn::load_input(args, stage), stage);
    for (const auto& head : run.heads) {
      if (!head.trace.softmax) continue;
      // Every row of α sums to 1 unless it is an empty row (0, NaN or uniform by policy).
      const attn::Matrix& w = head.trace.softmax->weights;
      for (std::size_t i = 0; i < w.rows(); ++i) {
        double sum = 0;
        for (const double x : w.row(i)) sum += x;
        if (head.trace.softmax->row_max[i] > -INFINITY && !(std::fabs(sum - 1.0) < 1e-9))
          __builtin_trap();
      }
    }
  } catch (const attn::Error&) {
  }
  return 0;
}
