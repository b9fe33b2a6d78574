#include "crypto/secret_file.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "base/file.h"

namespace lovebank::crypto {

Bytes RandomBytes(std::size_t size) {
  Bytes out(size, '\0');
  randombytes_buf(out.data(), out.size());
  return out;
}

Status WriteSecretFile(const std::string& path, ByteView data, std::string_view what) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path target(path);
  if (target.has_parent_path()) {
    if (fs::create_directories(target.parent_path(), ec)) {
      ::chmod(target.parent_path().c_str(), 0700);
    }
  }
  return WriteNewFile(path, data, 0600, what);
}

Result<Bytes> ReadSecretFile(const std::string& path, std::size_t max_size,
                             std::string_view what) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return MakeError(errno == ENOENT ? ErrorCode::kNotFound : ErrorCode::kPermissionDenied,
                     "cannot read the " + std::string(what) + " " + path + ": " +
                         std::strerror(errno));
  }
  struct stat st;
  if (::fstat(fd, &st) == 0 && (st.st_mode & 077) != 0) {
    ::close(fd);
    return MakeError(ErrorCode::kPermissionDenied,
                     "the " + std::string(what) + " " + path +
                         " can be read by other users of this computer; run `chmod 600 " + path +
                         "` and make sure nobody copied it");
  }
  Bytes out(max_size + 1, '\0');
  ssize_t n = ::read(fd, out.data(), out.size());
  ::close(fd);
  if (n < 0) return MakeError(ErrorCode::kUnavailable, "cannot read " + path);
  out.resize(static_cast<std::size_t>(n));
  if (out.size() > max_size) {
    return MakeError(ErrorCode::kDataLoss, "the " + std::string(what) + " " + path +
                                               " is larger than it can be; it is damaged");
  }
  return out;
}

}  // namespace lovebank::crypto
