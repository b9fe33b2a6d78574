// The wallet's own record of its chain, so that it never signs two entries with one
// seq (docs/decisions/0004-wallet-chain-head.md).
//
// Kept beside the keystore as KEYSTORE.chain (JSON, mode 0600), one record per
// community. Every change is written atomically and synced *before* the wallet goes
// on: the seq is reserved on disk before the entry is signed, and the signed
// envelope is on disk before it is sent.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"

namespace lovebank::wallet {

struct ChainRecord {
  std::uint64_t seq = 0;         // the last seq reserved or signed (0: none yet)
  std::string id;                // hex id of the entry signed at `seq`; empty: reserved only
  bool acknowledged = false;     // a node stored the entry at `seq`
  bool refused = false;          // the node refused the entry at `seq`: it was not stored
  std::vector<std::string> recent;  // hex envelopes of the last signed entries, chain order
};

inline constexpr std::size_t kRecentEntries = 16;

class ChainState {
 public:
  // Loads `path` (an absent file is an empty state). kDataLoss on a damaged file.
  static Result<ChainState> Load(const std::string& path);

  // The record for `network` (hex), empty if none.
  ChainRecord Get(const std::string& network) const;
  bool Has(const std::string& network) const { return records_.count(network) > 0; }
  // Stores `record` and writes the whole file durably before returning.
  Status Put(const std::string& network, const ChainRecord& record);

 private:
  std::string path_;
  std::map<std::string, ChainRecord> records_;
};

}  // namespace lovebank::wallet
