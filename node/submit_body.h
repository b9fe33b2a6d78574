// The body of POST /v1/entries, parsed and verified without touching the node: one
// envelope, up to 16 envelopes, or a voucher bundle (docs/api.md). Pure, so the fuzz
// target tests/fuzz/fuzz_http_body.cc can drive it with any bytes.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "i18n/i18n.h"
#include "ledger/entry.h"
#include "ledger/refusal.h"

namespace lovebank::node {

struct SubmitBody {
  std::vector<ledger::VerifiedEntry> entries;  // each passed VerifyEnvelope
  bool voucher = false;                        // a voucher bundle (stored like gossip)
};

// Why a body was refused: the stable error code and a message for a person
// (docs/api.md lists them).
struct BodyError {
  ledger::RefusalCode code = ledger::RefusalCode::kBadRequest;
  std::string message;
};

// `lang` is the language of the refusal's message (the request's Accept-Language).
Result<SubmitBody, BodyError> ParseSubmitBody(std::string_view body,
                                              const ledger::NetworkId& network,
                                              i18n::Lang lang = i18n::Lang::kEn);

}  // namespace lovebank::node
