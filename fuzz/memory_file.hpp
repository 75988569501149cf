// A fuzz input as a file attn opens by name, without touching the disk: a memfd, rewritten for
// each input, behind a symbolic link TMPDIR/attn-TAG-fuzz-PID.EXT → /proc/self/fd/N, so that the
// reader sees the extension it dispatches on (.npz, .safetensors).
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

class MemoryFile {
 public:
  MemoryFile(std::string_view tag, std::string_view extension)
      : fd_(::memfd_create(("attn-" + std::string(tag) + "-fuzz").c_str(), 0)),
        link_(std::filesystem::temp_directory_path() /
              ("attn-" + std::string(tag) + "-fuzz-" + std::to_string(::getpid()) +
               std::string(extension))) {
    if (fd_ < 0) std::abort();
    std::filesystem::remove(link_);
    std::filesystem::create_symlink("/proc/self/fd/" + std::to_string(fd_), link_);
  }
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;
  ~MemoryFile() { std::filesystem::remove(link_); }

  // Makes the file hold exactly these bytes.
  void hold(const std::uint8_t* data, std::size_t size) const {
    if (::ftruncate(fd_, 0) != 0) std::abort();
    if (size > 0 && ::pwrite(fd_, data, size, 0) != static_cast<ssize_t>(size)) std::abort();
  }

  const std::filesystem::path& path() const { return link_; }

 private:
  int fd_;
  std::filesystem::path link_;
};
