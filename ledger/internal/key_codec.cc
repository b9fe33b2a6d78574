#include "ledger/internal/schema.h"

namespace lovebank::ledger::internal {
namespace {

void AppendText(Bytes& out, std::string_view text) {
  AppendBigEndian32(out, static_cast<std::uint32_t>(text.size()));
  out.append(text);
}

}  // namespace

Bytes EntryKey(const PublicKey& author, std::uint64_t seq, const EntryId& id) {
  Bytes key;
  key.reserve(72);
  key.append(author.view());
  AppendBigEndian64(key, seq);
  key.append(id.view());
  return key;
}

std::optional<EntryKeyParts> ParseEntryKey(ByteView key) {
  if (key.size() != 72) return std::nullopt;
  return EntryKeyParts{*PublicKey::FromView(key.substr(0, 32)), ReadBigEndian64(key.substr(32, 8)),
                       *EntryId::FromView(key.substr(40, 32))};
}

Bytes IdValue(const PublicKey& author, std::uint64_t seq) {
  Bytes value(author.view());
  AppendBigEndian64(value, seq);
  return value;
}

Bytes AccountRowKey(const PublicKey& account) {
  Bytes key(1, kAccountRowPrefix);
  key.append(account.view());
  return key;
}

Bytes ItemRowKey(const EntryId& item) {
  Bytes key(1, kItemRowPrefix);
  key.append(item.view());
  return key;
}

Bytes EncodeAccountRow(const AccountView& a) {
  Bytes out;
  AppendBigEndian32(out, static_cast<std::uint32_t>(a.keys.size()));
  for (const auto& k : a.keys) out.append(k.view());
  AppendBigEndian64(out, a.minutes);
  AppendBigEndian32(out, static_cast<std::uint32_t>(a.minutes_by_category.size()));
  for (const auto& [category, minutes] : a.minutes_by_category) {
    AppendText(out, category);
    AppendBigEndian64(out, minutes);
  }
  for (auto v : {a.service_points, a.received_points, a.spent_points, a.unfunded_points,
                 a.balance, std::uint64_t{a.debit_count}}) {
    AppendBigEndian64(out, v);
  }
  out.push_back(a.profile ? 1 : 0);
  if (a.profile) {
    AppendText(out, a.profile->name);
    AppendText(out, a.profile->grid);
    AppendText(out, a.profile->building);
    AppendBigEndian32(out, static_cast<std::uint32_t>(a.profile->teams.size()));
    for (const auto& t : a.profile->teams) AppendText(out, t);
  }
  out.push_back(static_cast<char>(a.roles.size()));
  for (auto r : a.roles) out.push_back(static_cast<char>(r));
  return out;
}

Bytes EncodeItemRow(const ItemView& item) {
  Bytes out(item.station.view());
  AppendText(out, item.name);
  AppendBigEndian64(out, item.price);
  AppendBigEndian64(out, item.stock);
  AppendBigEndian64(out, item.fulfilled);
  return out;
}

}  // namespace lovebank::ledger::internal
