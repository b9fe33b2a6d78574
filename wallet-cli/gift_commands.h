// The gift station's commands and the volunteer's side of them: the catalogue,
// redeeming points for a voucher, and fulfilling a voucher at the counter.
#pragma once

#include <cstdint>
#include <string>

#include "wallet-cli/wallet.h"

namespace lovebank::wallet {

int CatalogAdd(Wallet& w, const std::string& name, std::uint64_t price, std::uint64_t stock);
int CatalogRestock(Wallet& w, const std::string& item_text, std::uint64_t added);
// The station takes its gift out of the catalogue (vouchers already signed may still
// be handed over).
int CatalogRemove(Wallet& w, const std::string& item_text, const std::string& reason);
// all: withdrawn gifts too.
int CatalogList(Wallet& w, bool all);

struct RedeemArgs {
  std::string item, station, out, png, html;
  bool no_qr = false;
};
int RedeemCmd(Wallet& w, const RedeemArgs& a);
int FulfilCmd(Wallet& w, const std::string& arg);

}  // namespace lovebank::wallet
