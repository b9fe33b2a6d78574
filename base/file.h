// Files the programs create for people: keystores, keys, certificates, vouchers.
//
// A path only ever comes from the person at the command line (or the node's data
// directory), never from an entry, a voucher, a peer or an API body. Even so, a file
// is created exclusively: whatever is already at the path, a file or a symlink
// someone planted, is refused rather than followed or overwritten, and a crash
// mid-write leaves no half-written file under the final name.
#pragma once

#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"

namespace lovebank {

// Writes `data` to a new file at `path` with permission bits `mode`: a temp file
// beside it (created O_EXCL|O_NOFOLLOW), fsync, then a hard link to `path`, which fails
// if anything exists there. kAlreadyExists if `path` exists (even a dangling symlink);
// kResourceExhausted on a full disk; kPermissionDenied or kUnavailable otherwise. `what`
// names the file in messages ("keystore", "certificate").
Status WriteNewFile(const std::string& path, ByteView data, unsigned mode, std::string_view what);

}  // namespace lovebank
