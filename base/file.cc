#include "base/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace lovebank {
namespace {

Error WriteError(int error, const std::string& path, std::string_view what) {
  std::string message =
      "cannot write the " + std::string(what) + " " + path + ": " + std::strerror(error);
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
                   "something already exists at " + path + "; a " + std::string(what) +
                       " is never written over an existing file, so choose another name or "
                       "move that one away first");
}

}  // namespace

Status WriteNewFile(const std::string& path, ByteView data, unsigned mode, std::string_view what) {
  struct stat existing {};
  if (::lstat(path.c_str(), &existing) == 0) return Exists(path, what);
  const std::string temp = path + ".tmp";
  ::unlink(temp.c_str());  // a leftover of a crash, or a planted symlink: never followed
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                  static_cast<mode_t>(mode));
  if (fd < 0) return WriteError(errno, temp, what);
  const char* p = data.data();
  std::size_t left = data.size();
  int error = 0;
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error = n < 0 ? errno : EIO;
      break;
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  if (error == 0 && ::fchmod(fd, static_cast<mode_t>(mode)) != 0) error = errno;  // umask
  if (error == 0 && ::fsync(fd) != 0) error = errno;
  ::close(fd);
  if (error == 0 && ::link(temp.c_str(), path.c_str()) != 0) error = errno;
  ::unlink(temp.c_str());
  if (error == EEXIST) return Exists(path, what);
  if (error != 0) return WriteError(error, path, what);
  return OkStatus();
}

}  // namespace lovebank
