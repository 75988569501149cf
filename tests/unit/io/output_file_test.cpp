#include "attn/io/output_file.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "attn/core/error.hpp"

namespace fs = std::filesystem;
using attn::Exit;

namespace {

// A fresh empty directory under the system's temporary directory, removed at the end.
struct TempDir {
  fs::path path = fs::temp_directory_path() / ("attn-output-file-" + std::to_string(::getpid()));
  TempDir() {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void spit(const fs::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary) << text;
}

std::vector<std::string> entries(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

mode_t mode_of(const fs::path& p) {
  struct stat st {};
  REQUIRE(::lstat(p.c_str(), &st) == 0);
  return st.st_mode;
}

// The error an action throws (Exit::ok and an empty message if it throws none).
std::pair<Exit, std::string> error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const attn::Error& e) {
    return {e.code(), e.what()};
  }
  return {Exit::ok, ""};
}

// A private device node (tests run as root): 1,3 behaves as /dev/null, 1,7 as /dev/full.
fs::path make_device(const fs::path& dir, const char* name, unsigned minor) {
  const fs::path p = dir / name;
  REQUIRE(::mknod(p.c_str(), S_IFCHR | 0666, makedev(1, minor)) == 0);
  return p;
}

}  // namespace

TEST_CASE("write_file_atomically writes the whole content and leaves no temporary file") {
  TempDir dir;
  const auto file = dir.path / "heatmap.svg";
  attn::write_file_atomically(file, "<svg/>\n");
  CHECK(slurp(file) == "<svg/>\n");
  attn::write_file_atomically(file, "replaced");  // over an existing file
  CHECK(slurp(file) == "replaced");
  CHECK(entries(dir.path) == std::vector<std::string>{"heatmap.svg"});
}

TEST_CASE("write_file_atomically into a missing directory: cant_create, nothing left behind") {
  TempDir dir;
  const auto file = dir.path / "no-such-dir" / "x.svg";
  for (attn::TempFile temp : {attn::TempFile::unnamed_if_possible, attn::TempFile::named}) {
    const auto [code, message] = error_of([&] { attn::OutputFile out(file, temp); });
    CHECK(code == Exit::cant_create);
    CHECK(message == "cannot create '" + file.string() + "': No such file or directory");
  }
  CHECK_FALSE(fs::exists(file));
  CHECK(entries(dir.path).empty());
}

TEST_CASE("write_file_atomically over a directory: cant_create, the directory untouched") {
  TempDir dir;
  fs::create_directory(dir.path / "taken");
  const auto [code, message] =
      error_of([&] { attn::write_file_atomically(dir.path / "taken", "x"); });
  CHECK(code == Exit::cant_create);
  CHECK(message == "cannot create '" + (dir.path / "taken").string() + "': Is a directory");
  CHECK(entries(dir.path) == std::vector<std::string>{"taken"});
  CHECK(fs::is_directory(dir.path / "taken"));
}

TEST_CASE("a new file gets 0666 less the umask; a replaced file keeps its mode") {
  TempDir dir;
  const mode_t umask_was = ::umask(022);
  attn::write_file_atomically(dir.path / "new.svg", "x");
  CHECK((mode_of(dir.path / "new.svg") & 07777) == 0644);

  // A private file stays private: 0600 is not widened to 0644 by the replacement.
  spit(dir.path / "private.svg", "secret");
  fs::permissions(dir.path / "private.svg", fs::perms::owner_read | fs::perms::owner_write);
  for (attn::TempFile temp : {attn::TempFile::unnamed_if_possible, attn::TempFile::named}) {
    attn::OutputFile out(dir.path / "private.svg", temp);
    out.write("new");
    out.commit();
    CHECK((mode_of(dir.path / "private.svg") & 07777) == 0600);
    CHECK(slurp(dir.path / "private.svg") == "new");
  }
  // An executable stays executable.
  spit(dir.path / "run.sh", "old");
  fs::permissions(dir.path / "run.sh", fs::perms(0750));
  attn::write_file_atomically(dir.path / "run.sh", "new");
  CHECK((mode_of(dir.path / "run.sh") & 07777) == 0750);
  // A private mode (a class secret's 0600) withholds read and write from group and others even
  // from a file that had them: 0644 & ~(0666 & ~0600) = 0644 & ~0066 = 0600.
  spit(dir.path / "class.key", "old");
  fs::permissions(dir.path / "class.key", fs::perms(0644));
  attn::write_file_atomically(dir.path / "class.key", "new", fs::perms(0600));
  CHECK((mode_of(dir.path / "class.key") & 07777) == 0600);
  CHECK(slurp(dir.path / "class.key") == "new");
  ::umask(umask_was);
}

