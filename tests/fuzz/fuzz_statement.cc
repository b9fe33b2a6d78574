// The signed statement a certificate's QR code carries ("lbc1:..."), which
// `lovebank certificate verify --qr TEXT` reads from whatever a phone scanned.
// Properties: a statement that verifies keeps the format's bound on the name, reads the
// same with whitespace around it, and no change of one character makes it verify as a
// different statement (base64url may leave the last character's spare bits unread, so
// a change there can verify as the same statement, never as another).
#include "ledger/certificate.h"
#include "tests/fuzz/fuzz.h"

using namespace lovebank;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text = fuzz::View(data, size);
  auto statement = ledger::VerifyStatement(text);
  if (!statement) return 0;
  fuzz::Require(statement->volunteer_name.size() <= ledger::kMaxStatementNameBytes,
                "a verified statement's name fits its bound");
  std::string padded = " \n" + std::string(text) + "\t\n";
  auto again = ledger::VerifyStatement(padded);
  fuzz::Require(again && *again == *statement, "whitespace around a statement is ignored");
  // Change one character at a time (about sixteen places, to stay fast): the signature
  // must catch each change, or part of the text was not covered by it.
  std::string changed(text);
  for (std::size_t at = 0; at < changed.size(); at += 1 + changed.size() / 16) {
    char before = changed[at];
    if (before == ' ' || before == '\n' || before == '\t' || before == '\r') continue;
    changed[at] = before == 'A' ? 'B' : 'A';
    auto forged = ledger::VerifyStatement(changed);
    fuzz::Require(!forged || *forged == *statement,
                  "a changed statement verifies only as the same statement");
    changed[at] = before;
  }
  return 0;
}
