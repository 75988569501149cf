#include "attn/io/output_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <limits.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <utility>
#include <vector>

#include "attn/core/error.hpp"

namespace attn {
namespace fs = std::filesystem;
namespace {

std::string errno_text(int err) {
  return std::strerror(err);
}

Error cant_create(const fs::path& path, int err) {
  return {Exit::cant_create, fmt::format("cannot create '{}': {}", path.string(), errno_text(err)),
          err == EISDIR ? "give the name of a file to write, not of a directory"
                        : "check that the directory exists and that you may write to it"};
}

Error cant_write(const fs::path& path, int err) {
  return {Exit::io, fmt::format("cannot write '{}': {}", path.string(), errno_text(err))};
}

// ---- Removing temporary files on SIGINT, SIGTERM and SIGHUP ------------------------------------
//
// The handler may only use async-signal-safe calls, so the names live in a fixed table of C
// strings: a slot is claimed (state 1) while its name is copied in, and the handler unlinks only
// the slots whose name is complete (state 2).

constexpr std::size_t kSlots = 16;
struct TempSlot {
  std::atomic<int> state{0};  // 0 free, 1 being filled, 2 holds a name to remove
  char name[PATH_MAX]{};
};
std::array<TempSlot, kSlots> temp_slots;
constexpr std::array kCleanupSignals{SIGINT, SIGTERM, SIGHUP};

extern "C" void remove_temps_and_reraise(int sig) {
  for (TempSlot& slot : temp_slots)
    if (slot.state.load() == 2) ::unlink(slot.name);
  // Die of the signal as if attn had not caught it: the default action, raised again (it is
  // delivered when the handler returns, since the signal is blocked while it runs).
  struct sigaction fallback {};
  fallback.sa_handler = SIG_DFL;
  ::sigemptyset(&fallback.sa_mask);
  ::sigaction(sig, &fallback, nullptr);
  ::raise(sig);
}

// Installs the handler for each signal still at its default action; a signal the caller ignores
// (as nohup ignores SIGHUP) or handles itself is left alone. Checked for each temporary file, since
// a caller may change its signals in between.
void install_cleanup_handlers() {
  for (int sig : kCleanupSignals) {
    struct sigaction old {};
    if (::sigaction(sig, nullptr, &old) != 0 || (old.sa_flags & SA_SIGINFO) != 0 ||
        old.sa_handler != SIG_DFL)
      continue;
    struct sigaction act {};
    act.sa_handler = remove_temps_and_reraise;
    ::sigemptyset(&act.sa_mask);
    for (int other : kCleanupSignals) ::sigaddset(&act.sa_mask, other);
    ::sigaction(sig, &act, nullptr);
  }
}

// Puts `name` in the table; −1 when it is full or the name too long (the file is then still
// removed on failure, just not on a signal).
int register_temp(const fs::path& name) {
  install_cleanup_handlers();
  const std::string& text = name.native();
  if (text.size() >= PATH_MAX) return -1;
  for (std::size_t i = 0; i < kSlots; ++i) {
    int expected = 0;
    if (!temp_slots[i].state.compare_exchange_strong(expected, 1)) continue;
    std::memcpy(temp_slots[i].name, text.c_str(), text.size() + 1);
    temp_slots[i].state.store(2);
    return static_cast<int>(i);
  }
  return -1;
}

void unregister_temp(int slot) {
  if (slot >= 0) temp_slots[static_cast<std::size_t>(slot)].state.store(0);
}

// ---- What the path names -----------------------------------------------------------------------

// `path` with every symbolic link followed, up to the file it finally names (which need not
// exist: a dangling link names the file it would create).
fs::path follow_links(const fs::path& path) {
  fs::path p = path;
  for (int depth = 0; depth < 40; ++depth) {
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return p;
    std::error_code ec;
    const fs::path to = fs::read_symlink(p, ec);
    if (ec) throw cant_create(path, ec.value());
    p = to.is_absolute() ? to : p.parent_path() / to;
  }
  throw cant_create(path, ELOOP);
}

std::optional<struct stat> stat_of(const fs::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return std::nullopt;
  return st;
}

// The folder a temporary file for `target` goes in ("." for a bare name).
fs::path folder_of(const fs::path& target) {
  const fs::path dir = target.parent_path();
  return dir.empty() ? fs::path(".") : dir;
}

void write_all(int fd, const void* data, std::size_t size, const fs::path& path) {
  const auto* p = static_cast<const unsigned char*>(data);
  while (size > 0) {
    // At most 1 GiB a call: Linux writes at most 0x7ffff000 bytes at once anyway.
    const ::ssize_t put = ::write(fd, p, std::min<std::size_t>(size, std::size_t{1} << 30));
    if (put < 0 && errno == EINTR) continue;
    if (put <= 0) throw cant_write(path, put < 0 ? errno : EIO);
    p += put;
    size -= static_cast<std::size_t>(put);
  }
}

// fsync, where the file supports it: a pipe or a character device answers EINVAL, and that is no
// failure of the write.
int sync_fd(int fd) {
  if (::fsync(fd) == 0 || errno == EINVAL || errno == ENOTSUP || errno == EROFS) return 0;
  return errno;
}

void sync_folder(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;  // the rename is done; a folder we cannot open cannot be synced either
  (void)sync_fd(fd);
  ::close(fd);
}

std::atomic<unsigned> temp_counter{0};

}  // namespace

OutputFile::OutputFile(const fs::path& path, TempFile temp, fs::perms mode) : path_(path) {
  const auto new_mode = static_cast<mode_t>(mode & fs::perms::mask);
  if (path.native() == "-") {
    std::fflush(stdout);  // what was printed through stdio goes first
    fd_ = STDOUT_FILENO;
    direct_ = true;
    return;
  }
  target_ = follow_links(path);
  const std::optional<struct stat> st = stat_of(target_);
  existed_ = st.has_value();
  if (st && S_ISDIR(st->st_mode)) throw cant_create(path, EISDIR);
  if (st && !S_ISREG(st->st_mode)) {  // a device, a FIFO, a socket: write to it, never replace it
    fd_ = ::open(target_.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY);
    if (fd_ < 0) throw cant_create(path, errno);
    direct_ = true;
    return;
  }

  const fs::path dir = folder_of(target_);
  if (temp == TempFile::unnamed_if_possible) {
    fd_ = ::open(dir.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, new_mode);
    unnamed_ = fd_ >= 0;  // else the file system cannot: a named file below gives the error
  }
  for (int attempt = 0; fd_ < 0 && attempt < 100; ++attempt) {
    // a fresh name each try; O_EXCL refuses one that exists
    temp_ = dir / fmt::format(".{}.{}.{}.tmp", target_.filename().string(), ::getpid(),
                              temp_counter.fetch_add(1));
    slot_ = register_temp(temp_);
    fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, new_mode);
    if (fd_ >= 0) break;
    const int err = errno;
    unregister_temp(std::exchange(slot_, -1));
    temp_.clear();
    if (err != EEXIST) throw cant_create(path, err);
  }
  if (fd_ < 0) throw cant_create(path, EEXIST);

