// Writing an output file (an SVG, a LaTeX document, a .npy tensor) so that it never harms what the
// path names: readers see the old file or the whole new one, never half of it, and a device, a
// FIFO or standard output is written to, never replaced.
//
// What `path` names decides how it is written:
//   nothing yet, or a regular file   a temporary file in the same folder, renamed over the path
//                                    when complete (an existing file keeps its mode and owner)
//   a symbolic link                  followed (through every link): the file it points to is
//                                    replaced and the link stays
//   a device, a FIFO, or "-"         written directly (standard output for "-"): a failed write
//                                    is reported, and nothing is renamed or removed
//   a folder                         refused (Exit::cant_create)
// The temporary file is unnamed where the file system allows (O_TMPFILE, linked into the folder
// only when complete), so that even SIGKILL leaves nothing behind; otherwise it is
// ".NAME.PID.N.tmp", created exclusively and removed on failure and on SIGINT, SIGTERM or SIGHUP.
// The file and then its folder are flushed to disk (fsync) around the rename, so that after a
// crash the path holds the old content or the new, not an empty file. (SIGXFSZ, a file size limit,
// is ignored by attn's main, so that it is a failed write like any other.) A folder made for
// outputs (OutputFolder) goes again if the run fails before writing a file into it.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace attn {

// How the temporary file of an atomic write is made. Tests use `named` to exercise the fallback
// that file systems without O_TMPFILE get.
enum class TempFile {
  unnamed_if_possible,  // O_TMPFILE + linkat where the file system allows, else named
  named,                // always ".NAME.PID.N.tmp"
};

// An output being written. Nothing at `path` changes until commit(), except for a device, FIFO or
// standard output, which are written as write() is called. Destroying an OutputFile that was not
// committed (an exception, a failed write) discards the temporary file and leaves `path` as it was.
class OutputFile {
 public:
  // Opens the output. Throws attn::Error with Exit::cant_create naming the path when it cannot be
  // created (a missing folder, no permission, a folder of that name, a loop of symbolic links).
  // A new file gets `mode` less the umask from the start (0600 keeps a secret private even while
  // it is written); a replaced file keeps its own mode less the read and write
  // bits `mode` withholds.
  explicit OutputFile(const std::filesystem::path& path,
                      TempFile temp = TempFile::unnamed_if_possible,
                      std::filesystem::perms mode = std::filesystem::perms(0666));
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  ~OutputFile();

  // Appends bytes. Throws attn::Error with Exit::io naming the path when the write fails (a full
  // disk or device, a closed pipe).
  void write(const void* data, std::size_t size);
  void write(std::string_view text) { write(text.data(), text.size()); }

  // Makes the output final: flushes it to disk and renames it into place (Exit::io when the flush
  // fails, Exit::cant_create when the rename does). Call once, after the last write.
  void commit();

  // The path as given, for messages.
  const std::filesystem::path& path() const { return path_; }
  // True for a device, a FIFO or "-": written in place, not atomically.
  bool direct() const { return direct_; }

 private:
  void discard() noexcept;

  std::filesystem::path path_;    // as given
  std::filesystem::path target_;  // what is replaced: path_ with its links followed
  std::filesystem::path temp_;    // the named temporary file, or empty
  int fd_ = -1;
  int slot_ = -1;           // the temporary file's place in the signal handler's list, or −1
  bool direct_ = false;     // written in place
  bool unnamed_ = false;    // fd_ is an O_TMPFILE file, not yet linked
  bool existed_ = false;    // target_ existed when opened
  bool committed_ = false;  // commit() succeeded
};

// Writes `content` to `path` as OutputFile does (atomically for a regular file, directly for a
// device, FIFO or "-"), a new file with `mode` less the umask. Throws as OutputFile's
// constructor, write() and commit() do.
void write_file_atomically(const std::filesystem::path& path, std::string_view content,
                           std::filesystem::perms mode = std::filesystem::perms(0666));

// The files a command writes from several flags (--dq-out, --dk-out, --dv-out), appearing all
// together or not at all: each is written to its temporary file as it is added (a device, a FIFO
// or "-" directly, as always), and commit() moves them into place one after another once all are
// complete. Destroyed without commit() (a failed write, an exception), none of the paths changes.
// (A rename that fails inside commit() leaves the files before it in place: renames cannot be
// undone together; it is reported like any other.)
class OutputBatch {
 public:
  // Writes `content` for `path`, as write_file_atomically does up to its commit.
  void add(const std::filesystem::path& path, std::string_view content,
           std::filesystem::perms mode = std::filesystem::perms(0666));
  void commit();

 private:
  std::vector<std::unique_ptr<OutputFile>> files_;
};

// write_file_atomically, or the batch's add() when there is a batch.
void write_file(const std::filesystem::path& path, std::string_view content, OutputBatch* batch);

// A folder for outputs (--output-dir): the levels of `dir` that do not exist yet are made now, as
// `mkdir -p` makes them, and removed again, deepest first and only while empty, when the
// OutputFolder is destroyed without keep(): a run that fails before its first file is written
// leaves no empty folder behind. Throws attn::Error with Exit::cant_create naming dir.
class OutputFolder {
 public:
  explicit OutputFolder(const std::filesystem::path& dir);
  OutputFolder(const OutputFolder&) = delete;
  OutputFolder& operator=(const OutputFolder&) = delete;
  ~OutputFolder();

  // The folder stays, whatever happens next.
  void keep() { made_.clear(); }

 private:
  void remove_made() noexcept;

  std::vector<std::filesystem::path> made_;  // the levels made, outermost first
};

// A path named by a flag, for check_output_paths: {"--output", "o.npy"}.
struct NamedPath {
  std::string flag;
  std::string path;
};

// Refuses (a usage error naming both flags) one file named by two outputs, and an output that
// would overwrite one of the inputs: "--output and --weights-out both name 'o.npy'". Paths are the
// same file when they are the same once symbolic links, "." and ".." are resolved, or when both
// exist and are one file (hard links). "-" is standard output among the outputs and standard input
// among the inputs, so it clashes only with itself among the outputs.
void check_output_paths(std::span<const NamedPath> outputs, std::span<const NamedPath> inputs);

}  // namespace attn
