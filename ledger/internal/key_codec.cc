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

Bytes HistoryKey(const PublicKey& party, const EntryId& id) {
  Bytes key;
  key.reserve(64);
  key.append(party.view());
  key.append(id.view());
  return key;
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
  // A byte more only for a withdrawn gift, so rows written before withdrawals existed
  // read the same (no new schema version).
  if (item.withdrawn) out.push_back('\1');
  return out;
}

namespace {

// Reads a row field by field; any short or malformed read makes the whole row invalid.
class RowReader {
 public:
  explicit RowReader(ByteView in) : in_(in) {}
  bool ok() const { return ok_; }
  bool done() const { return ok_ && in_.empty(); }
  ByteView Take(std::size_t n) {
    if (!ok_ || in_.size() < n) {
      ok_ = false;
      return {};
    }
    ByteView out = in_.substr(0, n);
    in_.remove_prefix(n);
    return out;
  }
  std::uint64_t U64() {
    ByteView b = Take(8);
    return ok_ ? ReadBigEndian64(b) : 0;
  }
  std::uint32_t U32() {
    ByteView b = Take(4);
    return ok_ ? ReadBigEndian32(b) : 0;
  }
  std::uint8_t U8() {
    ByteView b = Take(1);
    return ok_ ? static_cast<std::uint8_t>(b[0]) : 0;
  }
  std::string Text() { return std::string(Take(U32())); }

 private:
  ByteView in_;
  bool ok_ = true;
};

}  // namespace

std::optional<AccountView> DecodeAccountRow(const PublicKey& account, ByteView row) {
  RowReader r(row);
  AccountView a;
  a.id = account;
  std::uint32_t keys = r.U32();
  for (std::uint32_t i = 0; r.ok() && i < keys; ++i) {
    auto key = PublicKey::FromView(r.Take(32));
    if (key) a.keys.push_back(*key);
  }
  a.minutes = r.U64();
  std::uint32_t categories = r.U32();
  for (std::uint32_t i = 0; r.ok() && i < categories; ++i) {
    std::string name = r.Text();
    a.minutes_by_category[name] = r.U64();
  }
  a.service_points = r.U64();
  a.received_points = r.U64();
  a.spent_points = r.U64();
  a.unfunded_points = r.U64();
  a.balance = r.U64();
  a.debit_count = static_cast<std::uint32_t>(r.U64());
  if (r.U8() == 1) {
    Profile p;
    p.name = r.Text();
    p.grid = r.Text();
    p.building = r.Text();
    std::uint32_t teams = r.U32();
    for (std::uint32_t i = 0; r.ok() && i < teams; ++i) p.teams.push_back(r.Text());
    a.profile = std::move(p);
  }
  std::uint8_t roles = r.U8();
  for (std::uint8_t i = 0; r.ok() && i < roles; ++i) a.roles.push_back(static_cast<Role>(r.U8()));
  if (!r.done()) return std::nullopt;
  return a;
}

std::optional<ItemView> DecodeItemRow(const EntryId& item, ByteView row) {
  RowReader r(row);
  ItemView out;
  out.id = item;
  auto station = PublicKey::FromView(r.Take(32));
  if (station) out.station = *station;
  out.name = r.Text();
  out.price = r.U64();
  out.stock = r.U64();
  out.fulfilled = r.U64();
  if (r.ok() && !r.done()) out.withdrawn = r.U8() == 1;
  if (!r.done()) return std::nullopt;
  return out;
}

}  // namespace lovebank::ledger::internal
