// The commands about one account: balance, history and the monthly statement.
#pragma once

#include <string>

#include "wallet-cli/wallet.h"

namespace lovebank::wallet {

int Balance(Wallet& w, const std::string& key_text);

struct HistoryArgs {
  std::string key, from, to;
  unsigned limit = 20;
  bool csv = false, bom = false;
};
int History(Wallet& w, const HistoryArgs& a);

struct StatementArgs {
  std::string key, month;
  bool csv = false, bom = false;
};
int Statement(Wallet& w, const StatementArgs& a);

}  // namespace lovebank::wallet
