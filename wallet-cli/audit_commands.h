// The auditor's commands: export, audit (with checkpoints) and certificates of service
// hours. docs/audit.md is the auditor's guide; docs/cli.md lists the options.
#pragma once

#include <string>

#include "wallet-cli/wallet.h"

namespace lovebank::wallet {

int ExportCmd(Wallet& w, const std::string& out);

struct AuditArgs {
  std::string file;              // audit this export; empty: the wallet's --node
  std::string since_checkpoint;  // checkpoint entry id
  bool sign = false;             // sign a checkpoint when the ledger verifies
  unsigned threads = 0;
};
int AuditCmd(Wallet& w, const AuditArgs& a);

struct CertificateArgs {
  std::string volunteer, from, to, out, html;
};
int CertificateIssueCmd(Wallet& w, const CertificateArgs& a);
struct CertificateVerifyArgs {
  std::string file;      // a certificate file
  std::string html;      // also write its printable page here
  std::string qr;        // or: the statement read from a certificate's QR code
  bool offline = false;  // --qr: check only the signature, not against the node's ledger
};
int CertificateVerifyCmd(Wallet& w, const CertificateVerifyArgs& a);

}  // namespace lovebank::wallet
