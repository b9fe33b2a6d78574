// Help requests from the wallet (docs/cli.md, "Help requests"): a resident or a
// steward opens one, volunteers take it and say what they did, the resident (or the
// steward, for a phoned-in request) confirms it, and stewards escalate or close it.
// Every act goes through the node's one judgement: refused with the reason, or it
// counts as printed.
#pragma once

#include <cstdint>
#include <string>

#include "wallet-cli/wallet.h"

namespace lovebank::wallet {

struct RequestOpenArgs {
  std::string category, title, resident, building, grid, urgency = "normal", channel;
  std::uint32_t volunteers = 1;
};
int RequestOpenCmd(Wallet& w, const RequestOpenArgs& a);

struct RequestListArgs {
  bool open = false, overdue = false, mine = false, wide = false;
  std::string grid, building, at;  // at: judge overdue as of this local time
  unsigned limit = 100;
};
int RequestList(Wallet& w, const RequestListArgs& a);
int RequestShow(Wallet& w, const std::string& id_text);
int RequestTakeCmd(Wallet& w, const std::string& id_text);
int RequestResolveCmd(Wallet& w, const std::string& id_text, std::uint32_t minutes,
                      const std::string& start, const std::string& note);
int RequestConfirmCmd(Wallet& w, const std::string& id_text, std::uint32_t rating,
                      const std::string& comment);
int RequestReopenCmd(Wallet& w, const std::string& id_text, const std::string& reason);
int RequestCloseCmd(Wallet& w, const std::string& id_text, const std::string& reason);
struct RequestReportArgs {
  std::string by = "grid", from, to;
  bool csv = false, bom = false;
};
int RequestReport(Wallet& w, const RequestReportArgs& a);
int RequestEscalateCmd(Wallet& w, const std::string& id_text, const std::string& level,
                       const std::string& reason);

}  // namespace lovebank::wallet