TEST_CASE("a symbolic link is followed: its target is replaced and the link stays") {
  TempDir dir;
  fs::create_directory(dir.path / "real");
  spit(dir.path / "real" / "out.svg", "old");
  fs::create_symlink("real/out.svg", dir.path / "link.svg");  // relative to the link's folder
  fs::create_symlink("link.svg", dir.path / "link2.svg");     // a chain of two
  attn::write_file_atomically(dir.path / "link2.svg", "new");
  CHECK(fs::is_symlink(dir.path / "link2.svg"));
  CHECK(fs::is_symlink(dir.path / "link.svg"));
  CHECK(slurp(dir.path / "real" / "out.svg") == "new");
  CHECK(entries(dir.path / "real") == std::vector<std::string>{"out.svg"});

  // A dangling link: the file it names is created, as the shell's > would.
  fs::create_symlink("real/later.svg", dir.path / "dangling.svg");
  attn::write_file_atomically(dir.path / "dangling.svg", "made");
  CHECK(fs::is_symlink(dir.path / "dangling.svg"));
  CHECK(slurp(dir.path / "real" / "later.svg") == "made");

  // A loop of links is refused.
  fs::create_symlink("b", dir.path / "a");
  fs::create_symlink("a", dir.path / "b");
  const auto [code, message] = error_of([&] { attn::write_file_atomically(dir.path / "a", "x"); });
  CHECK(code == Exit::cant_create);
  CHECK(message.ends_with("Too many levels of symbolic links"));
}

TEST_CASE("a device is written to, never replaced; a full device is an I/O error") {
  TempDir dir;
  const fs::path null = make_device(dir.path, "null", 3);
  attn::OutputFile out(null);
  CHECK(out.direct());
  out.write("discarded");
  out.commit();
  CHECK(S_ISCHR(mode_of(null)));
  attn::write_file_atomically(null, "again");
  CHECK(S_ISCHR(mode_of(null)));

  // Through a symbolic link too.
  fs::create_symlink("null", dir.path / "to-null");
  attn::write_file_atomically(dir.path / "to-null", "x");
  CHECK(S_ISCHR(mode_of(null)));
  CHECK(fs::is_symlink(dir.path / "to-null"));

  const fs::path full = make_device(dir.path, "full", 7);
  const auto [code, message] = error_of([&] { attn::write_file_atomically(full, "x"); });
  CHECK(code == Exit::io);
  CHECK(message == "cannot write '" + full.string() + "': No space left on device");
  CHECK(S_ISCHR(mode_of(full)));
  CHECK(entries(dir.path) == std::vector<std::string>{"full", "null", "to-null"});
}

TEST_CASE("a FIFO is written to; a reader that goes away is an I/O error") {
  TempDir dir;
  const fs::path fifo = dir.path / "pipe";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  std::string got;
  std::thread reader([&] { got = slurp(fifo); });
  attn::write_file_atomically(fifo, "through the pipe");
  reader.join();
  CHECK(got == "through the pipe");
  CHECK(S_ISFIFO(mode_of(fifo)));

  // The reader closes after opening: the write fails with EPIPE (SIGPIPE ignored, as some shells
  // and CI runners leave it).
  struct sigaction ignore {
  }, old{};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, &old);
  std::thread closer([&] { ::close(::open(fifo.c_str(), O_RDONLY)); });
  attn::OutputFile out(fifo);
  closer.join();
  const auto [code, message] = error_of([&] { out.write(std::string(1 << 16, 'x')); });
  ::sigaction(SIGPIPE, &old, nullptr);
  CHECK(code == Exit::io);
  CHECK(message == "cannot write '" + fifo.string() + "': Broken pipe");
  CHECK(S_ISFIFO(mode_of(fifo)));
}

