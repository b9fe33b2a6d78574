// Small secret files on disk (keystores, node keys, network keys) and the secure
// random source. Every secret file is written atomically with mode 0600 and is
// refused on read when other users of the computer could read it.
#pragma once

#include <cstddef>
#include <string>

#include "base/bytes.h"
#include "base/result.h"

namespace lovebank::crypto {

// `size` bytes from the system's secure random source.
Bytes RandomBytes(std::size_t size);

// Writes `data` to `path` with mode 0600 (base/file.h WriteNewFile: temp file, fsync,
// link), creating the parent directory (mode 0700) if needed. Never overwrites and
// never follows a symlink: anything already at `path` is kAlreadyExists. A full disk is kResourceExhausted. `what` names the file for
// people ("keystore", "node key").
Status WriteSecretFile(const std::string& path, ByteView data, std::string_view what);

// Reads a secret file of at most `max_size` bytes. kNotFound if absent,
// kPermissionDenied if unreadable or if other users may read it (mode must be 0600 or
// stricter), kDataLoss if larger than `max_size`.
Result<Bytes> ReadSecretFile(const std::string& path, std::size_t max_size,
                             std::string_view what);

}  // namespace lovebank::crypto