  if (st) {  // keep the replaced file's owner (where allowed) and mode (set-id bits included),
             // less the read and write bits `mode` withholds
    if ((st->st_uid != ::geteuid() || st->st_gid != ::getegid()) &&
        ::fchown(fd_, st->st_uid, st->st_gid) != 0) {
      // Not permitted unless root: the new file is ours, as a copy would be.
    }
    if (::fchmod(fd_, st->st_mode & 07777 & ~(0666 & ~new_mode)) != 0) {
      const int err = errno;
      discard();
      throw cant_create(path, err);
    }
  }
}

OutputFile::~OutputFile() {
  if (!committed_) discard();
}

void OutputFile::discard() noexcept {
  if (fd_ >= 0 && fd_ != STDOUT_FILENO) ::close(fd_);
  fd_ = -1;
  if (!temp_.empty()) ::unlink(temp_.c_str());
  unregister_temp(std::exchange(slot_, -1));
  temp_.clear();
}

void OutputFile::write(const void* data, std::size_t size) {
  if (fd_ < 0) throw cant_write(path_, EBADF);
  try {
    write_all(fd_, data, size, path_);
  } catch (...) {
    discard();
    throw;
  }
}

void OutputFile::commit() {
  if (fd_ < 0) throw cant_write(path_, EBADF);
  if (direct_) {
    const int err = sync_fd(fd_);
    const bool closed = fd_ == STDOUT_FILENO || ::close(fd_) == 0;
    const int close_err = closed ? 0 : errno;
    fd_ = -1;
    committed_ = true;
    if (err != 0 || close_err != 0) throw cant_write(path_, err != 0 ? err : close_err);
    return;
  }
  // The data reaches the disk before the name does: after a crash the path holds the old file or
  // the whole new one.
  if (const int err = sync_fd(fd_); err != 0) {
    discard();
    throw cant_write(path_, err);
  }
  const fs::path dir = folder_of(target_);
  if (unnamed_) {
    // Give the unnamed file a name: the target itself when there is none yet (no temporary name
    // is ever visible), else a temporary name that is renamed over the target.
    const std::string proc = fmt::format("/proc/self/fd/{}", fd_);
    const auto link_to = [&](const fs::path& name) {
      if (::linkat(AT_FDCWD, proc.c_str(), AT_FDCWD, name.c_str(), AT_SYMLINK_FOLLOW) == 0)
        return 0;
      if (::linkat(fd_, "", AT_FDCWD, name.c_str(), AT_EMPTY_PATH) == 0) return 0;
      return errno;
    };
    int err = existed_ ? EEXIST : link_to(target_);
    if (err == 0) {
      ::close(std::exchange(fd_, -1));
      committed_ = true;
      sync_folder(dir);
      return;
    }
    for (int attempt = 0; err == EEXIST && attempt < 100; ++attempt) {
      temp_ = dir / fmt::format(".{}.{}.{}.tmp", target_.filename().string(), ::getpid(),
                                temp_counter.fetch_add(1));
      slot_ = register_temp(temp_);
      err = link_to(temp_);
      if (err != 0) {
        unregister_temp(std::exchange(slot_, -1));
        temp_.clear();
      }
    }
    if (err != 0) {
      discard();
      throw cant_create(path_, err);
    }
  }
  if (::close(std::exchange(fd_, -1)) != 0) {
    const int err = errno;
    discard();
    throw cant_write(path_, err);
  }
  if (std::rename(temp_.c_str(), target_.c_str()) != 0) {
    const int err = errno;
    discard();
    throw cant_create(path_, err);
  }
  unregister_temp(std::exchange(slot_, -1));
  temp_.clear();
  committed_ = true;
  sync_folder(dir);  // the rename itself reaches the disk
}

