// The on-disk layout: column family names and key formats, in one place.
// docs/storage.md describes them for people.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "base/bytes.h"
#include "ledger/entry.h"
#include "ledger/state.h"

namespace lovebank::ledger::internal {

inline constexpr std::string_view kEntriesFamily = "entries";  // EntryKey -> envelope
inline constexpr std::string_view kIdsFamily = "ids";          // id -> author || seq
inline constexpr std::string_view kPendingFamily = "pending";  // id -> envelope
inline constexpr std::string_view kStateFamily = "state";      // derived rows
inline constexpr std::string_view kMetaFamily = "meta";        // schema, network, genesis
inline constexpr std::string_view kHistoryFamily = "history";  // HistoryKey -> nothing

inline constexpr std::array<std::string_view, 6> kFamilies = {
    kEntriesFamily, kIdsFamily, kPendingFamily, kStateFamily, kMetaFamily, kHistoryFamily};

inline constexpr std::string_view kSchemaVersionKey = "schema_version";
inline constexpr std::string_view kGenesisKey = "genesis";
// Present once the history family holds a row for every stored entry: a store written
// before the family existed gets its rows on the first open (Store::Open).
inline constexpr std::string_view kHistoryBuiltKey = "history_built";
inline constexpr std::uint64_t kSchemaVersion = 1;

inline constexpr char kAccountRowPrefix = 'a';
inline constexpr char kItemRowPrefix = 'i';

// author (32) || seq (8, big-endian) || id (32): iteration walks each chain in seq
// order, forks side by side.
Bytes EntryKey(const PublicKey& author, std::uint64_t seq, const EntryId& id);
struct EntryKeyParts {
  PublicKey author;
  std::uint64_t seq;
  EntryId id;
};
std::optional<EntryKeyParts> ParseEntryKey(ByteView key);

// party (32) || id (32): one row for every key an entry concerns (ledger/parties.h),
// so that a prefix scan gives a key's entries without any of them in memory.
Bytes HistoryKey(const PublicKey& party, const EntryId& id);

// author (32) || seq (8): the value of the ids family.
Bytes IdValue(const PublicKey& author, std::uint64_t seq);

Bytes AccountRowKey(const PublicKey& account);
Bytes ItemRowKey(const EntryId& item);

// Canonical row encodings; the state hash covers the same fields.
Bytes EncodeAccountRow(const AccountView& account);
Bytes EncodeItemRow(const ItemView& item);
// The rows read back (nullopt if a row does not decode).
std::optional<AccountView> DecodeAccountRow(const PublicKey& account, ByteView row);
std::optional<ItemView> DecodeItemRow(const EntryId& item, ByteView row);

}  // namespace lovebank::ledger::internal
