// Ledger entries: the plain C++ form of every kind, and the codec between it and the
// exact signed bytes. See docs/wire-protocol.md for the byte format and
// docs/ledger-rules.md for what each kind means.
//
// The signed envelope is SignedEntry{body, signature}. What is signed and hashed is
// `body` exactly as received: DecodeEntry parses it for the rules but nothing here
// ever serializes a parsed entry again to check it. EncodeEntry exists only to make
// new entries (wallet, tests) and is the one canonical encoder.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/keys.h"

namespace lovebank::ledger {

using crypto::PublicKey;
using crypto::Signature;

struct EntryIdTag;
using EntryId = FixedBytes<32, EntryIdTag>;  // BLAKE2b-256 of the signed body
// The fewest hex digits that name an id or key where people type one (the node's
// GET /v1/entries/{prefix}, the wallet's arguments); the wallet prints 12.
inline constexpr std::size_t kMinIdPrefixDigits = 8;
using NetworkId = EntryId;                   // the id of the community's genesis entry

inline constexpr std::uint32_t kEntryVersion = 1;

// Hard bounds, checked while decoding; every one is in docs/wire-protocol.md.
inline constexpr std::size_t kMaxEnvelopeBytes = 64 * 1024;
inline constexpr std::size_t kMaxBodyBytes = kMaxEnvelopeBytes - 128;
inline constexpr std::size_t kMaxTextBytes = 256;          // names, activities, memos
inline constexpr std::size_t kMaxVolunteersPerRecord = 200;
inline constexpr std::size_t kMaxTeams = 16;
inline constexpr std::size_t kMaxCategories = 64;
inline constexpr std::size_t kMaxGenesisAdmins = 32;
inline constexpr std::uint32_t kMaxMinutesPerEntry = 24 * 60;
inline constexpr std::uint64_t kMaxPoints = 1'000'000'000'000ull;
inline constexpr std::uint64_t kMaxStock = 1'000'000'000ull;
inline constexpr std::size_t kMaxNonceBytes = 32;
// Sequence numbers and seq boundaries stay far below 2^64, so "boundary + 1" and
// "seq + 1" never wrap (a chain of 2^48 entries is beyond any community).
inline constexpr std::uint64_t kMaxSeq = 1ull << 48;
// Timestamps and service starts are milliseconds since 1970 before the year 10000
// (9999-12-31T23:59:59.999Z), so every date prints with four digits.
inline constexpr std::uint64_t kMaxTimeMs = 253'402'300'799'999ull;
inline constexpr std::uint32_t kMaxServiceWindowDays = 3660;
inline constexpr std::uint32_t kDefaultServiceWindowDays = 90;

enum class Role : std::uint8_t { kAdmin = 1, kCoordinator = 2, kStation = 3, kAuditor = 4 };
inline constexpr int kRoleCount = 5;  // index 0 unused
std::string_view RoleName(Role role);
std::optional<Role> RoleFromName(std::string_view name);

// How long a help request may wait to be taken and to be done; 0: the default of its
// urgency (ledger/rules.h, DeadlinesFor).
struct RequestTimes {
  std::uint32_t take_minutes = 0;
  std::uint32_t resolve_minutes = 0;
};
inline constexpr std::uint32_t kMaxRequestMinutes = 30 * 24 * 60;  // a deadline of 30 days

struct Category {
  std::string name;
  std::uint32_t points_per_hour = 0;
  // The deadlines of its help requests, indexed by Urgency (normal, emergency, complex).
  std::array<RequestTimes, 3> deadlines{};
};

struct Policy {
  std::vector<Category> categories;
  std::uint32_t max_minutes_per_entry = 0;  // 0: no cap
  std::uint32_t max_minutes_per_day = 0;    // 0: no cap
  std::int32_t utc_offset_minutes = 0;
  std::uint32_t service_window_days = 0;  // 0: kDefaultServiceWindowDays
  std::string time_zone = {};             // IANA name, for showing times; may be empty
};

struct Genesis {
  std::string community;
  std::vector<PublicKey> admins;
  Policy policy;
};
struct Enrol {
  PublicKey member;
  std::string name, grid, building;
  std::vector<std::string> teams;
  std::optional<EntryId> replaces = std::nullopt;  // set: a profile update of that entry
};
struct RoleGrant {
  PublicKey subject;
  Role role = Role::kAdmin;
  std::uint64_t boundary_seq = 0;
};
struct RoleRevoke {
  PublicKey subject;
  Role role = Role::kAdmin;
  std::uint64_t boundary_seq = 0;
};
struct NodeGrant {
  PublicKey node;
  std::string label;
};
struct NodeRevoke {
  PublicKey node;
  std::string label;
};
struct KeyRotate {
  PublicKey old_key, new_key;
  std::uint64_t boundary_seq = 0;
};
struct Recover {
  PublicKey old_key, new_key;
  std::uint64_t boundary_seq = 0;
};
struct ServiceRecord {
  std::string activity, category;
  std::uint64_t start_ms = 0;
  std::uint32_t minutes = 0;
  std::vector<PublicKey> volunteers;
};
struct ServiceClaim {
  std::string activity, category;
  std::uint64_t start_ms = 0;
  std::uint32_t minutes = 0;
  std::optional<PublicKey> beneficiary;
};
struct ServiceConfirm {
  EntryId claim;
  std::string reason;
};
struct ServiceReject {
  EntryId claim;
  std::string reason;
};
struct Transfer {
  PublicKey to;
  std::uint64_t points = 0;
  std::string memo;
};
struct CatalogItem {
  std::string name;
  std::uint64_t price = 0;
  std::uint64_t stock = 0;
};
struct Restock {
  EntryId item;
  std::uint64_t added = 0;
};
struct CatalogWithdraw {
  EntryId item;
  std::string reason;
};
struct Redeem {
  EntryId item;
  PublicKey station;
  std::uint64_t points = 0;
  Bytes nonce;
};
struct Fulfil {
  EntryId redeem;
};
struct Reversal {
  EntryId target;
  std::optional<PublicKey> volunteer;
  std::string reason;
};
struct ForkResolution {
  PublicKey author;
  std::uint64_t seq = 0;
  EntryId chosen;
};
struct AuditCheckpoint {
  Bytes chain_root;
  std::uint64_t entry_count = 0;
  Bytes state_hash;
  Bytes heads;  // ledger/checkpoint.h gives the layout
};

// Help requests (docs/ledger-rules.md, "Help requests").
enum class Urgency : std::uint8_t { kNormal = 0, kEmergency = 1, kComplex = 2 };
enum class Channel : std::uint8_t { kApp = 0, kPhone = 1, kVisit = 2, kInPerson = 3 };
enum class CloseReason : std::uint8_t {
  kFixed = 0,
  kDuplicate = 1,
  kReferred = 2,
  kNotOurs = 3,
  kCancelled = 4,
  kUnable = 5,
};
enum class Level : std::uint8_t { kBuilding = 0, kGrid = 1, kCommunity = 2, kStreet = 3 };
inline constexpr std::uint32_t kMaxRequestVolunteers = 20;
inline constexpr std::size_t kMaxConfirmedResolves = 64;
std::string_view UrgencyName(Urgency u);
std::string_view ChannelName(Channel c);
std::string_view CloseReasonName(CloseReason r);
std::string_view LevelName(Level l);
std::optional<Urgency> UrgencyFromName(std::string_view name);
std::optional<Channel> ChannelFromName(std::string_view name);
std::optional<CloseReason> CloseReasonFromName(std::string_view name);
std::optional<Level> LevelFromName(std::string_view name);

struct RequestOpen {
  std::string category, title;
  std::optional<PublicKey> resident;  // absent: the author asks for themselves
  std::string grid, building;
  Urgency urgency = Urgency::kNormal;
  std::uint32_t volunteers = 1;
  Channel channel = Channel::kApp;
};
struct RequestTake {
  EntryId request;
};
struct RequestResolve {
  EntryId request;
  std::uint64_t start_ms = 0;
  std::uint32_t minutes = 0;
  std::string note;
};
struct RequestConfirm {
  EntryId request;
  EntryId after;                  // the open, or the reopen it follows
  std::vector<EntryId> resolves;  // sorted, distinct
  std::uint32_t rating = 0;
  std::string comment;
};
struct RequestReopen {
  EntryId request;
  EntryId after;
  std::string reason;
};
struct RequestClose {
  EntryId request;
  EntryId after;
  CloseReason reason_code = CloseReason::kFixed;
  std::string reason;
};
struct RequestEscalate {
  EntryId request;
  Level level = Level::kGrid;
  std::string reason;
};

using EntryKind =
    std::variant<Genesis, Enrol, RoleGrant, RoleRevoke, NodeGrant, NodeRevoke, KeyRotate, Recover,
                 ServiceRecord, ServiceClaim, ServiceConfirm, ServiceReject, Transfer, CatalogItem,
                 Restock, Redeem, Fulfil, Reversal, ForkResolution, AuditCheckpoint,
                 CatalogWithdraw, RequestOpen, RequestTake, RequestResolve, RequestConfirm,
                 RequestReopen, RequestClose, RequestEscalate>;

// The request an act names, or nullopt for an open and for every other kind.
const EntryId* RequestOf(const EntryKind& kind);

// "genesis", "enrol", "role_grant", ...: the protobuf field name of the kind.
std::string_view KindName(const EntryKind& kind);

struct Entry {
  std::uint32_t version = kEntryVersion;
  PublicKey author;
  std::uint64_t seq = 1;
  std::optional<EntryId> prev;       // absent exactly when seq == 1
  std::optional<NetworkId> network;  // absent exactly in a genesis entry
  std::uint64_t timestamp_ms = 0;
  EntryKind kind;
};

// Why an entry was refused before it reached the rules. Stable: tests and the API
// name them.
enum class RejectCode {
  kOversize,        // envelope or body over its hard limit
  kMalformed,       // not a SignedEntry / Entry protobuf, or a field of the wrong size
  kNonCanonical,    // decodes, but is not the one canonical encoding of what it says
  kUnknownVersion,  // version other than kEntryVersion
  kUnknownKind,     // no kind, or a kind this version does not know
  kOutOfRange,      // a field outside its bound (text too long, zero minutes, ...)
  kBadSignature,    // the signature does not verify for the author
  kWrongNetwork,    // names another community
};
std::string_view RejectCodeName(RejectCode code);

struct Rejection {
  RejectCode code;
  std::string message;  // says which field and why
};

// An entry whose signature and form have been checked. `envelope` is the serialized
// SignedEntry exactly as received, which is what is stored and gossiped.
struct VerifiedEntry {
  EntryId id;
  Entry entry;
  Bytes envelope;
};

// Parses and checks a body: size, canonical encoding, version, kind and every field
// bound. Does not check the signature or the network. Pure; thread-safe.
Result<Entry, Rejection> DecodeEntryBody(ByteView body);

// Canonical body bytes of `entry`. Requires a well-formed entry (bounds respected).
Bytes EncodeEntryBody(const Entry& entry);

// The full check of a received envelope: size, envelope form, body decode, signature
// by the author, id. When `network` is given, also refuses entries of another
// community (a genesis entry must then have that id). Pure; thread-safe.
Result<VerifiedEntry, Rejection> VerifyEnvelope(ByteView envelope,
                                                const std::optional<NetworkId>& network);
// The same, taking ownership of the envelope instead of copying it.
Result<VerifiedEntry, Rejection> VerifyEnvelope(Bytes&& envelope,
                                                const std::optional<NetworkId>& network);

// The id an envelope would have (BLAKE2b-256 of its body), without checking anything
// else: lets a node drop an entry it already holds before paying for its signature.
// nullopt if the bytes are not a SignedEntry.
std::optional<EntryId> EnvelopeId(ByteView envelope);

// What an envelope's body says, if it decodes, without checking the signature or the
// network: only for describing an entry that failed verification to a person.
std::optional<Entry> PeekEntry(ByteView envelope);

// The SignedEntry envelope of a body and its signature (no checks).
Bytes EncodeEnvelope(ByteView body, const Signature& signature);

// Signs `entry` with `author` (whose public key must be entry.author) and returns the
// verified result, ready to store or submit.
VerifiedEntry SignEntry(const Entry& entry, const crypto::SecretKey& author);

}  // namespace lovebank::ledger
