#include "attn/io/npz.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <optional>
#include <string>
#include <system_error>
#include <utility>

#include "attn/core/error.hpp"
#include "attn/io/byte_source.hpp"

// The build defines ATTN_HAVE_LIBZIP=1 when it links libzip.
#ifndef ATTN_HAVE_LIBZIP
#define ATTN_HAVE_LIBZIP 0
#endif
#if ATTN_HAVE_LIBZIP
#include <zip.h>
#endif

namespace attn::npz {

namespace fs = std::filesystem;

bool supported() noexcept {
  return ATTN_HAVE_LIBZIP;
}

#if ATTN_HAVE_LIBZIP

namespace {

std::string zip_error_text(int code) {
  zip_error_t e;
  zip_error_init_with_code(&e, code);
  std::string text = zip_error_strerror(&e);
  zip_error_fini(&e);
  return text;
}

// An open .npz (zip) archive.
class Archive {
 public:
  explicit Archive(const fs::path& path) : name_(path.string()) {
    std::error_code ec;
    if (fs::is_directory(path, ec))
      throw Error(Exit::no_input, fmt::format("cannot open '{}': {}", name_, errno_text(EISDIR)));
    int code = 0;
    zip_ = zip_open(path.c_str(), ZIP_RDONLY, &code);
    if (zip_) return;
    zip_error_t e;
    zip_error_init_with_code(&e, code);
    const int system = zip_error_code_system(&e);
    zip_error_fini(&e);
    switch (code) {
      case ZIP_ER_NOENT:
        throw Error(Exit::no_input, fmt::format("cannot open '{}': {}", name_, errno_text(ENOENT)));
      case ZIP_ER_OPEN:
      case ZIP_ER_READ:
        throw Error(Exit::no_input,
                    fmt::format("cannot open '{}': {}", name_,
                                system ? errno_text(system) : zip_error_text(code)));
      case ZIP_ER_NOZIP:
        throw data_error(fmt::format("{}: not a .npz file (it is not a zip archive)", name_));
      default:
        throw data_error(fmt::format("{}: not a valid .npz file: {}", name_, zip_error_text(code)));
    }
  }
  Archive(const Archive&) = delete;
  Archive& operator=(const Archive&) = delete;
  ~Archive() { zip_discard(zip_); }

  zip_t* get() const { return zip_; }
  const std::string& name() const { return name_; }

  // Member names in archive order.
  std::vector<std::string> members() const {
    std::vector<std::string> names;
    const zip_int64_t n = zip_get_num_entries(zip_, 0);
    for (zip_int64_t i = 0; i < n; ++i)
      if (const char* member = zip_get_name(zip_, static_cast<zip_uint64_t>(i), 0))
        names.emplace_back(member);
    return names;
  }

 private:
  std::string name_;
  zip_t* zip_ = nullptr;
};

// One member of an archive, read (and inflated) as it goes. The size recorded in the archive is not
// trusted, so size() is unknown and the reader grows its buffer as bytes arrive.
class ZipSource final : public ByteSource {
 public:
  ZipSource(const Archive& archive, zip_uint64_t index, std::string name)
      : file_(zip_fopen_index(archive.get(), index, 0)), name_(std::move(name)) {
    if (!file_)
      throw data_error(fmt::format("{}: cannot read: {}", name_, zip_strerror(archive.get())));
  }
  ~ZipSource() override { zip_fclose(file_); }

  std::optional<std::size_t> size() const override { return std::nullopt; }

  std::size_t read(unsigned char* out, std::size_t n) override {
    std::size_t done = 0;
    while (done < n) {
      const zip_int64_t got = zip_fread(file_, out + done, n - done);
      if (got < 0)  // a CRC mismatch or bad deflate stream shows up here
        throw data_error(fmt::format("{}: cannot read: {}", name_, zip_file_strerror(file_)));
      if (got == 0) break;
      done += static_cast<std::size_t>(got);
    }
    return done;
  }

 private:
  zip_file_t* file_;
  std::string name_;
};

// As np.load's NpzFile.files: member names, less the ".npy" on those that have it.
std::vector<std::string> array_names(const Archive& archive) {
  std::vector<std::string> names = archive.members();
  for (std::string& n : names)
    if (n.ends_with(".npy")) n.resize(n.size() - 4);
  return names;
}

}  // namespace

std::vector<std::string> names(const std::filesystem::path& path) {
  return array_names(Archive(path));
}

namespace {

// Calls read(source, name) on the member holding `array`.
template <class F>
auto read_member(const std::filesystem::path& path, std::string_view array, F read) {
  const Archive archive(path);
  const std::string member = std::string(array) + ".npy";
  const zip_int64_t index = zip_name_locate(archive.get(), member.c_str(), 0);
  if (index < 0) {
    std::string names;
    for (const std::string& n : array_names(archive)) names += (names.empty() ? "" : ", ") + n;
    throw data_error(fmt::format("{}: no array named '{}' (it holds {})", archive.name(), array,
                                 names.empty() ? "no arrays" : names));
  }
  const std::string name = fmt::format("{}:{}", archive.name(), member);
  ZipSource in(archive, static_cast<zip_uint64_t>(index), name);
  return read(in, name);
}

}  // namespace

npy::NpyArray read(const std::filesystem::path& path, std::string_view array) {
  return read_member(path, array,
                     [](ByteSource& in, const std::string& name) { return npy::read(in, name); });
}

Tensor read_tensor(const std::filesystem::path& path, std::string_view array) {
  return read_member(path, array, [](ByteSource& in, const std::string& name) {
    return npy::read_tensor(in, name);
  });
}

#else

namespace {
[[noreturn]] void no_npz(const std::filesystem::path& path) {
  throw data_error(
      fmt::format("{}: this attn was built without .npz support (libzip)", path.string()),
      "save each array with np.save and pass the .npy files");
}
}  // namespace

std::vector<std::string> names(const std::filesystem::path& path) {
  no_npz(path);
}
npy::NpyArray read(const std::filesystem::path& path, std::string_view) {
  no_npz(path);
}
Tensor read_tensor(const std::filesystem::path& path, std::string_view) {
  no_npz(path);
}

#endif  // ATTN_HAVE_LIBZIP

}  // namespace attn::npz
