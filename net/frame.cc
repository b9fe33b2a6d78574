#include "net/frame.h"

#include <sodium.h>

namespace lovebank::net {
namespace {

using Nonce = std::array<std::uint8_t, crypto_aead_chacha20poly1305_ietf_NPUBBYTES>;

Nonce MakeNonce(std::uint64_t counter) {
  Nonce nonce{};
  for (int i = 0; i < 8; ++i) nonce[4 + i] = static_cast<std::uint8_t>(counter >> (8 * i));
  return nonce;
}

}  // namespace

FrameSealer::FrameSealer(const std::array<std::uint8_t, 32>& key) : key_(key) {}
FrameSealer::~FrameSealer() { sodium_memzero(key_.data(), key_.size()); }

Bytes FrameSealer::Seal(ByteView payload) {
  std::size_t length = payload.size() + kFrameTagSize;
  Bytes out;
  out.reserve(kFrameHeaderSize + length);
  AppendBigEndian32(out, static_cast<std::uint32_t>(length));
  out.resize(kFrameHeaderSize + length);
  Nonce nonce = MakeNonce(counter_++);
  unsigned long long written = 0;
  crypto_aead_chacha20poly1305_ietf_encrypt(
      reinterpret_cast<unsigned char*>(out.data() + kFrameHeaderSize), &written,
      reinterpret_cast<const unsigned char*>(payload.data()), payload.size(),
      reinterpret_cast<const unsigned char*>(out.data()), kFrameHeaderSize, nullptr, nonce.data(),
      key_.data());
  return out;
}

FrameOpener::FrameOpener(const std::array<std::uint8_t, 32>& key, std::size_t max_payload)
    : key_(key), max_payload_(max_payload) {}
FrameOpener::~FrameOpener() { sodium_memzero(key_.data(), key_.size()); }

Result<std::size_t> FrameOpener::BodySize(ByteView header) const {
  if (header.size() != kFrameHeaderSize) {
    return Error{ErrorCode::kInvalidArgument, "a frame header is 4 bytes"};
  }
  std::size_t length = ReadBigEndian32(header);
  if (length < kFrameTagSize) {
    return Error{ErrorCode::kInvalidArgument, "frame shorter than its authentication tag"};
  }
  if (length > max_payload_ + kFrameTagSize) {
    return Error{ErrorCode::kResourceExhausted,
                 "frame of " + std::to_string(length) + " bytes is above the limit of " +
                     std::to_string(max_payload_ + kFrameTagSize)};
  }
  return length;
}

Result<Bytes> FrameOpener::Open(ByteView header, ByteView body) {
  if (dead_) return Error{ErrorCode::kUnauthenticated, "the session failed earlier"};
  auto size = BodySize(header);
  if (!size) {
    dead_ = true;
    return size.error();
  }
  if (*size != body.size()) {
    dead_ = true;
    return Error{ErrorCode::kInvalidArgument, "frame body does not match its length"};
  }
  Bytes out(body.size() - kFrameTagSize, '\0');
  Nonce nonce = MakeNonce(counter_);
  unsigned long long written = 0;
  if (crypto_aead_chacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(out.data()), &written, nullptr,
          reinterpret_cast<const unsigned char*>(body.data()), body.size(),
          reinterpret_cast<const unsigned char*>(header.data()), header.size(), nonce.data(),
          key_.data()) != 0) {
    dead_ = true;
    return Error{ErrorCode::kUnauthenticated,
                 "frame failed authentication (tampered, replayed or out of order)"};
  }
  ++counter_;
  return out;
}

Status FrameDecoder::Feed(ByteView data) {
  if (error_) return *error_;
  buffer_.append(data);
  std::size_t offset = 0;
  while (buffer_.size() - offset >= kFrameHeaderSize) {
    ByteView header = ByteView(buffer_).substr(offset, kFrameHeaderSize);
    auto size = opener_.BodySize(header);
    if (!size) {
      error_ = size.error();
      buffer_.clear();
      return *error_;
    }
    if (buffer_.size() - offset - kFrameHeaderSize < *size) break;
    auto payload = opener_.Open(header, ByteView(buffer_).substr(offset + kFrameHeaderSize, *size));
    if (!payload) {
      error_ = payload.error();
      buffer_.clear();
      return *error_;
    }
    ready_.push_back(std::move(*payload));
    offset += kFrameHeaderSize + *size;
  }
  buffer_.erase(0, offset);
  return OkStatus();
}

std::optional<Bytes> FrameDecoder::Next() {
  if (ready_.empty()) return std::nullopt;
  Bytes out = std::move(ready_.front());
  ready_.pop_front();
  return out;
}

}  // namespace lovebank::net