TEST_CASE("nothing changes until commit; an output never committed leaves the old file") {
  TempDir dir;
  const fs::path file = dir.path / "o.npy";
  spit(file, "old");
  SUBCASE("named temporary file") {
    {
      attn::OutputFile out(file, attn::TempFile::named);
      out.write("half of the new");
      const auto names = entries(dir.path);
      REQUIRE(names.size() == 2);  // o.npy and .o.npy.PID.N.tmp
      CHECK(names[0].starts_with(".o.npy." + std::to_string(::getpid()) + "."));
      CHECK(names[0].ends_with(".tmp"));
      CHECK(slurp(file) == "old");
    }  // destroyed without commit, as when an exception unwinds
    CHECK(entries(dir.path) == std::vector<std::string>{"o.npy"});
    CHECK(slurp(file) == "old");
  }
  SUBCASE("unnamed temporary file (O_TMPFILE), where the file system has it") {
    {
      attn::OutputFile out(file);
      out.write("half of the new");
      // ext4, xfs, btrfs and tmpfs have O_TMPFILE: no name appears before commit.
      CHECK(entries(dir.path) == std::vector<std::string>{"o.npy"});
    }
    CHECK(entries(dir.path) == std::vector<std::string>{"o.npy"});
    CHECK(slurp(file) == "old");
  }
  SUBCASE("a new file appears only on commit") {
    attn::OutputFile out(dir.path / "new.npy");
    out.write("whole");
    CHECK_FALSE(fs::exists(dir.path / "new.npy"));
    out.commit();
    CHECK(slurp(dir.path / "new.npy") == "whole");
    CHECK(entries(dir.path) == std::vector<std::string>{"new.npy", "o.npy"});
  }
}

