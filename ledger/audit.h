// The auditor: verifies an export file (ledger/export_file.h) from scratch and
// recomputes everything the ledger implies, trusting nothing but the genesis id.
//
// Two kinds of result, kept apart because they mean different things to an auditor:
// - failures: the copy is not a sound ledger. A bad signature or id, an entry of
//   another community, a broken or missing chain link, a file out of order or cut
//   short, a difference from what a live node reports. Someone tampered with it or it
//   is damaged.
// - findings: the copy is sound and the rules flag entries in it (forks, unfunded
//   debits, reversals, role-missing acts, cap violations). These are signed facts the
//   community has to deal with, listed with the entries involved.
//
// Signatures are verified on every core while one thread applies the previous batch
// to a LedgerState, the same rules every node runs.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ledger/entry.h"
#include "ledger/export_file.h"
#include "ledger/rules.h"
#include "ledger/state.h"

namespace lovebank::ledger {

struct AuditFailure {
  std::string code;     // stable: a RejectCode name, or "out_of_order", "chain_gap", ...
  std::string message;  // for a person: which entry, and what is wrong with it
  std::optional<EntryId> entry;
  std::optional<std::uint64_t> record;  // 0-based position in the file
};

struct AuditProgress {
  std::uint64_t entries = 0;
  std::uint64_t bytes = 0;
  std::uint64_t total_bytes = 0;
};

struct AuditOptions {
  unsigned threads = 0;         // signature threads; 0: one per core
  bool keep_envelopes = false;  // keep each entry's envelope in the state (certificates)
  std::function<void(const AuditProgress&)> progress;  // after each batch
};

struct AuditResult {
  std::optional<ExportHeader> header;
  std::uint64_t entries = 0;  // records read from the file
  std::uint64_t verified = 0;  // signatures and ids that checked out
  std::vector<AuditFailure> failures;  // the first kMaxAuditFailures, in file order
  std::uint64_t failure_count = 0;     // all of them
  // The ledger rebuilt from the entries that verified; null if the file could not be
  // read as far as its genesis.
  std::unique_ptr<LedgerState> state;
  double seconds = 0;

  bool sound() const { return failure_count == 0; }
};

inline constexpr std::size_t kMaxAuditFailures = 1000;

// Audits the export at `path`. Never throws; a file that is not an export comes back
// as a failure.
AuditResult AuditExport(const std::string& path, const AuditOptions& options = {});

// What the rules say about a sound ledger, grouped for the report.
struct AuditFinding {
  EntryId entry;
  PublicKey author;
  std::uint64_t seq = 0;
  std::string kind;
  std::optional<PublicKey> subject;
};

struct AuditSummary {
  std::uint64_t entries = 0, chains = 0, accounts = 0, members = 0;
  std::uint64_t total_minutes = 0, total_balance = 0, total_spent = 0;
  std::vector<ForkEvidence> forks;
  // By finding name ("unfunded", "role_missing", "overlap", ...).
  std::map<std::string, std::vector<AuditFinding>> findings;
  // Active reversal entries and what each reverses.
  std::vector<std::pair<AuditFinding, EntryId>> reversals;
  std::vector<ItemView> items;
  crypto::Digest state_hash;

  // Findings an auditor must look at: anything at all besides reversals (which are an
  // admin's correction) and rejected claims (a coordinator's decision).
  std::uint64_t attention() const;
};

AuditSummary Summarize(const LedgerState& state);

// One difference between the recomputed state and what a node reports.
struct NodeView {
  std::uint64_t entries = 0;
  std::string state_hash;                   // hex, the node's in-memory state
  std::vector<AccountView> stored_accounts;  // rows on the node's disk
  std::vector<ItemView> stored_items;
};
std::vector<AuditFailure> CompareWithNode(const LedgerState& state, const NodeView& node);

}  // namespace lovebank::ledger
