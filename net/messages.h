// The messages inside frames (net/proto/wire.proto), as plain C++ values, and their
// codec. Decoding checks every bound before building anything: a peer's bytes never
// allocate more than the frame they came in, and anything malformed is an error
// (which costs the peer its connection), never a crash.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/hashing.h"

namespace lovebank::net {

inline constexpr std::uint32_t kProtocolVersion = 1;
inline constexpr std::size_t kAuthorPrefixBytes = 16;
inline constexpr std::size_t kMaxPrefixDepth = 2 * kAuthorPrefixBytes;  // nibbles
inline constexpr std::size_t kChildren = 16;
inline constexpr std::size_t kChildFingerprintBytes = 2;
// Bounds on lists inside one message.
inline constexpr std::size_t kMaxNodesPerMessage = 4096;
inline constexpr std::size_t kMaxWantsPerRequest = 4096;
inline constexpr std::size_t kMaxPeerAddresses = 64;
inline constexpr std::size_t kMaxAddressBytes = 128;
inline constexpr std::size_t kMaxReasonBytes = 256;

using AuthorPrefix = std::array<std::uint8_t, kAuthorPrefixBytes>;

// A node of the sync trie: the first `depth` nibbles of an author key.
struct Prefix {
  std::uint8_t depth = 0;
  AuthorPrefix nibbles{};  // packed, high nibble first; nibbles past depth are zero

  std::uint8_t Nibble(std::size_t i) const {
    return static_cast<std::uint8_t>((nibbles[i / 2] >> (i % 2 == 0 ? 4 : 0)) & 0xF);
  }
  Prefix Child(std::uint8_t nibble) const;
  // Whether the 16-byte author prefix `author` lies under this prefix.
  bool Covers(const AuthorPrefix& author) const;
  friend bool operator==(const Prefix&, const Prefix&) = default;
  friend auto operator<=>(const Prefix&, const Prefix&) = default;
};

struct Hello {
  std::uint32_t version = kProtocolVersion;
  std::string listen;
  std::uint64_t entries = 0;
};
struct Entries {
  std::vector<Bytes> envelopes;
  std::uint64_t want_round = 0;
};
struct Leaf {
  AuthorPrefix author{};
  std::uint64_t head_seq = 0;
  std::uint64_t count = 0;
  std::uint32_t fingerprint = 0;
  friend bool operator==(const Leaf&, const Leaf&) = default;
};
struct NodeView {
  Prefix prefix;
  bool is_leaves = false;
  std::array<std::uint8_t, kChildren * kChildFingerprintBytes> children{};
  std::vector<Leaf> leaves;
};
struct Probe {
  std::uint64_t round = 0;
  crypto::Digest root;
  std::uint64_t count = 0;
};
struct ProbeReply {
  std::uint64_t round = 0;
  bool in_sync = false;
  std::uint64_t count = 0;
  std::uint64_t salt = 0;
  std::vector<NodeView> nodes;
};
struct NodeRequest {
  Prefix prefix;
  bool leaves = false;
};
struct Descend {
  std::uint64_t round = 0;
  std::uint64_t salt = 0;
  std::vector<NodeRequest> nodes;
};
struct DescendReply {
  std::uint64_t round = 0;
  std::vector<NodeView> nodes;
  std::vector<NodeRequest> unanswered;
};
struct Want {
  AuthorPrefix author{};
  std::uint64_t from_seq = 1;
};
struct WantRequest {
  std::uint64_t round = 0;
  std::vector<Want> wants;
};
struct WantDone {
  std::uint64_t round = 0;
  std::uint64_t sent = 0;
};
struct PeerList {
  std::vector<std::string> addresses;
};
struct Goodbye {
  std::string reason;
};

using Message = std::variant<Hello, Entries, Probe, ProbeReply, Descend, DescendReply,
                             WantRequest, WantDone, PeerList, Goodbye>;

// The frame payload for `message`.
Bytes EncodeMessage(const Message& message);
// kInvalidArgument, saying what is wrong, for anything but a well-formed message
// within the bounds above.
Result<Message> DecodeMessage(ByteView payload);

// The name of a message's kind, for logs and metrics ("entries", "probe", ...).
std::string_view MessageName(const Message& message);

}  // namespace lovebank::net
