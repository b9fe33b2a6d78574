#include "node/submit_body.h"

#include <boost/json.hpp>

#include "base/hex.h"
#include "ledger/voucher.h"

namespace lovebank::node {
namespace {

namespace json = boost::json;
using namespace lovebank::ledger;
using i18n::Lang;
using i18n::Tr;
using i18n::TrF;

constexpr std::size_t kMaxEnvelopesPerPost = kMaxVoucherEntries;

BodyError Bad(RefusalCode code, std::string message) { return BodyError{code, std::move(message)}; }

// A voucher is one author's consecutive entries ending in a redeem.
std::optional<std::string> VoucherShapeProblem(const std::vector<VerifiedEntry>& es, Lang lang) {
  if (!std::holds_alternative<Redeem>(es.back().entry.kind)) {
    return Tr(lang, "a voucher must end with the volunteer's redeem entry");
  }
  for (std::size_t i = 1; i < es.size(); ++i) {
    const Entry& a = es[i - 1].entry;
    const Entry& b = es[i].entry;
    if (a.author != b.author || b.seq != a.seq + 1 || b.prev != es[i - 1].id) {
      return Tr(lang, "a voucher's entries must be one volunteer's consecutive chain");
    }
  }
  return std::nullopt;
}

// Why an entry failed its checks, in words: the English detail names the field, the
// translation says what kind of problem it is.
std::string RejectReason(Lang lang, const Rejection& r) {
  if (lang == Lang::kEn) return r.message;
  switch (r.code) {
    case RejectCode::kOversize:
      return Tr(lang, "it is larger than an entry may be");
    case RejectCode::kMalformed:
    case RejectCode::kNonCanonical:
      return Tr(lang, "its bytes are not a well-formed entry");
    case RejectCode::kUnknownVersion:
      return Tr(lang, "it was made by a newer version of Lovebank");
    case RejectCode::kUnknownKind:
      return Tr(lang, "it is of a kind this version does not know");
    case RejectCode::kOutOfRange:
      return Tr(lang, "one of its fields is outside its bounds");
    case RejectCode::kBadSignature:
      return Tr(lang, "its signature does not match its author");
    case RejectCode::kWrongNetwork:
      return Tr(lang, "it belongs to another community");
  }
  return r.message;
}

}  // namespace

Result<SubmitBody, BodyError> ParseSubmitBody(std::string_view body, const NetworkId& network,
                                              Lang lang) {
  json::error_code jec;
  json::value doc = json::parse(body, jec);
  if (jec || !doc.is_object()) {
    return Bad(RefusalCode::kBadRequest,
               Tr(lang,
                  "the body must be a JSON object with \"envelope\", \"envelopes\" or "
                  "\"voucher\"; see docs/api.md"));
  }
  const json::object& o = doc.as_object();
  std::vector<Bytes> envelopes;
  SubmitBody out;
  if (const auto* voucher = o.if_contains("voucher"); voucher && voucher->is_string()) {
    auto decoded = DecodeVoucher(std::string_view(voucher->as_string()));
    if (!decoded) {
      // The ledger's English names what is wrong with the text; a person at the counter
      // needs only that it is not a voucher, and what to do.
      return Bad(RefusalCode::kBadVoucher,
                 lang == Lang::kEn ? decoded.error().message
                                   : Tr(lang,
                                        "this is not a whole voucher; ask the volunteer to show "
                                        "it again, or copy all of it"));
    }
    envelopes = std::move(*decoded);
    out.voucher = true;
  } else {
    std::vector<std::string_view> hexes;
    if (const auto* one = o.if_contains("envelope"); one && one->is_string()) {
      hexes.push_back(one->as_string());
    } else if (const auto* many = o.if_contains("envelopes"); many && many->is_array()) {
      for (const auto& h : many->as_array()) {
        if (!h.is_string()) return Bad(RefusalCode::kBadRequest, Tr(lang, "envelopes must be hex"));
        hexes.push_back(h.as_string());
      }
    }
    if (hexes.empty() || hexes.size() > kMaxEnvelopesPerPost) {
      return Bad(RefusalCode::kBadRequest,
                 Tr(lang,
                    "send one entry as {\"envelope\": HEX} or up to 16 as {\"envelopes\": [HEX, "
                    "...]}"));
    }
    for (auto h : hexes) {
      auto bytes = FromHex(h);
      if (!bytes) return Bad(RefusalCode::kBadRequest, Tr(lang, "an envelope is not valid hex"));
      envelopes.push_back(std::move(*bytes));
    }
  }
  for (auto& envelope : envelopes) {
    auto verified = VerifyEnvelope(std::move(envelope), network);
    if (!verified) {
      const Rejection& r = verified.error();
      // Inside a voucher, an entry that does not verify makes the voucher false: the
      // one refusal a counter needs ("do not hand the gift over"), with the reason.
      if (out.voucher) {
        return Bad(RefusalCode::kBadVoucher,
                   TrF(lang,
                       "this voucher is not genuine ({}); do not hand the gift over, and ask the "
                       "volunteer to show it again from their wallet",
                       RejectReason(lang, r)));
      }
      if (r.code == RejectCode::kWrongNetwork) {
        return Bad(RefusalForReject(r.code),
                   TrF(lang,
                       "the entry was refused: {} (check --node: this node serves another "
                       "community)",
                       RejectReason(lang, r)));
      }
      return Bad(RefusalForReject(r.code),
                 TrF(lang, "the entry was refused: {}", RejectReason(lang, r)));
    }
    out.entries.push_back(std::move(*verified));
  }
  if (out.voucher) {
    if (auto problem = VoucherShapeProblem(out.entries, lang)) {
      return Bad(RefusalCode::kBadVoucher, *problem);
    }
  }
  return out;
}

}  // namespace lovebank::node
