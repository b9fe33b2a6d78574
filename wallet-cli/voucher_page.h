// The printable voucher: one page a volunteer without a phone takes to the gift
// station, with the gift, the points, who redeemed it and where, and the voucher as a
// QR code the station scans (and as text, for a USB scanner that fails).
#pragma once

#include <cstdint>
#include <string>

namespace lovebank::wallet {

struct VoucherPage {
  std::string gift;
  std::uint64_t points = 0;
  std::string volunteer;  // name, or short key
  std::string station;    // name, or short key
  std::string redeem_id;  // the redeem entry, whole
  std::string voucher;    // the text put in the QR code (lbv1:...)
  std::string signed_at;  // local time with its offset
};

std::string VoucherHtml(const VoucherPage& page);

}  // namespace lovebank::wallet
