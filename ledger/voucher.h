// Vouchers: a volunteer's signed redeem entry together with the recent entries of
// their chain, so that a station's node can check and fulfil it when it cannot
// reach any other node (DESIGN.md, "Offline stations").
//
// Text form: "lbv1:" followed by base64url (no padding) of the bundle
//   u8 count, then count × (u32 big-endian length, SignedEntry envelope)
// envelopes in chain order, the redeem entry last. docs/wire-protocol.md has it too.
// Decoding checks only the framing; the node verifies every envelope and that they
// form one author's consecutive chain ending in a redeem.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"

namespace lovebank::ledger {

inline constexpr std::string_view kVoucherPrefix = "lbv1:";
inline constexpr std::size_t kMaxVoucherEntries = 16;
inline constexpr std::size_t kMaxVoucherBytes = 32 * 1024;

// The text form of `envelopes` (chain order, redeem last). Keeps the redeem and as
// many of the entries just before it as fit in `max_bytes` of bundle (at least the
// redeem), at most kMaxVoucherEntries in all.
std::string EncodeVoucher(const std::vector<Bytes>& envelopes, std::size_t max_bytes);

// The envelopes of a voucher's text form. kInvalidArgument, with what is wrong, on
// anything that is not a whole voucher within the bounds above.
Result<std::vector<Bytes>> DecodeVoucher(std::string_view text);

}  // namespace lovebank::ledger
