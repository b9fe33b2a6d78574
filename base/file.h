// The one file seam of every program: how files are read and written.
//
// A path only ever comes from the person at the command line (or the node's data
// directory), never from an entry, a voucher, a peer or an API body. Even so:
//   - a file is read only if it is a regular file, and only up to a stated size, so a
//     FIFO, a device (/dev/zero), a directory or a huge file is refused with a clear
//     message instead of hanging the program or filling its memory;
//   - a file is written through a temp file beside it, created O_EXCL|O_NOFOLLOW (a
//     symlink planted at the temp name is removed, never followed), fsynced, then
//     linked (a new file) or renamed (a replaced one) into place, and the directory is
//     fsynced, so a crash leaves the old file or the new one, never half of either.
//
// Errors: kNotFound (no such file), kInvalidArgument (not a regular file, or larger
// than allowed), kAlreadyExists (a new file's path is taken, even by a dangling
// symlink), kResourceExhausted (the disk is full), kPermissionDenied, kUnavailable
// (anything else the system reports). Messages name the file by `what` ("keystore",
// "certificate") and say what to do. Not thread-safe per object; distinct objects may be
// used on distinct threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"

namespace lovebank {

// Reads a whole regular file of at most `max_bytes`.
Result<Bytes> ReadSmallFile(const std::string& path, std::size_t max_bytes, std::string_view what);

// A regular file opened for streaming reads.
class InputFile {
 public:
  // Opens `path` without blocking on a FIFO and checks it is a regular file.
  static Result<InputFile> Open(const std::string& path, std::string_view what);
  InputFile(InputFile&& other) noexcept;
  InputFile& operator=(InputFile&& other) noexcept;
  ~InputFile();

  // The size and permission bits when opened.
  std::uint64_t size() const { return size_; }
  unsigned permissions() const { return permissions_; }
  // Reads up to `n` bytes; 0 at the end of the file.
  Result<std::size_t> Read(char* into, std::size_t n);

 private:
  InputFile(int fd, std::uint64_t size, unsigned permissions, std::string path)
      : fd_(fd), size_(size), permissions_(permissions), path_(std::move(path)) {}
  int fd_ = -1;
  std::uint64_t size_ = 0;
  unsigned permissions_ = 0;
  std::string path_;
};

// A file being written: appended to, then committed into place as a whole.
class DurableFile {
 public:
  enum class Mode {
    kNew,      // the path must not exist; commit fails rather than replace anything
    kReplace,  // commit atomically replaces whatever file is at the path
  };
  // Creates `path`.tmp (mode bits `mode`). kAlreadyExists at once if Mode::kNew and the
  // path exists.
  static Result<DurableFile> Create(const std::string& path, unsigned mode, std::string_view what,
                                    Mode how);
  DurableFile(DurableFile&& other) noexcept;
  DurableFile& operator=(DurableFile&& other) = delete;
  ~DurableFile();  // not committed: the temp file is removed

  Status Append(ByteView data);
  // Flushes, fsyncs, links or renames into place, fsyncs the directory.
  Status Commit();
  const std::string& path() const { return path_; }

 private:
  DurableFile(int fd, std::string path, std::string what, Mode how)
      : fd_(fd), path_(std::move(path)), what_(std::move(what)), how_(how) {}
  Status Flush();
  int fd_ = -1;
  std::string path_;
  std::string what_;
  Mode how_ = Mode::kNew;
  std::string pending_;  // appended, not yet written
  int error_ = 0;        // the first write error; Commit() reports it
  bool committed_ = false;
};

// Writes `data` to a new file at `path`: DurableFile in Mode::kNew.
Status WriteNewFile(const std::string& path, ByteView data, unsigned mode, std::string_view what);
// Writes `data` over the file at `path` (or creates it): DurableFile in Mode::kReplace.
Status ReplaceFile(const std::string& path, ByteView data, unsigned mode, std::string_view what);

}  // namespace lovebank
