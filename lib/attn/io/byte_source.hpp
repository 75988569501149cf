// Where the bytes of an input file come from: a file (or pipe) on disk, bytes already in memory,
// or a member of an archive (io/npz). The readers of .npy and safetensors files take a ByteSource,
// so each format is parsed once whatever holds it.
//
// Errors: a missing, unreadable or directory path is Exit::no_input ("cannot open 'q.npy': No such
// file or directory"); a read that fails part way is Exit::io ("error reading 'q.npy': …").
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <span>
#include <string>

namespace attn {

class ByteSource {
 public:
  ByteSource() = default;
  ByteSource(const ByteSource&) = delete;
  ByteSource& operator=(const ByteSource&) = delete;
  virtual ~ByteSource() = default;

  // The total size when it is known in advance (a regular file, bytes in memory); nothing for a
  // pipe or an inflating archive member, whose readers must not trust a size they are told.
  virtual std::optional<std::size_t> size() const = 0;
  // Reads up to n bytes into out; fewer only at the end of the source. Returns how many.
  virtual std::size_t read(unsigned char* out, std::size_t n) = 0;
};

// A file opened for reading (a regular file, a pipe such as /dev/fd/3, or a device).
class FileSource final : public ByteSource {
 public:
  explicit FileSource(const std::filesystem::path& path);
  ~FileSource() override;

  std::optional<std::size_t> size() const override { return size_; }
  std::size_t read(unsigned char* out, std::size_t n) override;
  // Moves to byte `offset` of a regular file (safetensors reads one tensor of many).
  void seek(std::size_t offset);
  const std::string& name() const { return name_; }
  int fd() const { return fd_; }

 private:
  [[noreturn]] void fail_read(int error) const;

  std::string name_;
  int fd_ = -1;
  std::optional<std::size_t> size_;
};

// Bytes already in memory, read like a file.
class MemorySource final : public ByteSource {
 public:
  explicit MemorySource(std::span<const unsigned char> bytes) : bytes_(bytes) {}
  std::optional<std::size_t> size() const override { return bytes_.size(); }
  std::size_t read(unsigned char* out, std::size_t n) override;

 private:
  std::span<const unsigned char> bytes_;
  std::size_t pos_ = 0;
};

// Reads to the end of the source and returns how many bytes there were.
std::size_t skip_rest(ByteSource& in);

// "No such file or directory": the text of an errno value.
std::string errno_text(int error);

}  // namespace attn
