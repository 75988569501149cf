// A test-only LD_PRELOAD library that makes writing fail in one folder, the way a failing disk
// does: tests/faults/faults.py runs the real attn binary with it. Set in the environment:
//
//   ATTN_FAULT_DIR=PATH          the folder (an absolute path, its links resolved); only regular
//                                files in it are affected, by the settings below
//   ATTN_FAULT_WRITE_LIMIT=N     write() and pwrite() succeed up to byte N of a file, a write that
//                                crosses it is cut short there, and the next fails with EIO
//   ATTN_FAULT_FSYNC=1           fsync() and fdatasync() fail with EIO (a lost write-back)
//   ATTN_FAULT_NO_TMPFILE=1      open(O_TMPFILE) fails with EOPNOTSUPP anywhere, as on a file
//                                system without it, so that attn falls back to named temporary
//                                files (the ones that could be left behind)
//
// The position a write starts at is the file's own offset (lseek), so the library keeps no state
// of its own: attn writes each output from its start, in order.
#ifdef _FORTIFY_SOURCE
#undef _FORTIFY_SOURCE  // the fortified open() is an inline wrapper this file could not replace
#endif

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

template <typename F>
F next(const char* name) {
  return reinterpret_cast<F>(::dlsym(RTLD_NEXT, name));
}

// True when fd is a regular file whose path is inside ATTN_FAULT_DIR (an O_TMPFILE file reads as
// "DIR/#123 (deleted)", which is inside too).
bool in_fault_dir(int fd) {
  const char* dir = std::getenv("ATTN_FAULT_DIR");
  if (dir == nullptr || *dir == '\0') return false;
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return false;
  char link[64];
  std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  char target[4096];
  const ::ssize_t n = ::readlink(link, target, sizeof target - 1);
  if (n < 0) return false;
  target[n] = '\0';
  const std::size_t len = std::strlen(dir);
  return std::strncmp(target, dir, len) == 0 && target[len] == '/';
}

// How many of `size` bytes starting at `offset` may be written: all of them, fewer, or −1 for
// none (errno set to EIO).
::ssize_t allowed(int fd, ::off_t offset, std::size_t size) {
  const char* limit_text = std::getenv("ATTN_FAULT_WRITE_LIMIT");
  if (limit_text == nullptr || !in_fault_dir(fd)) return static_cast<::ssize_t>(size);
  const auto limit = static_cast<::off_t>(std::strtoll(limit_text, nullptr, 10));
  if (offset >= limit) {
    errno = EIO;
    return -1;
  }
  const auto room = static_cast<std::size_t>(limit - offset);
  return static_cast<::ssize_t>(size < room ? size : room);
}

bool fsync_fails(int fd) {
  const char* flag = std::getenv("ATTN_FAULT_FSYNC");
  return flag != nullptr && *flag == '1' && in_fault_dir(fd);
}

bool refuse_tmpfile(int flags) {
  const char* flag = std::getenv("ATTN_FAULT_NO_TMPFILE");
  return (flags & O_TMPFILE) == O_TMPFILE && flag != nullptr && *flag == '1';
}

using OpenFn = int (*)(const char*, int, ...);
using OpenAtFn = int (*)(int, const char*, int, ...);

int open_through(const char* name, const char* path, int flags, mode_t mode) {
  if (refuse_tmpfile(flags)) {
    errno = EOPNOTSUPP;
    return -1;
  }
  return next<OpenFn>(name)(path, flags, mode);
}

int openat_through(const char* name, int dirfd, const char* path, int flags, mode_t mode) {
  if (refuse_tmpfile(flags)) {
    errno = EOPNOTSUPP;
    return -1;
  }
  return next<OpenAtFn>(name)(dirfd, path, flags, mode);
}

// The mode argument is there only with O_CREAT or O_TMPFILE.
mode_t mode_of(int flags, va_list args) {
  return (flags & O_CREAT) != 0 || (flags & O_TMPFILE) == O_TMPFILE ? va_arg(args, mode_t) : 0;
}

}  // namespace

extern "C" {

::ssize_t write(int fd, const void* data, std::size_t size) {
  static const auto real = next<::ssize_t (*)(int, const void*, std::size_t)>("write");
  const ::off_t at = ::lseek(fd, 0, SEEK_CUR);
  const ::ssize_t n = at < 0 ? static_cast<::ssize_t>(size) : allowed(fd, at, size);
  if (n < 0) return -1;
  return real(fd, data, static_cast<std::size_t>(n));
}

::ssize_t pwrite(int fd, const void* data, std::size_t size, ::off_t offset) {
  static const auto real = next<::ssize_t (*)(int, const void*, std::size_t, ::off_t)>("pwrite");
  const ::ssize_t n = allowed(fd, offset, size);
  if (n < 0) return -1;
  return real(fd, data, static_cast<std::size_t>(n), offset);
}

int fsync(int fd) {
  static const auto real = next<int (*)(int)>("fsync");
  if (fsync_fails(fd)) {
    errno = EIO;
    return -1;
  }
  return real(fd);
}

int fdatasync(int fd) {
  static const auto real = next<int (*)(int)>("fdatasync");
  if (fsync_fails(fd)) {
    errno = EIO;
    return -1;
  }
  return real(fd);
}

int open(const char* path, int flags, ...) {
  va_list args;
  va_start(args, flags);
  const mode_t mode = mode_of(flags, args);
  va_end(args);
  return open_through("open", path, flags, mode);
}

int open64(const char* path, int flags, ...) {
  va_list args;
  va_start(args, flags);
  const mode_t mode = mode_of(flags, args);
  va_end(args);
  return open_through("open64", path, flags, mode);
}

int openat(int dirfd, const char* path, int flags, ...) {
  va_list args;
  va_start(args, flags);
  const mode_t mode = mode_of(flags, args);
  va_end(args);
  return openat_through("openat", dirfd, path, flags, mode);
}

int openat64(int dirfd, const char* path, int flags, ...) {
  va_list args;
  va_start(args, flags);
  const mode_t mode = mode_of(flags, args);
  va_end(args);
  return openat_through("openat64", dirfd, path, flags, mode);
}

}  // extern "C"
