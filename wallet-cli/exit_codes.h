// The wallet's exit codes: one per kind of failure a script may want to tell apart.
// docs/cli.md lists them; they are part of the stable interface.
#pragma once

#include <string_view>

namespace lovebank::wallet {

enum Exit : int {
  kOk = 0,
  kInternal = 1,     // a bug or an unexpected answer
  kUsage = 2,        // bad arguments
  kUnreachable = 3,  // no node answers at --node
  kWrongPassphrase = 4,
  kInsufficientPoints = 5,
  kRoleMissing = 6,  // the role was never granted or has been revoked
  kSelfDealing = 7,  // self-confirmation, self-record, self-transfer
  kNotFound = 8,     // unknown item, claim, entry or voucher
  kOutOfStock = 9,
  kAlreadyFulfilled = 10,
  kChainConflict = 11,  // the wallet and the ledger disagree on this key's chain
  kKeystore = 12,       // no keystore, a damaged one, or one others can read
  kRefused = 13,        // any other rule the node applied (clock, category, limits)
  kBadVoucher = 14,
  kNodeError = 15,      // the node could not store (disk full, busy): try later
  kAuditFailed = 16,    // the audited copy is not a sound ledger (tampered, damaged,
                        // differs from its node, or breaks a checkpoint)
  kAuditFindings = 17,  // sound, but the rules flag entries to review (forks, ...)
  kCertificateInvalid = 18,
  kNotConfirmed = 19,  // a confirmation question was not answered yes (or no --yes)
};

// The exit code for a node's error code (docs/api.md) or one of the wallet's own.
Exit ExitForCode(std::string_view code);

}  // namespace lovebank::wallet