namespace {

// Runs a child that opens `file` as an OutputFile, writes to it, says so on a pipe and waits; the
// test then sends `sig`. Returns the child's wait status.
int signalled_child(const fs::path& file, attn::TempFile temp, int sig, bool ignore_first = false) {
  int ready[2];
  REQUIRE(::pipe(ready) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {  // the child: default signal actions, as a fresh attn process has
    ::close(ready[0]);
    for (int s : {SIGINT, SIGTERM, SIGHUP})
      ::signal(s, ignore_first && s == sig ? SIG_IGN : SIG_DFL);
    try {
      attn::OutputFile out(file, temp);
      out.write(std::string(1 << 20, 'x'));
      if (::write(ready[1], "r", 1) != 1) ::_exit(3);
      for (;;) ::pause();
    } catch (...) {
      ::_exit(2);
    }
  }
  ::close(ready[1]);
  char c = 0;
  REQUIRE(::read(ready[0], &c, 1) == 1);
  ::close(ready[0]);
  ::kill(pid, sig);
  if (ignore_first) {  // still alive: end it with SIGKILL after a moment
    ::usleep(100'000);
    ::kill(pid, SIGKILL);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  return status;
}

}  // namespace

TEST_CASE("an OutputBatch's files appear together on commit, or not at all") {
  TempDir dir;
  const fs::path dq = dir.path / "dq.npy", dk = dir.path / "dk.npy";
  spit(dk, "old dk");
  SUBCASE("every file written: nothing changes until commit, then all at once") {
    attn::OutputBatch batch;
    batch.add(dq, "new dq");
    batch.add(dk, "new dk");
    CHECK_FALSE(fs::exists(dq));  // (a named temporary file, where there is no O_TMPFILE, may show)
    CHECK(slurp(dk) == "old dk");
    batch.commit();
    CHECK(slurp(dq) == "new dq");
    CHECK(slurp(dk) == "new dk");
    CHECK(entries(dir.path) == std::vector<std::string>{"dk.npy", "dq.npy"});
  }
  SUBCASE("a later file cannot be created: the earlier ones never appear") {
    const auto [code, message] = error_of([&] {
      attn::OutputBatch batch;
      batch.add(dk, "new dk");
      batch.add(dq, "new dq");
      batch.add(dir.path / "missing" / "dv.npy", "new dv");
      batch.commit();
    });
    CHECK(code == Exit::cant_create);
    CHECK(message.find("dv.npy") != std::string::npos);
    CHECK(entries(dir.path) == std::vector<std::string>{"dk.npy"});  // no dq, no temporary file
    CHECK(slurp(dk) == "old dk");
  }
  SUBCASE("write_file without a batch writes at once") {
    attn::write_file(dq, "dq alone", nullptr);
    CHECK(slurp(dq) == "dq alone");
  }
}

TEST_CASE("SIGINT, SIGTERM and SIGHUP during a write remove the temporary file") {
  TempDir dir;
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
    CAPTURE(sig);
    const int status = signalled_child(dir.path / "big.npy", attn::TempFile::named, sig);
    CHECK(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == sig);  // the process still dies of the signal
    CHECK(entries(dir.path).empty());
  }
  // With an unnamed temporary file even SIGKILL, which cannot be caught, leaves nothing.
  const int status =
      signalled_child(dir.path / "big.npy", attn::TempFile::unnamed_if_possible, SIGKILL);
  CHECK(WTERMSIG(status) == SIGKILL);
  CHECK(entries(dir.path).empty());
}

TEST_CASE("a signal the caller ignores stays ignored") {
  TempDir dir;
  // nohup ignores SIGHUP: attn must not start dying of it.
  const int status =
      signalled_child(dir.path / "big.npy", attn::TempFile::named, SIGHUP, /*ignore_first=*/true);
  CHECK(WTERMSIG(status) == SIGKILL);
}

TEST_CASE("\"-\" is standard output, written directly") {
  attn::OutputFile out("-");
  CHECK(out.direct());
  out.write("");  // nothing, so that the test's own output is undisturbed
  out.commit();
}

TEST_CASE("OutputFolder makes the missing levels and removes them again while empty") {
  TempDir dir;
  const fs::path sheets = dir.path / "sheets" / "week1";
  {
    attn::OutputFolder folder(sheets);
    CHECK(fs::is_directory(sheets));
  }
  CHECK(entries(dir.path).empty());  // nothing was written: both levels go

  {
    attn::OutputFolder folder(sheets);
    spit(sheets / "Ada.md", "a sheet");
  }
  CHECK(slurp(sheets / "Ada.md") == "a sheet");  // not empty: it stays
  fs::remove_all(dir.path / "sheets");

  {
    attn::OutputFolder folder(sheets);
    folder.keep();
  }
  CHECK(fs::is_directory(sheets));
  fs::remove(sheets);

  { attn::OutputFolder folder(sheets); }  // "sheets" was there before: only week1 goes
  CHECK(entries(dir.path) == std::vector<std::string>{"sheets"});

  spit(dir.path / "plain", "a file");
  const fs::path blocked = dir.path / "plain" / "week1";
  const auto [code, message] = error_of([&] { attn::OutputFolder folder(blocked); });
  CHECK(code == Exit::cant_create);
  CHECK(message.rfind("cannot create the folder '" + blocked.string() + "': ", 0) == 0);
  CHECK(entries(dir.path) == std::vector<std::string>{"plain", "sheets"});
}

TEST_CASE("check_output_paths: one file named twice, or an output that is an input") {
  TempDir dir;
  spit(dir.path / "q.json", "[1]");
  const std::string q = (dir.path / "q.json").string();
  const std::string o = (dir.path / "o.npy").string();
  using P = attn::NamedPath;
  const auto check = [](std::vector<P> outputs, std::vector<P> inputs) {
    return error_of([&] { attn::check_output_paths(outputs, inputs); });
  };

  CHECK(check({{"--output", o}, {"--weights-out", (dir.path / "w.npy").string()}}, {{"--q", q}})
            .first == Exit::ok);
  CHECK(check({{"--output", o}, {"--weights-out", o}}, {}) ==
        std::pair{Exit::usage, "--output and --weights-out both name '" + o + "'"});
  // The same file spelt another way: with "." and "..", through a link, or a hard link.
  const std::string dotted = (dir.path / "." / ".." / dir.path.filename() / "o.npy").string();
  CHECK(check({{"--output", o}, {"--scores-out", dotted}}, {}).first == Exit::usage);
  fs::create_symlink("q.json", dir.path / "link.json");
  fs::create_hard_link(dir.path / "q.json", dir.path / "hard.json");
  CHECK(check({{"--svg", (dir.path / "link.json").string()}}, {{"--q", q}}) ==
        std::pair{Exit::usage, "--svg '" + (dir.path / "link.json").string() +
                                   "' is also read by --q: writing it would replace that input"});
  CHECK(check({{"--svg", (dir.path / "hard.json").string()}}, {{"--input", q}}).first ==
        Exit::usage);

  // "-" among the outputs is standard output: twice is a clash, once beside stdin is not.
  CHECK(check({{"--output", "-"}, {"--scores-out", "-"}}, {}) ==
        std::pair{Exit::usage,
                  std::string("--output and --scores-out both write to standard output")});
  CHECK(check({{"--output", "-"}, {"--scores-out", o}}, {{"--input", "-"}}).first == Exit::ok);
  CHECK(check({{"--output", o}}, {{"--input", "-"}}).first == Exit::ok);
}
