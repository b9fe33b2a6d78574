// The wallet's working parts shared by its commands: the node connection, the
// keystore, and SignAndSubmit, which keeps this key's chain whole
// (docs/decisions/0004-wallet-chain-head.md).
#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "crypto/keys.h"
#include "ledger/entry.h"
#include "wallet-cli/chain_state.h"
#include "wallet-cli/client.h"
#include "wallet-cli/exit_codes.h"

namespace lovebank::wallet {

// Why a command failed: a stable code (docs/cli.md) that picks the exit code, and a
// one-line message that says what to do.
struct Failure {
  std::string code;
  std::string message;
  // The node's own sentence when `message` says the refusal in another language.
  std::string detail = {};
};

template <class T>
using Outcome = Result<T, Failure>;

struct Globals {
  std::string node_url;
  std::string keystore;
  std::string passphrase_file;
  bool json = false;
  bool yes = false;  // --yes: the answer to every confirmation question
};

class Wallet {
 public:
  explicit Wallet(Globals globals);

  const Globals& globals() const { return globals_; }

  // GET/POST on the node; node errors become Failures with the node's code.
  Outcome<boost::json::value> Get(const std::string& target) const;
  Outcome<boost::json::value> Post(const std::string& target, const boost::json::value& body);
  // GET of a binary endpoint (GET /v1/export).
  Outcome<RawReply> GetRaw(const std::string& target) const;

  // /v1/status, fetched once per command.
  Outcome<boost::json::object> Status();
  Outcome<std::int32_t> UtcOffset();
  // How the community's times are labelled for people: "中国标准时间 (UTC+08:00)" when
  // its genesis names a zone, else "UTC+08:00".
  Outcome<std::string> ZoneLabel();

  // The keystore's public key (no passphrase needed).
  Outcome<crypto::PublicKey> MyKey() const;
  // Opens the keystore, asking for the passphrase (LOVEBANK_PASSPHRASE, then
  // --passphrase-file, then a hidden prompt on the terminal).
  Outcome<crypto::SecretKey> Unlock() const;
  // The same for a keystore's bytes read elsewhere (a backup); `name` is for the prompt.
  Outcome<crypto::SecretKey> UnlockFile(ByteView file, const std::string& name) const;
  // The passphrase for a new keystore (asked twice at a prompt).
  Outcome<std::string> NewPassphrase() const;

  // A key argument: 64 hex digits, the first 8 or more of one member's key, or the
  // enrolled name of exactly one member.
  Outcome<crypto::PublicKey> ResolveKey(const std::string& text);
  // An item argument: its id (or the first 8 or more of its digits), or its name in the
  // catalogue. Returns the item's JSON.
  Outcome<boost::json::object> ResolveItem(const std::string& text);
  // Asks the person at the terminal to confirm an act that cannot be taken back (a
  // reversal, a recovery, a large transfer), before anything is signed. `--yes`
  // answers for scripts; with neither a terminal on stdin nor --yes, or any answer but
  // yes, it is refused (`not_confirmed`, exit 19) and nothing is signed.
  std::optional<Failure> Confirm(const std::string& act) const;

  // An entry id argument (64 hex digits).
  Outcome<ledger::EntryId> ParseId(const std::string& text) const;
  // An entry id argument as people give it: 64 hex digits, or the first 8 or more
  // (the 12 the wallet prints will do), looked up on the node. A prefix several
  // entries share is refused with them listed (`ambiguous_id`).
  Outcome<ledger::EntryId> ResolveId(const std::string& text);

  // Signs `kind` as this key's next entry and submits it; returns the node's answer
  // for it ({"id", "outcome", "status", "findings"}). Never signs two entries with
  // one seq: see the file comment.
  Outcome<boost::json::object> SignAndSubmit(ledger::EntryKind kind);

  // Signs a genesis entry founding a new community (no node involved; its admins must
  // include this key); records it as
  // seq 1 of this key's chain in that community.
  Outcome<ledger::VerifiedEntry> SignGenesis(ledger::Genesis genesis);

  // Signs `e` (whose author is this keystore's key) with the agent if one holds the
  // key, else with the keystore, asking for the passphrase.
  Outcome<ledger::VerifiedEntry> SignMine(const ledger::Entry& e) const;

  // Adopts the node's view of this key's chain (after restoring a backup).
  Outcome<boost::json::object> Resync();

  // The hex envelopes of this key's entries up to and including `id`, newest last, as
  // far as the wallet or node has them (for vouchers).
  Outcome<std::vector<Bytes>> RecentChain(const std::string& id);

 private:
  Outcome<std::string> Passphrase(const std::string& prompt) const;
  std::string ChainPath() const { return globals_.keystore + ".chain"; }

  Globals globals_;
  std::optional<NodeClient> client_;
  std::optional<Failure> client_error_;
  std::optional<boost::json::object> status_;
};

// Current time, Unix ms.
std::uint64_t NowMs();

// Ids and keys are taken whole (64 hex digits) or by their first kMinPrefixDigits or
// more (docs/cli.md, "Ids and keys"). IsHexPrefix: 8 to 63 hex digits. LowerHex: the
// text in lower case, as ids and keys are spelled.
inline constexpr std::size_t kMinPrefixDigits = ledger::kMinIdPrefixDigits;
bool IsHexPrefix(std::string_view text);
std::string LowerHex(std::string_view text);

// A member's current key (the last of its "keys") as the node reported it. Throws
// std::runtime_error if the node sent a member without keys: an answer of the wrong
// shape, which the wallet reports as such (never undefined behaviour).
std::string LatestKey(const boost::json::value& member);

// Prints the result of a command: JSON for scripts, text for people. Returns kOk.
int Done(const Globals& g, const boost::json::value& value, const std::string& text);
// Prints a failure (one line on stderr; the error object too with --json) and returns
// its exit code.
int Fail(const Globals& g, const Failure& f);

}  // namespace lovebank::wallet
