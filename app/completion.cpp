// `attn completion bash|zsh|fish`: a completion script for the shell, written from the CLI tree
// (completion_spec.hpp) by that shell's writer.
#include <fmt/format.h>

#include <array>
#include <memory>
#include <string>
#include <string_view>

#include "attn/core/error.hpp"
#include "attn/core/suggest.hpp"
#include "cli.hpp"
#include "commands.hpp"
#include "completion_spec.hpp"

namespace attn::cli {
namespace {

constexpr std::array<std::string_view, 3> kShells{"bash", "zsh", "fish"};

struct CompletionOptions {
  std::string shell;
};

void run_completion(const CLI::App& root, const CompletionOptions& o) {
  const completion::CommandSpec tree = completion::command_tree(root);
  if (o.shell == "bash") return print_result(completion::bash_script(tree));
  if (o.shell == "zsh") return print_result(completion::zsh_script(tree));
  if (o.shell == "fish") return print_result(completion::fish_script(tree));
  const auto guess = nearest(o.shell, kShells);
  throw usage_error(fmt::format("attn has no completion for the shell '{}'", o.shell),
                    guess ? fmt::format("did you mean 'attn completion {}'?", *guess)
                          : std::string("give bash, zsh or fish"));
}

}  // namespace

void setup_completion(CLI::App& app) {
  auto opts = std::make_shared<CompletionOptions>();
  auto* cmd = app.add_subcommand(
      "completion",
      describe("Print a shell completion script for attn: commands, flags, mask atoms, choices "
               "and files. Packages install it already.",
               {"source <(attn completion bash)", "attn completion zsh > ~/.zfunc/_attn",
                "attn completion fish > ~/.config/fish/completions/attn.fish"}));
  cmd->add_option("shell", opts->shell, "the shell to complete for")
      ->required()
      ->type_name("bash|zsh|fish");
  const CLI::App* root = &app;
  cmd->callback([root, opts] { run_completion(*root, *opts); });
}

}  // namespace attn::cli
