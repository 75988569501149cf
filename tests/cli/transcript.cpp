// Transcript tests of the real binary, in the spirit of jq's tests/jq.test.
//
// tests/cli/*.t hold cases like
//
//   $ attn score --q 1,2 --k 3,4 --json
//   {"d_k":2,"scale":0.7071067811865475,"scores":[[7.7781745930520225]]}
//   ? 0
//
// The `$` line runs in /bin/sh from the source directory with the built attn first on PATH.
// The lines up to `? N` are the expected stdout, except lines starting "! ", which are the
// expected stderr; `? N` is the exit status. Text between `? N` and the next `$` is commentary.
//
// README.md's and docs/*.md's ```console blocks are transcripts too: each `$ attn …` line is
// followed by what the user sees (stdout then stderr) up to the next `$` or the end of the block,
// so every example in the README is run and cannot drift from the tool.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

struct Case {
  std::string file;
  int line = 0;
  std::string command;
  std::string stdout_text;
  std::string stderr_text;
  int status = 0;
  bool combined = false;  // README: compare stdout followed by stderr
};

struct Result {
  std::string out, err;
  int status = -1;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

std::string trim_trailing_blank_lines(std::string s) {
  while (s.ends_with("\n\n")) s.pop_back();
  return s;
}

Result run(const std::string& command) {
  static const fs::path dir = [] {
    fs::path d = fs::temp_directory_path() / fmt::format("attn-cli-{}", ::getpid());
    fs::create_directories(d);
    return d;
  }();
  const fs::path out = dir / "stdout", err = dir / "stderr";
  const std::string bin_dir = fs::path(ATTN_BINARY).parent_path().string();
  const std::string script = fmt::format(
      "cd '{}' && PATH='{}':\"$PATH\" && export PATH && unset NO_COLOR CLICOLOR_FORCE FORCE_COLOR "
      "COLUMNS && ( {} ) >'{}' 2>'{}' </dev/null",
      ATTN_SOURCE_DIR, bin_dir, command, out.string(), err.string());
  const int raw = std::system(script.c_str());
  Result r;
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

std::vector<Case> parse_transcript(const fs::path& path) {
  std::vector<Case> cases;
  const auto lines = lines_of(slurp(path));
  Case* open = nullptr;
  for (std::size_t n = 0; n < lines.size(); ++n) {
    const std::string& l = lines[n];
    if (l.starts_with("$ ")) {
      open = &cases.emplace_back();
      open->file = path.filename().string();
      open->line = static_cast<int>(n + 1);
      open->command = l.substr(2);
    } else if (open && l.starts_with("? ")) {
      open->status = std::stoi(l.substr(2));
      open = nullptr;
    } else if (open && l.starts_with("! ")) {
      open->stderr_text += l.substr(2) + "\n";
    } else if (open && l == "!") {
      open->stderr_text += "\n";
    } else if (open) {
      open->stdout_text += l + "\n";
    }
  }
  return cases;
}

std::vector<Case> parse_readme(const fs::path& path) {
  std::vector<Case> cases;
  const auto lines = lines_of(slurp(path));
  bool in_console = false;
  Case* open = nullptr;
  for (std::size_t n = 0; n < lines.size(); ++n) {
    const std::string& l = lines[n];
    if (!in_console) {
      in_console = l == "```console";
      continue;
    }
    if (l == "```") {
      in_console = false;
      open = nullptr;
    } else if (l.starts_with("$ ")) {
      open = &cases.emplace_back();
      open->file = path.filename().string();
      open->line = static_cast<int>(n + 1);
      open->command = l.substr(2);
      open->combined = true;
      open->status = -1;  // not checked: the README shows output, not exit codes
    } else if (open) {
      open->stdout_text += l + "\n";
    }
  }
  return cases;
}

// AddressSanitizer reserves terabytes of address space for its shadow memory, so a case that caps
// the address space (`ulimit -v`) cannot run in the sanitizer build; the release build runs it.
#ifdef ATTN_SANITIZED
constexpr bool sanitized = true;
#else
constexpr bool sanitized = false;
#endif

void check_case(const Case& c) {
  CAPTURE(c.file);
  CAPTURE(c.line);
  CAPTURE(c.command);
  if (sanitized && c.command.find("ulimit -v") != std::string::npos) {
    MESSAGE(c.file, ":", c.line, ": skipped under the sanitizers (ulimit -v)");
    return;
  }
  const Result r = run(c.command);
  if (c.combined) {
    CHECK(trim_trailing_blank_lines(r.out + r.err) == trim_trailing_blank_lines(c.stdout_text));
    return;
  }
  CHECK(r.out == c.stdout_text);
  CHECK(r.err == c.stderr_text);
  CHECK(r.status == c.status);
}

}  // namespace

TEST_CASE("transcripts in tests/cli") {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(fs::path(ATTN_SOURCE_DIR) / "tests" / "cli"))
    if (e.path().extension() == ".t") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  REQUIRE_FALSE(files.empty());
  for (const auto& f : files) {
    const auto cases = parse_transcript(f);
    CHECK_MESSAGE(!cases.empty(), f.string(), " has no cases");
    for (const auto& c : cases) check_case(c);
  }
}

TEST_CASE("every console example in README.md and docs/*.md") {
  std::vector<fs::path> files{fs::path(ATTN_SOURCE_DIR) / "README.md"};
  const fs::path docs = fs::path(ATTN_SOURCE_DIR) / "docs";
  if (fs::is_directory(docs))
    for (const auto& e : fs::directory_iterator(docs))
      if (e.path().extension() == ".md") files.push_back(e.path());
  std::size_t total = 0;
  for (const auto& f : files) {
    const auto cases = parse_readme(f);
    total += cases.size();
    for (const auto& c : cases) check_case(c);
  }
  CHECK(total >= 5);  // the parser found the examples
}
