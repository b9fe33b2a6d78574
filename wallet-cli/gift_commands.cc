#include "wallet-cli/gift_commands.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <vector>

#include "base/file.h"
#include "base/hex.h"
#include "crypto/keys.h"
#include "crypto/secret_file.h"
#include "i18n/collate.h"
#include "i18n/i18n.h"
#include "ledger/voucher.h"
#include "wallet-cli/command_kit.h"
#include "wallet-cli/output.h"
#include "wallet-cli/voucher_page.h"

namespace lovebank::wallet {

using namespace lovebank::ledger;
using i18n::F;
using i18n::T;
namespace json = boost::json;
namespace {

// Longest voucher bundle printed as text (and the QR code's share of it).
constexpr std::size_t kVoucherTextBytes = 4096;
constexpr std::size_t kVoucherQrBytes = 600;

Outcome<std::string> ReadVoucherArgument(const std::string& arg) {
  if (arg.rfind(kVoucherPrefix, 0) == 0) return arg;
  // A voucher file holds one voucher and perhaps a note: far below this.
  constexpr std::size_t kMaxVoucherFileBytes = 64 * 1024;
  auto text = ReadSmallFile(arg, kMaxVoucherFileBytes, "voucher file");
  if (!text) {
    if (text.error().code == ErrorCode::kNotFound) {
      return Failure{"bad_voucher",
                     F("'{}...' is neither a voucher (lbv1:...) nor a readable file", Short(arg))};
    }
    return Failure{"bad_voucher", text.error().message};
  }
  const std::string& s = *text;
  auto at = s.find(kVoucherPrefix);
  if (at == std::string::npos) return Failure{"bad_voucher", F("{} holds no voucher", arg)};
  auto end = s.find_first_of(" \n\r\t", at);
  return s.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

}  // namespace

int CatalogAdd(Wallet& w, const std::string& name, std::uint64_t price, std::uint64_t stock) {
  if (price == 0) return Fail(w.globals(), {"usage", T("--price must be at least 1 point")});
  auto answer = w.SignAndSubmit(CatalogItem{name, price, stock});
  if (!answer) return Fail(w.globals(), answer.error());
  return Done(w.globals(), *answer,
              F("Listed '{}' at {} points, {} in stock (item {})\n", name, price, stock,
                Short(Str(answer->at("id")))));
}

int CatalogRestock(Wallet& w, const std::string& item_text, std::uint64_t added) {
  auto item = w.ResolveItem(item_text);
  if (!item) return Fail(w.globals(), item.error());
  auto id = w.ParseId(Str(item->at("item")));
  if (!id) return Fail(w.globals(), id.error());
  return Submit(w, Restock{*id, added}, F("Restocked '{}' with {}", Str(item->at("name")), added));
}

int CatalogRemove(Wallet& w, const std::string& item_text, const std::string& reason) {
  auto item = w.ResolveItem(item_text);
  if (!item) return Fail(w.globals(), item.error());
  auto id = w.ParseId(Str(item->at("item")));
  if (!id) return Fail(w.globals(), id.error());
  return Submit(w, CatalogWithdraw{*id, reason},
                F("Withdrew '{}' from the catalogue; vouchers already signed for it can still "
                  "be handed over while stock lasts ({} left)",
                  Str(item->at("name")), U64(item->at("stock"))));
}

namespace {

bool Withdrawn(const json::value& item) {
  const auto* w = item.as_object().if_contains("withdrawn");
  return w != nullptr && w->is_bool() && w->as_bool();
}

}  // namespace

int CatalogList(Wallet& w, bool all) {
  auto catalog = w.Get("/v1/catalog");
  if (!catalog) return Fail(w.globals(), catalog.error());
  Table table({T("gift"), T("price"), T("stock"), T("handed out"), T("station"), T("item")});
  const auto& listed = catalog->at("items").as_array();
  std::vector<json::value> items;
  for (const auto& i : listed) {
    if (all || !Withdrawn(i)) items.push_back(i);
  }
  std::stable_sort(items.begin(), items.end(), [](const json::value& a, const json::value& b) {
    const std::string na = Str(a.at("name")), nb = Str(b.at("name"));
    return na != nb ? i18n::NameLess(na, nb) : Str(a.at("item")) < Str(b.at("item"));
  });
  for (const auto& i : items) {
    table.Add({Withdrawn(i) ? F("{} (withdrawn)", Str(i.at("name"))) : Str(i.at("name")),
               std::to_string(U64(i.at("price"))), std::to_string(U64(i.at("stock"))),
               std::to_string(U64(i.at("fulfilled"))),
               NameOr(i.at("station_name"), Str(i.at("station"))), Short(Str(i.at("item")))});
  }
  json::array shown;
  for (auto& i : items) shown.push_back(i);
  return Done(w.globals(), json::object{{"items", std::move(shown)}},
              table.empty() ? T("The catalogue is empty.\n") : table.Render());
}

int RedeemCmd(Wallet& w, const RedeemArgs& a) {
  for (const std::string* path : {&a.out, &a.png, &a.html}) {
    struct stat existing {};
    if (!path->empty() && ::lstat(path->c_str(), &existing) == 0) {
      // Refused before anything is signed, so no points are spent on a voucher with
      // nowhere to go.
      return Fail(w.globals(), {"usage", F("something already exists at {}; a voucher is never "
                                           "written over a file, so choose another name or "
                                           "move that one away first",
                                           *path)});
    }
  }
  const std::string& station_text = a.station;
  auto item = w.ResolveItem(a.item);
  if (!item) return Fail(w.globals(), item.error());
  std::string name = Str(item->at("name"));
  std::uint64_t price = U64(item->at("price"));
  PublicKey station;
  if (station_text.empty()) {
    station = *FixedFromHex<PublicKey>(Str(item->at("station")));
  } else {
    auto s = w.ResolveKey(station_text);
    if (!s) return Fail(w.globals(), s.error());
    station = *s;
  }
  auto id = w.ParseId(Str(item->at("item")));
  if (!id) return Fail(w.globals(), id.error());
  auto answer = w.SignAndSubmit(Redeem{*id, station, price, crypto::RandomBytes(16)});
  if (!answer) return Fail(w.globals(), answer.error());
  std::string redeem_id = Str(answer->at("id"));
  auto chain = w.RecentChain(redeem_id);
  if (!chain) return Fail(w.globals(), chain.error());
  std::string voucher = EncodeVoucher(*chain, kVoucherTextBytes);
  std::string qr_voucher = EncodeVoucher(*chain, kVoucherQrBytes);
  auto offset = w.UtcOffset();
  if (!offset) return Fail(w.globals(), offset.error());
  std::vector<std::pair<std::string, std::string>> files;  // path, contents
  if (!a.out.empty()) files.emplace_back(a.out, voucher + "\n");
  if (!a.png.empty()) files.emplace_back(a.png, QrPng(qr_voucher));
  if (!a.html.empty()) {
    VoucherPage page;
    page.gift = name;
    page.points = price;
    auto mine = w.MyKey();
    auto account =
        mine ? w.Get("/v1/accounts/" + ToHex(*mine)) : Outcome<json::value>(mine.error());
    page.volunteer = account ? NameOr(account->at("name"), ToHex(*mine)) : std::string();
    auto at_station = w.Get("/v1/accounts/" + ToHex(station));
    page.station =
        at_station ? NameOr(at_station->at("name"), ToHex(station)) : Short(ToHex(station));
    page.redeem_id = redeem_id;
    page.voucher = qr_voucher;
    page.signed_at = LocalTimeWithOffset(NowMs(), *offset);
    files.emplace_back(a.html, VoucherHtml(page));
  }
  for (const auto& [path, contents] : files) {
    if (auto written = WriteNewFile(path, contents, 0600, "voucher"); !written) {
      return Fail(w.globals(), {"io", F("{}. The gift is paid for; your voucher is:\n{}",
                                        written.error().message, voucher)});
    }
  }
  json::object o = *answer;
  o["voucher"] = voucher;
  o["item_name"] = name;
  o["points"] = price;
  std::string text =
      F("Voucher for '{}' ({} points). Show it at the station; it is valid once.\n\n{}\n", name,
        price, voucher);
  if (!a.no_qr) {
    text += "\n" + TerminalQr(qr_voucher, T("the station can take the voucher text above instead, "
                                            "and next time --png FILE or --html FILE saves the "
                                            "code as an image or a page to print"));
  }
  for (const auto& [path, contents] : files) text += F("Saved to {}\n", path);
  return Done(w.globals(), o, text);
}

int FulfilCmd(Wallet& w, const std::string& arg) {
  auto text = ReadVoucherArgument(arg);
  if (!text) return Fail(w.globals(), text.error());
  // Hand the voucher's entries to this node first: it may not have seen them.
  auto shown = w.Post("/v1/entries", json::object{{"voucher", *text}});
  if (!shown) return Fail(w.globals(), shown.error());
  const auto& v = shown->at("voucher").as_object();
  auto redeem = w.ParseId(Str(v.at("redeem")));
  if (!redeem) return Fail(w.globals(), redeem.error());
  auto answer = w.SignAndSubmit(Fulfil{*redeem});
  if (!answer) return Fail(w.globals(), answer.error());
  json::object o = *answer;
  o["voucher"] = v;
  std::string who = NameOr(v.at("volunteer_name"), Str(v.at("volunteer")));
  std::string note = v.at("funded").as_bool()
                         ? ""
                         : T(" (accepted within this station's offline limit; the points are "
                             "checked when the station syncs)");
  return Done(w.globals(), o,
              F("Hand over '{}' to {}: voucher fulfilled (entry {})", Str(v.at("item_name")), who,
                Short(Str(answer->at("id")))) +
                  note + "\n");
}

}  // namespace lovebank::wallet
