// attn: the command-line front end. Errors from the library are caught here, once, and become
// one line on stderr and an exit code (see lib/attn/error.hpp).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <exception>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "attn/core/error.hpp"
#include "attn/core/suggest.hpp"
#include "attn/core/version.hpp"
#include "cli.hpp"
#include "commands.hpp"

namespace {

constexpr std::string_view kUsage =
    "usage: attn COMMAND [OPTIONS]\n"
    "\n"
    "Examples:\n"
    "  attn demo                                      a guided walk-through\n"
    "  attn score --q 2,0.5,1,-1.5 --k 1,1,-0.5,2     one score, worked out\n"
    "  attn weights --scores 1,2,3                    softmax, step by step\n"
    "  attn attend --input problem.json --json        the whole pipeline, as JSON\n"
    "\n"
    "Run 'attn --help' for every command.\n";

bool wants_json(int argc, char** argv) {
  return std::any_of(argv + 1, argv + argc,
                     [](const char* a) { return std::string_view(a) == "--json"; });
}

int report(attn::Exit code, const std::string& message, const std::string& hint, bool json) {
  if (json) {
    nlohmann::ordered_json error{{"code", static_cast<int>(code)}, {"message", message}};
    if (!hint.empty()) error["hint"] = hint;
    // replace, not throw, on invalid UTF-8: the message may quote what the user typed
    fmt::print(stderr, "{}\n",
               nlohmann::ordered_json{{"error", error}}.dump(
                   -1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
  } else if (code ==
             attn::Exit::negative) {  // a result, not a failure: `attn check` found mistakes
    fmt::print(stderr, "attn: {}\n", message);
  } else {
    fmt::print(stderr, "attn: error: {}\n", message);
    if (!hint.empty()) fmt::print(stderr, "hint: {}\n", hint);
  }
  return static_cast<int>(code);
}

std::vector<std::string_view> command_names(const CLI::App& app) {
  std::vector<std::string_view> names;
  for (const CLI::App* sub : app.get_subcommands({})) names.push_back(sub->get_name());
  return names;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "attn computes transformer attention step by step: scores, weights and outputs, with every "
      "intermediate value shown.\n\n"
      "Examples:\n"
      "  attn demo\n"
      "  attn score --q 2,0.5,1,-1.5 --k 1,1,-0.5,2\n"
      "  attn attend --q \"1,0;0,1\" --k \"1,0;0,1\" --v \"1,2;3,4\" --mask causal --json\n",
      "attn"};
  app.formatter(attn::cli::help_formatter());
  app.set_version_flag("--version", std::string(attn::version_string()));
  app.require_subcommand(1);
  app.footer(
      "Exit codes: 0 ok, 1 a check found wrong answers, 2 usage, 65 bad data, "
      "66 missing input, 73 cannot create output, 74 I/O error.");
  attn::cli::setup_score(app);
  attn::cli::setup_weights(app);
  attn::cli::setup_attend(app);
  attn::cli::setup_grad(app);
  attn::cli::setup_demo(app);
  attn::cli::setup_mask(app);
  attn::cli::setup_bias(app);
  attn::cli::setup_quiz(app);
  attn::cli::setup_check(app);
  attn::cli::setup_compare(app);
  attn::cli::setup_explain(app);
  attn::cli::setup_completion(app);
  attn::cli::setup_help(app);

  const bool json = wants_json(argc, argv);
  if (argc < 2) {
    fmt::print(stderr, "{}", kUsage);
    return static_cast<int>(attn::Exit::usage);
  }
  // CLI11 2.1.2 reports a mistyped command as "A subcommand is required": name it ourselves.
  const std::string_view first = argv[1];
  const auto names = command_names(app);
  if (!first.starts_with('-') && std::find(names.begin(), names.end(), first) == names.end()) {
    const auto guess = attn::nearest(first, names);
    return report(attn::Exit::usage, fmt::format("unknown command '{}'", first),
                  guess ? fmt::format("did you mean 'attn {}'?", *guess)
                        : "run 'attn --help' for the list of commands",
                  json);
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    const std::string command = app.get_subcommands().empty()
                                    ? std::string(first)
                                    : app.get_subcommands().front()->get_name();
    return report(
        attn::Exit::usage, e.what(),
        first.starts_with('-') ? "run 'attn --help'" : fmt::format("run 'attn {} --help'", command),
        json);
  } catch (const attn::Error& e) {
    return report(e.code(), e.what(), e.hint(), json);
  } catch (const std::exception& e) {
    return report(attn::Exit::internal, fmt::format("internal error: {}", e.what()),
                  "this is a bug in attn; please report it with the command you ran", json);
  }
  if (std::fflush(stdout) != 0 || std::ferror(stdout))
    return report(attn::Exit::io, "cannot write the output", "", json);
  return 0;
}
