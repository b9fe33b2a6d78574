#include "ledger/export_file.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/hex.h"
#include "export.pb.h"

namespace lovebank::ledger {
namespace {

constexpr std::size_t kReadBuffer = 1 << 20;

std::uint64_t GetLE(const char* p, int n) {
  std::uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

}  // namespace

Bytes EncodeExportStart(const ExportHeader& header) {
  pb::ExportHeader h;
  h.set_network(header.network.ToBytes());
  h.set_community(header.community);
  h.set_exported_at_ms(header.exported_at_ms);
  h.set_source(header.source);
  Bytes body = h.SerializeAsString();
  Bytes out(kExportMagic);
  AppendLittleEndian32(out, kExportFormatVersion);
  AppendLittleEndian32(out, static_cast<std::uint32_t>(body.size()));
  out += body;
  return out;
}

Bytes EncodeExportRecord(ByteView envelope) {
  Bytes out;
  out.reserve(4 + envelope.size());
  AppendLittleEndian32(out, static_cast<std::uint32_t>(envelope.size()));
  out.append(envelope);
  return out;
}

Bytes EncodeExportEnd(std::uint64_t entries) {
  Bytes out;
  AppendLittleEndian32(out, 0);
  AppendLittleEndian64(out, entries);
  return out;
}

// ---- ExportWriter -----------------------------------------------------------------

Result<std::unique_ptr<ExportWriter>> ExportWriter::Create(const std::string& path,
                                                           const ExportHeader& header) {
  std::error_code ec;
  if (std::filesystem::exists(std::filesystem::symlink_status(path, ec))) {
    return MakeError(ErrorCode::kAlreadyExists,
                     fmt::format("{} already exists; an export is never overwritten, so choose "
                                 "another name or remove it first",
                                 path));
  }
  std::string partial = path + ".partial";
  std::filesystem::remove(partial, ec);  // a leftover, or a planted symlink: not followed
  std::ofstream out(partial, std::ios::binary | std::ios::trunc);
  if (!out) {
    return MakeError(ErrorCode::kUnavailable,
                     fmt::format("cannot create {}: check the folder exists and is writable",
                                 partial));
  }
  std::unique_ptr<ExportWriter> writer(new ExportWriter(path, std::move(out)));
  Bytes start = EncodeExportStart(header);
  writer->out_.write(start.data(), static_cast<std::streamsize>(start.size()));
  if (auto s = writer->Check("write the header"); !s) return s.error();
  return writer;
}

ExportWriter::~ExportWriter() {
  if (!finished_) {
    out_.close();
    std::error_code ec;
    std::filesystem::remove(path_ + ".partial", ec);
  }
}

Status ExportWriter::Check(const char* what) {
  if (out_) return OkStatus();
  return MakeError(ErrorCode::kResourceExhausted,
                   fmt::format("cannot {} of {}: the disk may be full; nothing was kept", what,
                               path_));
}

Status ExportWriter::Add(ByteView envelope) {
  Bytes record = EncodeExportRecord(envelope);
  return AddFramed(record, 1);
}

Status ExportWriter::AddFramed(ByteView records, std::uint64_t entries) {
  out_.write(records.data(), static_cast<std::streamsize>(records.size()));
  entries_ += entries;
  return Check("write entries");
}

Status ExportWriter::Finish() {
  Bytes end = EncodeExportEnd(entries_);
  out_.write(end.data(), static_cast<std::streamsize>(end.size()));
  out_.flush();
  if (auto s = Check("finish"); !s) return s;
  out_.close();
  // A hard link, not a rename: it fails rather than replace anything that appeared at
  // the path meanwhile.
  const std::string partial = path_ + ".partial";
  if (::link(partial.c_str(), path_.c_str()) != 0) {
    int error = errno;
    return MakeError(error == EEXIST ? ErrorCode::kAlreadyExists : ErrorCode::kUnavailable,
                     fmt::format("cannot move the finished export into place at {}: {}", path_,
                                 std::strerror(error)));
  }
  ::unlink(partial.c_str());
  finished_ = true;
  return OkStatus();
}

// ---- ExportReader -----------------------------------------------------------------

ExportProblem ExportReader::Problem(std::string code, std::string message) const {
  return ExportProblem{std::move(code), std::move(message), offset_, records_};
}

bool ExportReader::Read(char* into, std::size_t n) {
  in_->read(into, static_cast<std::streamsize>(n));
  auto got = static_cast<std::size_t>(in_->gcount());
  offset_ += got;
  return got == n;
}

Result<std::unique_ptr<ExportReader>, ExportProblem> ExportReader::Open(const std::string& path) {
  std::unique_ptr<ExportReader> r(new ExportReader());
  std::error_code ec;
  r->file_bytes_ = std::filesystem::file_size(path, ec);
  if (ec) {
    return r->Problem("io", fmt::format("cannot read {}: {}", path, ec.message()));
  }
  r->buffer_ = std::make_unique<char[]>(kReadBuffer);
  auto file = std::make_unique<std::ifstream>();
  file->rdbuf()->pubsetbuf(r->buffer_.get(), kReadBuffer);
  file->open(path, std::ios::binary);
  if (!*file) return r->Problem("io", fmt::format("cannot open {}", path));
  r->in_ = std::move(file);
  return Start(std::move(r), path);
}

Result<std::unique_ptr<ExportReader>, ExportProblem> ExportReader::FromBytes(Bytes data) {
  std::unique_ptr<ExportReader> r(new ExportReader());
  r->file_bytes_ = data.size();
  r->in_ = std::make_unique<std::istringstream>(std::move(data), std::ios::binary);
  return Start(std::move(r), "the data");
}

Result<std::unique_ptr<ExportReader>, ExportProblem> ExportReader::Start(
    std::unique_ptr<ExportReader> reader, const std::string& path) {
  auto& r = reader;
  char start[16];
  const bool magic = r->Read(start, 8) && ByteView(start, 8) == kExportMagic;
  if (magic && !r->Read(start + 8, 8)) {
    return r->Problem("truncated", "the file is cut inside its first 16 bytes (magic, "
                                   "version and header length)");
  }
  if (!magic) {
    return r->Problem("not_an_export",
                      fmt::format("{} is not a Lovebank export (it does not start with "
                                  "\"LBEXPORT\"); make one with `lovebank export --out FILE`",
                                  path));
  }
  auto version = static_cast<std::uint32_t>(GetLE(start + 8, 4));
  if (version != kExportFormatVersion) {
    return r->Problem("unknown_format",
                      fmt::format("{} is export format {}; this program reads format {}; use a "
                                  "newer lovebank",
                                  path, version, kExportFormatVersion));
  }
  auto header_len = static_cast<std::size_t>(GetLE(start + 12, 4));
  if (header_len == 0 || header_len > kMaxExportHeaderBytes) {
    return r->Problem("bad_header", fmt::format("the header length {} is out of range (1 to {})",
                                                header_len, kMaxExportHeaderBytes));
  }
  Bytes header(header_len, '\0');
  if (!r->Read(header.data(), header_len)) {
    return r->Problem("truncated", "the file ends inside its header");
  }
  pb::ExportHeader h;
  auto network = h.ParseFromString(header) ? NetworkId::FromView(h.network()) : std::nullopt;
  if (!network) {
    return r->Problem("bad_header", "the header does not name a community (network id)");
  }
  r->header_ = ExportHeader{*network, h.community(), h.exported_at_ms(), h.source()};
  return reader;
}

Result<std::size_t, ExportProblem> ExportReader::Next(std::vector<Bytes>& out, std::size_t max) {
  std::size_t added = 0;
  while (added < max && !done_) {
    std::uint64_t at = offset_;
    char len_bytes[4];
    if (!Read(len_bytes, 4)) {
      offset_ = at;
      return Problem("truncated",
                     fmt::format("the file is cut short after entry {} (byte {} of {}): it has "
                                 "no end marker, so entries may be missing; export it again",
                                 records_, at, file_bytes_));
    }
    auto len = static_cast<std::size_t>(GetLE(len_bytes, 4));
    if (len == 0) {
      char count_bytes[8];
      if (!Read(count_bytes, 8)) {
        return Problem("truncated", fmt::format("the file is cut inside its end marker (byte {})",
                                                at));
      }
      std::uint64_t count = GetLE(count_bytes, 8);
      if (count != records_) {
        return Problem("bad_end", fmt::format("the end marker says {} entries but the file holds "
                                              "{}: entries were added or removed",
                                              count, records_));
      }
      char extra;
      if (Read(&extra, 1)) {
        return Problem("trailing_bytes",
                       fmt::format("bytes follow the end marker at byte {}", offset_ - 1));
      }
      done_ = true;
      break;
    }
    if (len > kMaxEnvelopeBytes) {
      offset_ = at;
      return Problem("bad_length",
                     fmt::format("entry {} at byte {} claims {} bytes, over the {}-byte limit of an "
                                 "entry",
                                 records_, at, len, kMaxEnvelopeBytes));
    }
    Bytes envelope(len, '\0');
    if (!Read(envelope.data(), len)) {
      offset_ = at;
      return Problem("truncated",
                     fmt::format("the file ends inside entry {} (it starts at byte {} and needs "
                                 "{} bytes; the file has {}); export it again",
                                 records_, at, 4 + len, file_bytes_ - at));
    }
    out.push_back(std::move(envelope));
    ++records_;
    ++added;
  }
  return added;
}

}  // namespace lovebank::ledger
