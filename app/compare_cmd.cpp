// `attn compare A B`: a kernel's tensor against a reference, within tolerance or not.
#include <fmt/format.h>

#include <memory>

#include "attn/core/error.hpp"
#include "attn/jobs/compare.hpp"
#include "cli.hpp"
#include "commands.hpp"

namespace attn::cli {
namespace {

struct CompareCmdOptions {
  std::string a, b;
  CompareOptions compare;
  bool json = false;
};

void run_compare(const CompareCmdOptions& o) {
  const Comparison c = compare_tensors(read_tensor(o.a, "o"), read_tensor(o.b, "o"), o.compare);
  print_result(o.json ? comparison_json(c) : comparison_text(c));
  if (!c.within())
    throw Error(Exit::negative,
                fmt::format("{} of {} elements beyond tolerance", c.beyond, c.count));
}

}  // namespace

void setup_compare(CLI::App& app) {
  auto opts = std::make_shared<CompareCmdOptions>();
  auto* cmd = app.add_subcommand(
      "compare",
      describe(
          "Compare tensor A with reference B: the largest absolute, relative and ULP errors "
          "and the elements beyond tolerance (exit 1 if any).",
          {"attn compare mine.npy o.npy", "attn compare o_kernel.safetensors:o o.npy --rtol 1e-3",
           "attn compare mine.npy o.npy --json"}));
  cmd->add_option("A", opts->a,
                  "the tensor to check: FILE.npy, FILE.npz[:NAME], FILE.safetensors[:NAME]")
      ->required()
      ->type_name("FILE");
  cmd->add_option("B", opts->b, "the reference, as A")->required()->type_name("FILE");
  cmd->add_option("--rtol", opts->compare.rtol,
                  "relative tolerance (default: torch.testing's for the dtypes)")
      ->type_name("R");
  cmd->add_option("--atol", opts->compare.atol, "absolute tolerance (default: as --rtol)")
      ->type_name("A");
  cmd->add_flag("--json", opts->json, "write one JSON object instead of the report");
  cmd->callback([opts] { run_compare(*opts); });
}

}  // namespace attn::cli
