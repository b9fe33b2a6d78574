#include "ledger/voucher.h"

#include "base/base64.h"
#include "ledger/entry.h"

namespace lovebank::ledger {

std::string EncodeVoucher(const std::vector<Bytes>& envelopes, std::size_t max_bytes) {
  std::size_t first = envelopes.size();
  std::size_t size = 1;
  while (first > 0 && envelopes.size() - first < kMaxVoucherEntries) {
    std::size_t next = size + 4 + envelopes[first - 1].size();
    if (first < envelopes.size() && next > max_bytes) break;
    size = next;
    --first;
  }
  Bytes bundle;
  bundle.push_back(static_cast<char>(envelopes.size() - first));
  for (std::size_t i = first; i < envelopes.size(); ++i) {
    AppendBigEndian32(bundle, static_cast<std::uint32_t>(envelopes[i].size()));
    bundle.append(envelopes[i]);
  }
  return std::string(kVoucherPrefix) + ToBase64Url(bundle);
}

Result<std::vector<Bytes>> DecodeVoucher(std::string_view text) {
  auto invalid = [](std::string why) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "not a valid voucher (" + why +
                         "); ask the volunteer to show the voucher again or copy it whole");
  };
  while (!text.empty() && (text.front() == ' ' || text.front() == '\n')) text.remove_prefix(1);
  if (text.substr(0, kVoucherPrefix.size()) != kVoucherPrefix) {
    return invalid("it does not start with " + std::string(kVoucherPrefix));
  }
  text.remove_prefix(kVoucherPrefix.size());
  if (text.size() > kMaxVoucherBytes * 4 / 3 + 64) return invalid("it is too long");
  auto bundle = FromBase64Url(text);
  if (!bundle) return invalid("it contains characters a voucher cannot have");
  ByteView in(*bundle);
  if (in.empty()) return invalid("it is empty");
  std::size_t count = static_cast<unsigned char>(in[0]);
  in.remove_prefix(1);
  if (count == 0 || count > kMaxVoucherEntries) return invalid("wrong number of entries");
  std::vector<Bytes> out;
  for (std::size_t i = 0; i < count; ++i) {
    if (in.size() < 4) return invalid("it is cut short");
    std::uint32_t size = ReadBigEndian32(in);
    in.remove_prefix(4);
    if (size > kMaxEnvelopeBytes || size > in.size()) return invalid("it is cut short");
    out.emplace_back(in.substr(0, size));
    in.remove_prefix(size);
  }
  if (!in.empty()) return invalid("it has bytes after its last entry");
  return out;
}

}  // namespace lovebank::ledger
