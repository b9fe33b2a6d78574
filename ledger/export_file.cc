#include "ledger/export_file.h"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "base/bytes.h"
#include "base/hex.h"
#include "export.pb.h"

namespace lovebank::ledger {
namespace {

constexpr std::size_t kReadBuffer = 1 << 20;

std::uint64_t GetLE(const char* p, int n) { return ReadLittleEndian(ByteView(p, n), n); }

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
  auto file = DurableFile::Create(path, 0644, "export", DurableFile::Mode::kNew);
  if (!file) return file.error();
  std::unique_ptr<ExportWriter> writer(new ExportWriter(path, std::move(*file)));
  if (auto s = writer->file_.Append(EncodeExportStart(header)); !s) return s.error();
  return writer;
}

ExportWriter::~ExportWriter() = default;  // an unfinished file's temp is removed

Status ExportWriter::Add(ByteView envelope) {
  Bytes record = EncodeExportRecord(envelope);
  return AddFramed(record, 1);
}

Status ExportWriter::AddFramed(ByteView records, std::uint64_t entries) {
  entries_ += entries;
  return file_.Append(records);
}

Status ExportWriter::Finish() {
  if (auto s = file_.Append(EncodeExportEnd(entries_)); !s) return s;
  return file_.Commit();
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
  {
    // Through the file seam first: a FIFO, a device or a folder is refused here.
    auto checked = InputFile::Open(path, "export file");
    if (!checked) return r->Problem("io", checked.error().message);
    r->file_bytes_ = checked->size();
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

Result<std::size_t, ExportProblem> ExportReader::Next(std::vector<Bytes>& out, std::size_t max,
                                                      std::size_t max_bytes) {
  std::size_t added = 0, bytes = 0;
  while (added < max && bytes < max_bytes && !done_) {
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
    bytes += len;
  }
  return added;
}

}  // namespace lovebank::ledger
