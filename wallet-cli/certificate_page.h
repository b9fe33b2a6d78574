// The printable certificate of service hours: one A4 page, 志愿服务证明 with English
// beneath every line, that a volunteer takes to a school or an employer. It lists each
// activity with its day and minutes, names the community and the issuer with their
// role, leaves room for the community's seal and a handwritten signature, and carries
// the certificate's signed statement as a QR code that `lovebank certificate verify
// --qr` checks without the certificate file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "ledger/certificate.h"

namespace lovebank::wallet {

struct CertificatePage {
  const ledger::Certificate* certificate = nullptr;
  std::string community;
  std::string issuer_name;                  // "" names the issuer by its key
  std::optional<ledger::Role> issuer_role;  // admin or coordinator
  std::string statement;                    // the signed statement for the QR; "": the serial only
  std::int32_t utc_offset_minutes = 0;
  bool verified = false;  // every entry, signature and authority checked
};

// The page as a self-contained HTML document (styles inline, the QR as SVG), every
// text from the ledger escaped.
std::string CertificateHtml(const CertificatePage& page);

}  // namespace lovebank::wallet
