#include "attn/io/output_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "attn/core/error.hpp"

namespace attn {
namespace {

std::atomic<unsigned> temp_counter{0};

Error cant_create(const std::filesystem::path& path, int err) {
  return {Exit::cant_create,
          fmt::format("cannot create '{}': {}", path.string(), std::strerror(err)),
          "check that the directory exists and that you may write to it"};
}

}  // namespace

void write_file_atomically(const std::filesystem::path& path, std::string_view content,
                           std::filesystem::perms mode) {
  const auto dir = path.parent_path();
  std::filesystem::path temp;
  int fd = -1;
  // a fresh name each try; O_EXCL refuses one that exists
  for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
    temp = dir / fmt::format(".{}.{}.{}.tmp", path.filename().string(), ::getpid(),
                             temp_counter.fetch_add(1));
    fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                static_cast<mode_t>(mode & std::filesystem::perms::mask));
    if (fd < 0 && errno != EEXIST) throw cant_create(path, errno);
  }
  if (fd < 0) throw cant_create(path, EEXIST);

  const char* p = content.data();
  std::size_t left = content.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : EIO;
      ::close(fd);
      ::unlink(temp.c_str());
      throw Error(Exit::io,
                  fmt::format("cannot write '{}': {}", path.string(), std::strerror(err)));
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    throw Error(Exit::io, fmt::format("cannot write '{}': {}", path.string(), std::strerror(err)));
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    throw cant_create(path, err);
  }
}

}  // namespace attn
