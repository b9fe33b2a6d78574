#include "crypto/secret_file.h"

#include <sodium.h>
#include <sys/stat.h>

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
  auto file = InputFile::Open(path, what);
  if (!file) return file.error();
  if ((file->permissions() & 077) != 0) {
    return MakeError(ErrorCode::kPermissionDenied,
                     "the " + std::string(what) + " " + path +
                         " can be read by other users of this computer; run `chmod 600 " + path +
                         "` and make sure nobody copied it");
  }
  if (file->size() > max_size) {
    return MakeError(ErrorCode::kDataLoss, "the " + std::string(what) + " " + path +
                                               " is larger than it can be; it is damaged");
  }
  Bytes out(max_size + 1, '\0');
  std::size_t have = 0;
  while (have < out.size()) {
    auto n = file->Read(out.data() + have, out.size() - have);
    if (!n) return n.error();
    if (*n == 0) break;
    have += *n;
  }
  out.resize(have);
  if (out.size() > max_size) {
    return MakeError(ErrorCode::kDataLoss, "the " + std::string(what) + " " + path +
                                               " is larger than it can be; it is damaged");
  }
  return out;
}

}  // namespace lovebank::crypto
