#include "attn/io/byte_source.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

#include "attn/core/error.hpp"

namespace attn {

std::string errno_text(int error) {
  return std::generic_category().message(error);
}

FileSource::FileSource(const std::filesystem::path& path) : name_(path.string()) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0)
    throw Error(Exit::no_input, fmt::format("cannot open '{}': {}", name_, errno_text(errno)));
  struct stat st {};
  if (::fstat(fd_, &st) != 0) {
    const int error = errno;
    ::close(fd_);
    fail_read(error);
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd_);
    throw Error(Exit::no_input, fmt::format("cannot open '{}': {}", name_, errno_text(EISDIR)));
  }
  if (S_ISREG(st.st_mode)) size_ = static_cast<std::size_t>(st.st_size);
}

FileSource::~FileSource() {
  ::close(fd_);
}

std::size_t FileSource::read(unsigned char* out, std::size_t n) {
  std::size_t done = 0;
  while (done < n) {
    const ::ssize_t got = ::read(fd_, out + done, std::min<std::size_t>(n - done, 1u << 30));
    if (got == 0) break;
    if (got < 0) {
      if (errno == EINTR) continue;
      fail_read(errno);
    }
    done += static_cast<std::size_t>(got);
  }
  return done;
}

void FileSource::seek(std::size_t offset) {
  if (::lseek(fd_, static_cast<off_t>(offset), SEEK_SET) < 0) fail_read(errno);
}

void FileSource::fail_read(int error) const {
  throw Error(Exit::io, fmt::format("error reading '{}': {}", name_, errno_text(error)));
}

std::size_t MemorySource::read(unsigned char* out, std::size_t n) {
  n = std::min(n, bytes_.size() - pos_);
  if (n > 0) std::memcpy(out, bytes_.data() + pos_, n);
  pos_ += n;
  return n;
}

std::size_t skip_rest(ByteSource& in) {
  unsigned char buf[4096];
  std::size_t total = 0;
  while (const std::size_t n = in.read(buf, sizeof buf)) total += n;
  return total;
}

}  // namespace attn