void write_file_atomically(const fs::path& path, std::string_view content, fs::perms mode) {
  OutputFile out(path, TempFile::unnamed_if_possible, mode);
  out.write(content);
  out.commit();
}

void OutputBatch::add(const fs::path& path, std::string_view content, fs::perms mode) {
  auto file = std::make_unique<OutputFile>(path, TempFile::unnamed_if_possible, mode);
  file->write(content);  // a failed write discards this file: the batch keeps only whole ones
  files_.push_back(std::move(file));
}

void OutputBatch::commit() {
  for (const std::unique_ptr<OutputFile>& f : files_) f->commit();
  files_.clear();
}

void write_file(const fs::path& path, std::string_view content, OutputBatch* batch) {
  if (batch)
    batch->add(path, content);
  else
    write_file_atomically(path, content);
}

OutputFolder::OutputFolder(const fs::path& dir) {
  std::error_code ec;
  for (fs::path p = dir; !p.empty() && !fs::exists(fs::symlink_status(p, ec)); p = p.parent_path())
    made_.insert(made_.begin(), p);
  fs::create_directories(dir, ec);
  if (ec) {
    remove_made();  // a level made before the failure goes again
    throw Error(Exit::cant_create,
                fmt::format("cannot create the folder '{}': {}", dir.string(), ec.message()));
  }
}

OutputFolder::~OutputFolder() {
  remove_made();
}

void OutputFolder::remove_made() noexcept {
  for (auto level = made_.rbegin(); level != made_.rend(); ++level) {
    std::error_code ec;
    if (!fs::is_directory(fs::symlink_status(*level, ec)) || !fs::is_empty(*level, ec) ||
        !fs::remove(*level, ec))
      break;  // something was put there, or it is not ours to remove: stop here
  }
  made_.clear();
}

namespace {

// What identifies a file: its resolved path, and its device and inode when it exists.
struct FileIdentity {
  fs::path resolved;
  std::optional<std::pair<dev_t, ino_t>> inode;
};

FileIdentity identify(const std::string& path) {
  FileIdentity id;
  std::error_code ec;
  id.resolved = fs::weakly_canonical(fs::absolute(path, ec), ec);
  if (ec) id.resolved = fs::path(path).lexically_normal();
  if (const auto st = stat_of(path)) id.inode = std::pair(st->st_dev, st->st_ino);
  return id;
}

bool same_file(const FileIdentity& a, const FileIdentity& b) {
  return a.resolved == b.resolved || (a.inode && b.inode && *a.inode == *b.inode);
}

}  // namespace

void check_output_paths(std::span<const NamedPath> outputs, std::span<const NamedPath> inputs) {
  std::vector<FileIdentity> out_ids;
  for (const NamedPath& o : outputs) out_ids.push_back(identify(o.path));
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      const bool both_stdout = outputs[i].path == "-" && outputs[j].path == "-";
      const bool either_stdout = outputs[i].path == "-" || outputs[j].path == "-";
      if (both_stdout || (!either_stdout && same_file(out_ids[i], out_ids[j])))
        throw usage_error(both_stdout ? fmt::format("{} and {} both write to standard output",
                                                    outputs[j].flag, outputs[i].flag)
                                      : fmt::format("{} and {} both name '{}'", outputs[j].flag,
                                                    outputs[i].flag, outputs[i].path),
                          "give each output a file of its own");
    }
    if (outputs[i].path == "-") continue;
    for (const NamedPath& in : inputs) {
      if (in.path == "-" || !same_file(out_ids[i], identify(in.path))) continue;
      throw usage_error(
          fmt::format("{} '{}' is also read by {}: writing it would replace that input",
                      outputs[i].flag, outputs[i].path, in.flag),
          "write the output to a file of its own");
    }
  }
}

}  // namespace attn
