#include "base/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace lovebank {
namespace {

constexpr std::size_t kWriteChunk = 64 * 1024;

std::string Named(std::string_view what, const std::string& path) {
  return std::string(what) + " " + path;
}

Error ReadError(int error, const std::string& path, std::string_view what) {
  std::string message = "cannot read the " + Named(what, path) + ": " + std::strerror(error);
  if (error == ENOENT || error == ENOTDIR) {
    return MakeError(ErrorCode::kNotFound, message + "; check the path");
  }
  if (error == EACCES || error == EPERM) {
    return MakeError(ErrorCode::kPermissionDenied, message + "; check who may read it");
  }
  return MakeError(ErrorCode::kUnavailable, message);
}

Error WriteError(int error, const std::string& path, std::string_view what) {
  std::string message = "cannot write the " + Named(what, path) + ": " + std::strerror(error);
  if (error == ENOSPC || error == EDQUOT) {
    return MakeError(ErrorCode::kResourceExhausted, message + "; free some disk space");
  }
  if (error == EACCES || error == EPERM || error == EROFS) {
    return MakeError(ErrorCode::kPermissionDenied, message + "; choose a folder you may write");
  }
  return MakeError(ErrorCode::kUnavailable, message);
}

Error Exists(const std::string& path, std::string_view what) {
  return MakeError(ErrorCode::kAlreadyExists,
                   "something already exists at " + path + "; the " + std::string(what) +
                       " is never written over an existing file, so choose another name or "
                       "move that one away first");
}

std::string_view KindOf(mode_t mode) {
  if (S_ISDIR(mode)) return "a folder";
  if (S_ISFIFO(mode)) return "a pipe (FIFO)";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

// Opens for reading without blocking on a FIFO's open and without becoming its
// controlling terminal; then insists on a regular file.
struct Opened {
  int fd;
  std::uint64_t size;
  unsigned permissions;
};

Result<Opened> OpenRegular(const std::string& path, std::string_view what) {
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return ReadError(errno, path, what);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int error = errno;
    ::close(fd);
    return ReadError(error, path, what);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return MakeError(ErrorCode::kInvalidArgument,
                     "the " + Named(what, path) + " is " + std::string(KindOf(st.st_mode)) +
                         ", not a file; give the path of the " + std::string(what) + " itself");
  }
  // Reads of a regular file never block; clear O_NONBLOCK all the same.
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  return Opened{fd, static_cast<std::uint64_t>(st.st_size), static_cast<unsigned>(st.st_mode & 07777)};
}

std::string DirectoryOf(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

void SyncDirectory(const std::string& path) {
  int dfd = ::open(DirectoryOf(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return;
  ::fsync(dfd);
  ::close(dfd);
}

}  // namespace

// ---- reading -----------------------------------------------------------------------

Result<Bytes> ReadSmallFile(const std::string& path, std::size_t max_bytes, std::string_view what) {
  auto file = InputFile::Open(path, what);
  if (!file) return file.error();
  auto too_large = [&] {
    return MakeError(ErrorCode::kInvalidArgument,
                     "the " + Named(what, path) + " is larger than a " + std::string(what) +
                         " can be (at most " + std::to_string(max_bytes) +
                         " bytes); is it the right file?");
  };
  if (file->size() > max_bytes) return too_large();
  Bytes out(static_cast<std::size_t>(file->size()) + 1, '\0');
  std::size_t have = 0;
  for (;;) {
    if (have == out.size()) {
      if (out.size() > max_bytes) return too_large();  // it grew while being read
      out.resize(std::min(out.size() * 2, max_bytes + 1));
    }
    auto n = file->Read(out.data() + have, out.size() - have);
    if (!n) return n.error();
    if (*n == 0) break;
    have += *n;
  }
  if (have > max_bytes) return too_large();
  out.resize(have);
  return out;
}

Result<InputFile> InputFile::Open(const std::string& path, std::string_view what) {
  auto opened = OpenRegular(path, what);
  if (!opened) return opened.error();
  return InputFile(opened->fd, opened->size, opened->permissions, path);
}

InputFile::InputFile(InputFile&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      size_(other.size_),
      permissions_(other.permissions_),
      path_(std::move(other.path_)) {}

InputFile& InputFile::operator=(InputFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    size_ = other.size_;
    permissions_ = other.permissions_;
    path_ = std::move(other.path_);
  }
  return *this;
}

InputFile::~InputFile() {
  if (fd_ >= 0) ::close(fd_);
}

Result<std::size_t> InputFile::Read(char* into, std::size_t n) {
  for (;;) {
    ssize_t got = ::read(fd_, into, n);
    if (got >= 0) return static_cast<std::size_t>(got);
    if (errno != EINTR) return ReadError(errno, path_, "file");
  }
}

// ---- writing -----------------------------------------------------------------------

Result<DurableFile> DurableFile::Create(const std::string& path, unsigned mode,
                                        std::string_view what, Mode how) {
  struct stat existing {};
  if (how == Mode::kNew && ::lstat(path.c_str(), &existing) == 0) return Exists(path, what);
  const std::string temp = path + ".tmp";
  // A leftover of a crash, or a symlink someone planted: removed, never followed.
  ::unlink(temp.c_str());
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                  static_cast<mode_t>(mode));
  if (fd < 0) return WriteError(errno, temp, what);
  if (::fchmod(fd, static_cast<mode_t>(mode)) != 0) {  // whatever the umask
    int error = errno;
    ::close(fd);
    ::unlink(temp.c_str());
    return WriteError(error, temp, what);
  }
  return DurableFile(fd, path, std::string(what), how);
}

DurableFile::DurableFile(DurableFile&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      path_(std::move(other.path_)),
      what_(std::move(other.what_)),
      how_(other.how_),
      pending_(std::move(other.pending_)),
      error_(other.error_),
      committed_(std::exchange(other.committed_, true)) {}

DurableFile::~DurableFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink((path_ + ".tmp").c_str());
}

Status DurableFile::Flush() {
  const char* p = pending_.data();
  std::size_t left = pending_.size();
  while (left > 0 && error_ == 0) {
    ssize_t n = ::write(fd_, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error_ = n < 0 ? errno : EIO;
      break;
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  pending_.clear();
  if (error_ != 0) return WriteError(error_, path_, what_);
  return OkStatus();
}

Status DurableFile::Append(ByteView data) {
  if (error_ != 0) return WriteError(error_, path_, what_);
  pending_.append(data);
  if (pending_.size() >= kWriteChunk) return Flush();
  return OkStatus();
}

Status DurableFile::Commit() {
  if (fd_ < 0 || committed_) {
    return MakeError(ErrorCode::kInternal, "the " + Named(what_, path_) + " was already closed");
  }
  if (auto s = Flush(); !s) return s;
  int error = ::fsync(fd_) != 0 ? errno : 0;
  ::close(fd_);
  fd_ = -1;
  const std::string temp = path_ + ".tmp";
  if (error == 0) {
    // A new file is hard-linked, which fails rather than replace anything that appeared
    // at the path meanwhile; a replaced one is renamed over the old one atomically.
    int rc = how_ == Mode::kNew ? ::link(temp.c_str(), path_.c_str())
                                : ::rename(temp.c_str(), path_.c_str());
    if (rc != 0) error = errno;
  }
  ::unlink(temp.c_str());
  committed_ = true;
  if (error == EEXIST) return Exists(path_, what_);
  if (error != 0) return WriteError(error, path_, what_);
  SyncDirectory(path_);
  return OkStatus();
}

Status WriteNewFile(const std::string& path, ByteView data, unsigned mode, std::string_view what) {
  auto file = DurableFile::Create(path, mode, what, DurableFile::Mode::kNew);
  if (!file) return file.error();
  if (auto s = file->Append(data); !s) return s;
  return file->Commit();
}

Status ReplaceFile(const std::string& path, ByteView data, unsigned mode, std::string_view what) {
  auto file = DurableFile::Create(path, mode, what, DurableFile::Mode::kReplace);
  if (!file) return file.error();
  if (auto s = file->Append(data); !s) return s;
  return file->Commit();
}

}  // namespace lovebank
