// attn: the command-line front end. Errors from the library are caught here, once, and become
// one line on stderr and an exit code (see lib/attn/core/error.hpp); CLI11's own errors are put in
// attn's words first (usage_errors.hpp). Nothing here may abort: a stderr that cannot be written
// loses the message, never the exit code.
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <exception>
#include <new>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "attn/core/error.hpp"
#include "attn/core/rules.hpp"
#include "attn/core/version.hpp"
#include "cli.hpp"
#include "commands.hpp"
#include "usage_errors.hpp"

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

// A closed standard stream (`2>&-`, `>&-`) would be handed to the next file attn opens, and a
// warning meant for stderr would land in an output file. Each closed one is opened on /dev/null;
// returns true when stdout was closed, which the end reports as exit 74.
bool reopen_closed_streams() {
  bool stdout_closed = false;
  for (int fd : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO}) {
    if (::fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
    const int opened = ::open("/dev/null", fd == STDIN_FILENO ? O_RDONLY : O_WRONLY);
    if (opened >= 0 && opened != fd) {
      ::dup2(opened, fd);
      ::close(opened);
    }
    if (fd == STDOUT_FILENO) stdout_closed = true;
  }
  return stdout_closed;
}

int report(attn::Exit code, const std::string& message, const std::string& hint, bool json) {
  using attn::cli::print_diagnostic;
  if (json) {
    nlohmann::ordered_json error{{"code", static_cast<int>(code)}, {"message", message}};
    if (!hint.empty()) error["hint"] = hint;
    // replace, not throw, on invalid UTF-8: the message may quote what the user typed
    print_diagnostic(nlohmann::ordered_json{{"error", error}}.dump(
                         -1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) +
                     "\n");
  } else if (code == attn::Exit::negative) {  // a result, not a failure: `attn check` found
                                              // mistakes
    print_diagnostic(fmt::format("attn: {}\n", message));
  } else {
    print_diagnostic(fmt::format("attn: error: {}\n", message));
    if (!hint.empty()) print_diagnostic(fmt::format("hint: {}\n", hint));
  }
  return static_cast<int>(code);
}

// Parses and runs the command; every error becomes its exit code.
int run(CLI::App& app, int argc, char** argv, bool json) {
  try {
    try {
      app.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
      attn::cli::print_result(app.help());
    } catch (const CLI::CallForVersion& e) {
      attn::cli::print_result(std::string(e.what()) + "\n");
    } catch (const CLI::ParseError& e) {
      const std::vector<std::string> args(argv + 1, argv + argc);
      const auto usage = attn::cli::describe_parse_error(app, e, args);
      return report(attn::Exit::usage, usage.message, usage.hint, json);
    }
  } catch (const attn::Error& e) {
    return report(e.code(), e.what(), e.hint(), json);
  } catch (const std::bad_alloc&) {
    // A guard (core/rules.hpp) checks what a request will allocate before it does; this is what
    // an allocation that fails anyway looks like: the machine's memory, not a bug.
    const attn::Error e = attn::out_of_memory_error();
    return report(e.code(), e.what(), e.hint(), json);
  } catch (const std::exception& e) {
    return report(attn::Exit::internal, fmt::format("internal error: {}", e.what()),
                  "this is a bug in attn; please report it with the command you ran", json);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const bool stdout_closed = reopen_closed_streams();
  // A file size limit (`ulimit -f`) is a write that fails, as a full disk is: with SIGXFSZ
  // ignored, write() returns EFBIG and attn exits 74 naming the file, after removing what it had
  // begun (a temporary file, a folder made for the sheets), instead of dying of the signal.
  std::signal(SIGXFSZ, SIG_IGN);
  const bool json = wants_json(argc, argv);
  int status = 0;
  try {
    CLI::App app{
        "attn computes transformer attention step by step: scores, weights and outputs, with "
        "every intermediate value shown.\n\n"
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
        "66 missing input, 70 a bug in attn, 73 cannot create output, 74 I/O error.");
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

    if (argc < 2) {
      attn::cli::print_diagnostic(kUsage);
      return static_cast<int>(attn::Exit::usage);
    }
    status = run(app, argc, argv, json);
  } catch (const std::exception& e) {  // building the command tree: a bug, still not an abort
    return report(attn::Exit::internal, fmt::format("internal error: {}", e.what()),
                  "this is a bug in attn; please report it with the command you ran", json);
  }
  if (status != 0 && status != static_cast<int>(attn::Exit::negative)) return status;
  // The results were written through stdio: a full disk or a closed pipe shows here.
  if (stdout_closed)
    return report(attn::Exit::io, "cannot write the output: standard output is closed", "", json);
  if (std::fflush(stdout) != 0 || std::ferror(stdout))
    return report(attn::Exit::io, "cannot write the output", "", json);
  return status;
}
