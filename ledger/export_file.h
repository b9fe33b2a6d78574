// The ledger export file: a community's signed entries, exactly as signed, in one
// portable, versioned file that any copy of the ledger can be checked against
// offline. docs/export-format.md gives every byte, well enough for an independent
// verifier:
//
//   "LBEXPORT" | u32 LE format version (1) | u32 LE header length | ExportHeader
//   then per entry: u32 LE length (1 .. kMaxEnvelopeBytes) | SignedEntry envelope
//   then the end: u32 LE 0 | u64 LE number of entries
//
// Entry order: the genesis first, then every other connected entry by (author key,
// seq, id). A fixed order makes one ledger one file, lets a reader check each chain
// link as it streams, and makes a reordered or spliced file visible.
#pragma once

#include <cstdint>
#include <fstream>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/file.h"
#include "base/result.h"
#include "ledger/entry.h"

namespace lovebank::ledger {

inline constexpr std::uint32_t kExportFormatVersion = 1;
inline constexpr ByteView kExportMagic = "LBEXPORT";
inline constexpr std::size_t kMaxExportHeaderBytes = 4096;

struct ExportHeader {
  NetworkId network;
  std::string community;
  std::uint64_t exported_at_ms = 0;
  std::string source;
};

// The pieces of the format, for writers and tests.
Bytes EncodeExportStart(const ExportHeader& header);
Bytes EncodeExportRecord(ByteView envelope);
Bytes EncodeExportEnd(std::uint64_t entries);

// Writes an export to `path` through the file seam (base/file.h DurableFile: a temp
// file linked into place by Finish()), so a crash or a full disk never leaves a file
// that looks complete.
class ExportWriter {
 public:
  // kAlreadyExists if `path` exists (an export is never overwritten); kUnavailable if
  // it cannot be created.
  static Result<std::unique_ptr<ExportWriter>> Create(const std::string& path,
                                                      const ExportHeader& header);
  ~ExportWriter();  // removes the partial file unless Finish() succeeded
  Status Add(ByteView envelope);
  // Appends raw records (already framed by EncodeExportRecord), counting `entries`.
  Status AddFramed(ByteView records, std::uint64_t entries);
  Status Finish();
  std::uint64_t entries() const { return entries_; }

 private:
  ExportWriter(std::string path, DurableFile file)
      : path_(std::move(path)), file_(std::move(file)) {}
  std::string path_;
  DurableFile file_;
  std::uint64_t entries_ = 0;
};

// Where a file stops being a well-formed export.
struct ExportProblem {
  std::string code;         // "not_an_export", "unknown_format", "bad_header",
                            // "truncated", "bad_length", "bad_end", "trailing_bytes", "io"
  std::string message;      // for a person: what, and at which byte and entry
  std::uint64_t offset = 0;  // byte offset in the file
  std::uint64_t record = 0;  // the entry number (0-based) concerned
};

// Streams an export file. Checks the framing only; what the entries say is the
// auditor's business (ledger/audit.h).
class ExportReader {
 public:
  static Result<std::unique_ptr<ExportReader>, ExportProblem> Open(const std::string& path);
  // The same over bytes in memory (tests, the fuzz target).
  static Result<std::unique_ptr<ExportReader>, ExportProblem> FromBytes(Bytes data);

  const ExportHeader& header() const { return header_; }
  std::uint64_t file_bytes() const { return file_bytes_; }
  std::uint64_t offset() const { return offset_; }
  // Entries read so far.
  std::uint64_t records() const { return records_; }
  bool done() const { return done_; }

  // Appends up to `max` envelopes to `out`, stopping too once they hold `max_bytes`
  // (so a caller's memory is bounded by max_bytes plus one envelope). Once the end
  // marker is read (and its count matches), done() is true. A problem stops the reader
  // for good.
  Result<std::size_t, ExportProblem> Next(std::vector<Bytes>& out, std::size_t max,
                                          std::size_t max_bytes = SIZE_MAX);

 private:
  ExportReader() = default;
  static Result<std::unique_ptr<ExportReader>, ExportProblem> Start(
      std::unique_ptr<ExportReader> reader, const std::string& name);
  bool Read(char* into, std::size_t n);
  ExportProblem Problem(std::string code, std::string message) const;

  std::unique_ptr<char[]> buffer_;  // declared before in_: the stream reads into it
  std::unique_ptr<std::istream> in_;
  ExportHeader header_;
  std::uint64_t file_bytes_ = 0;
  std::uint64_t offset_ = 0;
  std::uint64_t records_ = 0;
  bool done_ = false;
};

}  // namespace lovebank::ledger
