#include "ledger/certificate.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "base/base64.h"
#include "base/bytes.h"
#include "base/hex.h"
#include "crypto/signing.h"
#include "export.pb.h"

namespace lovebank::ledger {
namespace {

constexpr std::int64_t kDayMs = 24 * 60 * 60 * 1000;

std::string Short(const PublicKey& key) { return ToHex(key.view()).substr(0, 16); }
std::string Short(const EntryId& id) { return ToHex(id.view()).substr(0, 16); }

// ---- encoding ---------------------------------------------------------------------

Bytes EncodeBody(const Certificate& c) {
  pb::CertificateBody b;
  b.set_version(kCertificateVersion);
  b.set_serial(c.serial);
  b.set_issued_at_ms(c.issued_at_ms);
  b.set_issuer(c.issuer.ToBytes());
  b.set_volunteer(c.volunteer.ToBytes());
  for (const auto& k : c.volunteer_keys) b.add_volunteer_keys(k.ToBytes());
  b.set_volunteer_name(c.volunteer_name);
  b.set_from_ms(c.from_ms);
  b.set_to_ms(c.to_ms);
  b.set_genesis(c.genesis);
  for (const auto& e : c.authority) b.add_authority(e);
  for (const auto& e : c.service) b.add_service(e);
  for (const auto& l : c.lines) {
    auto* m = b.add_lines();
    m->set_source(l.source.ToBytes());
    if (l.confirm) m->set_confirm(l.confirm->ToBytes());
    m->set_category(l.category);
    m->set_start_ms(l.start_ms);
    m->set_minutes(l.minutes);
  }
  for (const auto& [name, minutes] : c.by_category) {
    auto* t = b.add_by_category();
    t->set_name(name);
    t->set_minutes(minutes);
  }
  for (const auto& [name, minutes] : c.by_team) {
    auto* t = b.add_by_team();
    t->set_name(name);
    t->set_minutes(minutes);
  }
  b.set_total_minutes(c.total_minutes);
  return b.SerializeAsString();
}

std::optional<Certificate> DecodeBody(const pb::CertificateBody& b, std::string& why) {
  Certificate c;
  auto issuer = PublicKey::FromView(b.issuer());
  auto volunteer = PublicKey::FromView(b.volunteer());
  if (!issuer || !volunteer) {
    why = "the issuer or volunteer key is not 32 bytes";
    return std::nullopt;
  }
  c.serial = b.serial();
  c.issued_at_ms = b.issued_at_ms();
  c.issuer = *issuer;
  c.volunteer = *volunteer;
  for (const auto& k : b.volunteer_keys()) {
    auto key = PublicKey::FromView(k);
    if (!key) {
      why = "a volunteer key is not 32 bytes";
      return std::nullopt;
    }
    c.volunteer_keys.push_back(*key);
  }
  c.volunteer_name = b.volunteer_name();
  c.from_ms = b.from_ms();
  c.to_ms = b.to_ms();
  c.genesis = b.genesis();
  c.authority.assign(b.authority().begin(), b.authority().end());
  c.service.assign(b.service().begin(), b.service().end());
  for (const auto& l : b.lines()) {
    auto source = EntryId::FromView(l.source());
    std::optional<EntryId> confirm;
    if (!l.confirm().empty()) confirm = EntryId::FromView(l.confirm());
    if (!source || (!l.confirm().empty() && !confirm)) {
      why = "a line's entry id is not 32 bytes";
      return std::nullopt;
    }
    c.lines.push_back(CertificateLine{*source, confirm, l.category(), l.start_ms(), l.minutes()});
  }
  for (const auto& t : b.by_category()) c.by_category.emplace_back(t.name(), t.minutes());
  for (const auto& t : b.by_team()) c.by_team.emplace_back(t.name(), t.minutes());
  c.total_minutes = b.total_minutes();
  return c;
}

// Minutes by category and the total, from the lines.
void Totals(const std::vector<CertificateLine>& lines,
            std::vector<std::pair<std::string, std::uint64_t>>& by_category,
            std::uint64_t& total) {
  std::map<std::string, std::uint64_t> sums;
  total = 0;
  for (const auto& l : lines) {
    sums[l.category] += l.minutes;
    total += l.minutes;
  }
  by_category.assign(sums.begin(), sums.end());
}

// ---- roles, as the certificate's own role acts give them ---------------------------

class Authority {
 public:
  Authority(const Genesis& genesis, std::vector<const VerifiedEntry*> acts)
      : genesis_(genesis), acts_(std::move(acts)) {}

  // Whether `key`'s entry at `seq` carries `role`, and if not, the act that took it
  // away (for the message).
  bool Holds(const PublicKey& key, std::uint64_t seq, Role role, int depth = 0) const {
    if (depth > 8) return false;  // a cycle of admins granting each other: not proven
    // (position, is_grant); a revocation wins a tie.
    std::vector<std::pair<std::uint64_t, bool>> events;
    if (role == Role::kAdmin &&
        std::find(genesis_.admins.begin(), genesis_.admins.end(), key) != genesis_.admins.end()) {
      events.emplace_back(1, true);
    }
    for (const VerifiedEntry* v : acts_) {
      const auto* g = std::get_if<RoleGrant>(&v->entry.kind);
      const auto* r = std::get_if<RoleRevoke>(&v->entry.kind);
      if (g && g->subject == key && g->role == role &&
          Holds(v->entry.author, v->entry.seq, Role::kAdmin, depth + 1)) {
        events.emplace_back(g->boundary_seq + 1, true);
      }
      if (r && r->subject == key && r->role == role &&
          Holds(v->entry.author, v->entry.seq, Role::kAdmin, depth + 1)) {
        events.emplace_back(r->boundary_seq + 1, false);
      }
    }
    std::sort(events.begin(), events.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first < b.first : (!a.second && b.second);
    });
    bool holds = false;
    for (const auto& [position, grant] : events) {
      if (position > seq) break;
      holds = grant;
    }
    return holds;
  }

  // The revocation that ends `key`'s `role` at or before `seq`, if one is carried.
  const VerifiedEntry* RevokedBy(const PublicKey& key, std::uint64_t seq, Role role) const {
    for (const VerifiedEntry* v : acts_) {
      const auto* r = std::get_if<RoleRevoke>(&v->entry.kind);
      if (r && r->subject == key && r->role == role && r->boundary_seq < seq) return v;
    }
    return nullptr;
  }

 private:
  const Genesis& genesis_;
  std::vector<const VerifiedEntry*> acts_;
};

}  // namespace

std::string SerialText(ByteView serial) {
  std::string hex = ToHex(serial);
  std::string out = "LB";
  for (std::size_t i = 0; i < hex.size(); i += 4) out += "-" + hex.substr(i, 4);
  return out;
}

// ---- the statement for the QR code ------------------------------------------------

namespace {

constexpr std::uint8_t kStatementVersion = 1;
constexpr std::size_t kSerialBytes = 16;

// Up to `max` bytes of `text`, cut before a UTF-8 continuation byte.
std::string CutUtf8(const std::string& text, std::size_t max) {
  if (text.size() <= max) return text;
  std::size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
  return text.substr(0, n);
}

Bytes EncodeStatement(const CertificateStatement& s) {
  Bytes out;
  out.push_back(static_cast<char>(kStatementVersion));
  out.append(s.network.view());
  out.append(s.serial);
  out.append(s.volunteer.view());
  out.append(s.issuer.view());
  AppendBigEndian64(out, s.issued_at_ms);
  AppendBigEndian64(out, s.from_ms);
  AppendBigEndian64(out, s.to_ms);
  AppendBigEndian64(out, s.total_minutes);
  AppendBigEndian32(out, s.activities);
  std::string name = CutUtf8(s.volunteer_name, kMaxStatementNameBytes);
  out.push_back(static_cast<char>(name.size()));
  out.append(name);
  return out;
}

// Reads the fixed-size fields one after another; `ok` turns false on a short input.
class Reader {
 public:
  explicit Reader(ByteView in) : in_(in) {}
  ByteView Take(std::size_t n) {
    if (in_.size() - pos_ < n) {
      ok_ = false;
      return {};
    }
    ByteView out = in_.substr(pos_, n);
    pos_ += n;
    return out;
  }
  template <class Fixed>
  Fixed Value() {
    auto v = Fixed::FromView(Take(Fixed::kSize));
    return v ? *v : Fixed();
  }
  std::uint64_t U64() {
    ByteView b = Take(8);
    return ok_ ? ReadBigEndian64(b) : 0;
  }
  std::uint32_t U32() {
    ByteView b = Take(4);
    return ok_ ? ReadBigEndian32(b) : 0;
  }
  std::size_t pos() const { return pos_; }
  bool ok() const { return ok_; }

 private:
  ByteView in_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace

CertificateStatement StatementOf(const Certificate& c) {
  CertificateStatement s;
  s.network = c.network;
  s.serial = c.serial;
  s.volunteer = c.volunteer;
  s.issuer = c.issuer;
  s.issued_at_ms = c.issued_at_ms;
  s.from_ms = c.from_ms;
  s.to_ms = c.to_ms;
  s.total_minutes = c.total_minutes;
  s.activities = static_cast<std::uint32_t>(c.lines.size());
  s.volunteer_name = CutUtf8(c.volunteer_name, kMaxStatementNameBytes);
  return s;
}

std::string SignStatement(const CertificateStatement& statement, const crypto::SecretKey& issuer) {
  Bytes body = EncodeStatement(statement);
  Signature signature = crypto::SignCertificateStatement(issuer, body);
  body.append(signature.view());
  return std::string(kStatementPrefix) + ToBase64Url(body);
}

Result<CertificateStatement> VerifyStatement(std::string_view text) {
  auto bad = [](std::string why) { return MakeError(ErrorCode::kInvalidArgument, std::move(why)); };
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  if (!text.starts_with(kStatementPrefix)) {
    return bad("this is not a certificate's QR statement (it starts with lbc1:)");
  }
  auto bytes = FromBase64Url(text.substr(kStatementPrefix.size()));
  if (!bytes) return bad("the statement is damaged (not base64url); scan or copy it again");
  Reader r(*bytes);
  ByteView version = r.Take(1);
  if (r.ok() && static_cast<std::uint8_t>(version[0]) != kStatementVersion) {
    return bad(fmt::format("statement format {} is not known to this program (it reads {})",
                           static_cast<unsigned>(static_cast<std::uint8_t>(version[0])),
                           kStatementVersion));
  }
  CertificateStatement s;
  s.network = r.Value<NetworkId>();
  s.serial = Bytes(r.Take(kSerialBytes));
  s.volunteer = r.Value<PublicKey>();
  s.issuer = r.Value<PublicKey>();
  s.issued_at_ms = r.U64();
  s.from_ms = r.U64();
  s.to_ms = r.U64();
  s.total_minutes = r.U64();
  s.activities = r.U32();
  ByteView length = r.Take(1);
  std::size_t name_bytes = r.ok() ? static_cast<std::uint8_t>(length[0]) : 0;
  if (name_bytes > kMaxStatementNameBytes) return bad("the statement's name is too long");
  s.volunteer_name = std::string(r.Take(name_bytes));
  std::size_t signed_bytes = r.pos();
  auto signature = r.Value<Signature>();
  if (!r.ok() || r.pos() != bytes->size()) {
    return bad("the statement is cut short or has bytes after its signature; scan it again");
  }
  if (!crypto::VerifyCertificateStatement(s.issuer, ByteView(*bytes).substr(0, signed_bytes),
                                          signature)) {
    return bad(
        fmt::format("the signature of key {} does not match: the statement was altered "
                    "after it was signed",
                    Short(s.issuer)));
  }
  return s;
}

// ---- issuing ----------------------------------------------------------------------

Result<Certificate> CollectCertificate(const LedgerState& state, const PublicKey& volunteer,
                                       std::uint64_t from_ms, std::uint64_t to_ms,
                                       const PublicKey& issuer, std::uint64_t now_ms,
                                       Bytes serial) {
  auto account = state.Account(volunteer);
  if (!account) {
    return MakeError(ErrorCode::kNotFound,
                     fmt::format("{} has no account on this ledger; check the key or name",
                                 Short(volunteer)));
  }
  std::uint64_t next_seq = state.HeadSeq(issuer) + 1;
  if (!state.HoldsRole(issuer, next_seq, Role::kCoordinator) &&
      !state.HoldsRole(issuer, next_seq, Role::kAdmin)) {
    return MakeError(ErrorCode::kPermissionDenied,
                     "only a coordinator or an admin issues certificates; your key holds neither "
                     "role");
  }
  Certificate c;
  c.serial = std::move(serial);
  c.issued_at_ms = now_ms;
  c.issuer = issuer;
  c.volunteer = account->id;
  c.volunteer_keys = account->keys;
  c.volunteer_name = account->profile ? account->profile->name : std::string();
  c.from_ms = from_ms;
  c.to_ms = to_ms;
  c.network = state.network();
  const VerifiedEntry* genesis = state.Find(state.network());
  c.genesis = genesis->envelope;

  // One pass over the ledger for what the certificate may need.
  std::map<EntryId, const VerifiedEntry*> confirms;  // claim -> crediting confirm
  std::map<PublicKey, std::vector<const VerifiedEntry*>> role_acts;  // by subject
  const VerifiedEntry* enrol = nullptr;
  const VerifiedEntry* issuer_enrol = nullptr;  // the issuer's name, for the page
  std::set<PublicKey> keys(account->keys.begin(), account->keys.end());
  state.ForEachEntry([&](const VerifiedEntry& v, bool connected) {
    if (!connected || state.Status(v.id) != EntryStatus::kActive ||
        !state.FindingsFor(v.id).empty()) {
      return;
    }
    if (const auto* k = std::get_if<ServiceConfirm>(&v.entry.kind)) {
      auto& slot = confirms[k->claim];
      if (slot == nullptr || v.id < slot->id) slot = &v;
    } else if (const auto* g = std::get_if<RoleGrant>(&v.entry.kind)) {
      role_acts[g->subject].push_back(&v);
    } else if (const auto* r = std::get_if<RoleRevoke>(&v.entry.kind)) {
      role_acts[r->subject].push_back(&v);
    } else if (const auto* e = std::get_if<Enrol>(&v.entry.kind)) {
      if (keys.count(e->member) &&
          (enrol == nullptr || v.entry.timestamp_ms > enrol->entry.timestamp_ms)) {
        enrol = &v;
      }
      if (e->member == issuer &&
          (issuer_enrol == nullptr || v.entry.timestamp_ms > issuer_enrol->entry.timestamp_ms)) {
        issuer_enrol = &v;
      }
    }
  });

  std::set<PublicKey> actors{issuer};
  std::set<EntryId> service_ids;
  for (const ServiceCredit& credit : state.Credits(account->id)) {
    if (credit.start_ms < from_ms || credit.start_ms >= to_ms) continue;
    const VerifiedEntry* source = state.Find(credit.source);
    CertificateLine line{credit.source, std::nullopt, credit.category, credit.start_ms,
                         credit.minutes};
    if (std::holds_alternative<ServiceRecord>(source->entry.kind)) {
      actors.insert(source->entry.author);
    } else {
      auto it = confirms.find(credit.source);
      if (it == confirms.end()) continue;  // credited by a rule this file cannot show
      line.confirm = it->second->id;
      actors.insert(it->second->entry.author);
      if (service_ids.insert(it->second->id).second) c.service.push_back(it->second->envelope);
    }
    if (service_ids.insert(credit.source).second) c.service.push_back(source->envelope);
    c.lines.push_back(std::move(line));
  }
  if (enrol != nullptr) {
    c.authority.push_back(enrol->envelope);
    actors.insert(enrol->entry.author);
  }
  if (issuer_enrol != nullptr && issuer_enrol != enrol) {
    c.authority.push_back(issuer_enrol->envelope);
    actors.insert(issuer_enrol->entry.author);
  }
  // Every role act about an actor, and then about the admins who made them.
  std::set<EntryId> included;
  std::vector<PublicKey> todo(actors.begin(), actors.end());
  std::set<PublicKey> seen(actors.begin(), actors.end());
  while (!todo.empty()) {
    PublicKey key = todo.back();
    todo.pop_back();
    for (const VerifiedEntry* act : role_acts[key]) {
      if (included.insert(act->id).second) c.authority.push_back(act->envelope);
      if (seen.insert(act->entry.author).second) todo.push_back(act->entry.author);
    }
  }
  Totals(c.lines, c.by_category, c.total_minutes);
  if (account->profile) {
    for (const auto& team : account->profile->teams) c.by_team.emplace_back(team, c.total_minutes);
  }
  return c;
}

Bytes SignCertificate(const Certificate& certificate, const crypto::SecretKey& issuer) {
  pb::Certificate file;
  file.set_body(EncodeBody(certificate));
  file.set_signature(crypto::SignCertificateBody(issuer, file.body()).ToBytes());
  file.set_statement(SignStatement(StatementOf(certificate), issuer));
  return file.SerializeAsString();
}

// ---- verifying --------------------------------------------------------------------

CertificateCheck VerifyCertificate(ByteView file) {
  CertificateCheck check;
  auto problem = [&](std::string text) { check.problems.push_back(std::move(text)); };
  pb::Certificate outer;
  pb::CertificateBody body;
  if (file.size() > kMaxCertificateBytes ||
      !outer.ParseFromArray(file.data(), static_cast<int>(file.size())) ||
      !body.ParseFromString(outer.body())) {
    problem("this is not a Lovebank certificate file (it does not decode)");
    return check;
  }
  if (body.version() != kCertificateVersion) {
    problem(fmt::format("certificate format {} is not known to this program (it reads {})",
                        body.version(), kCertificateVersion));
    return check;
  }
  std::string why;
  check.certificate = DecodeBody(body, why);
  if (!check.certificate) {
    problem("the certificate is damaged: " + why);
    return check;
  }
  const Certificate& c = *check.certificate;
  auto signature = Signature::FromView(outer.signature());
  if (!signature || !crypto::VerifyCertificateBody(c.issuer, outer.body(), *signature)) {
    problem(fmt::format("the issuer's signature ({}) does not match: the certificate was altered "
                        "after it was signed",
                        Short(c.issuer)));
  }

  auto genesis = VerifyEnvelope(ByteView(c.genesis), std::nullopt);
  if (!genesis || !std::holds_alternative<Genesis>(genesis->entry.kind)) {
    problem("the community's genesis entry in the certificate does not verify");
    return check;
  }
  const Genesis& g = std::get<Genesis>(genesis->entry.kind);
  check.community = g.community;
  const NetworkId network = genesis->id;
  check.certificate->network = network;

  // Every carried entry must verify and belong to this community.
  std::vector<VerifiedEntry> entries;
  auto load = [&](const std::vector<Bytes>& list, const char* what) {
    for (std::size_t i = 0; i < list.size(); ++i) {
      auto v = VerifyEnvelope(ByteView(list[i]), network);
      if (!v) {
        problem(fmt::format("{} entry {} does not verify: {}", what, i + 1, v.error().message));
      } else {
        entries.push_back(std::move(v).value());
      }
    }
  };
  load(c.authority, "authority");
  load(c.service, "service");
  std::map<EntryId, const VerifiedEntry*> by_id;
  std::vector<const VerifiedEntry*> acts;
  const VerifiedEntry* enrol = nullptr;
  const VerifiedEntry* issuer_enrol = nullptr;
  std::set<PublicKey> keys(c.volunteer_keys.begin(), c.volunteer_keys.end());
  if (!keys.count(c.volunteer)) problem("the volunteer's account id is not among its keys");
  for (const auto& v : entries) {
    by_id[v.id] = &v;
    if (std::holds_alternative<RoleGrant>(v.entry.kind) ||
        std::holds_alternative<RoleRevoke>(v.entry.kind)) {
      acts.push_back(&v);
    } else if (const auto* e = std::get_if<Enrol>(&v.entry.kind)) {
      if (keys.count(e->member) &&
          (enrol == nullptr || v.entry.timestamp_ms > enrol->entry.timestamp_ms)) {
        enrol = &v;
      }
      if (e->member == c.issuer &&
          (issuer_enrol == nullptr || v.entry.timestamp_ms > issuer_enrol->entry.timestamp_ms)) {
        issuer_enrol = &v;
      }
    }
  }
  Authority authority(g, acts);
  auto coordinator_problem = [&](const VerifiedEntry& act, const char* who) {
    const Entry& e = act.entry;
    if (authority.Holds(e.author, e.seq, Role::kCoordinator)) return;
    const VerifiedEntry* revoke = authority.RevokedBy(e.author, e.seq, Role::kCoordinator);
    if (revoke) {
      problem(fmt::format(
          "the {} {} did not hold the coordinator role at seq {} (entry {}): entry {} revoked it "
          "after seq {}",
          who, Short(e.author), e.seq, Short(act.id), Short(revoke->id),
          std::get<RoleRevoke>(revoke->entry.kind).boundary_seq));
    } else {
      problem(fmt::format("the {} {} of entry {} is not shown to hold the coordinator role",
                          who, Short(e.author), Short(act.id)));
    }
  };

  std::uint64_t rate_check_cap = g.policy.max_minutes_per_entry;
  std::set<std::string> categories;
  for (const auto& cat : g.policy.categories) categories.insert(cat.name);
  std::set<EntryId> seen_sources;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> intervals;
  std::map<std::int64_t, std::uint64_t> per_day;
  for (std::size_t i = 0; i < c.lines.size(); ++i) {
    const CertificateLine& line = c.lines[i];
    std::string where = fmt::format("line {} (entry {})", i + 1, Short(line.source));
    if (!seen_sources.insert(line.source).second) {
      problem(where + " repeats an entry already counted");
      continue;
    }
    auto it = by_id.find(line.source);
    if (it == by_id.end()) {
      problem(where + " names an entry the certificate does not carry: it was removed");
      continue;
    }
    const VerifiedEntry& source = *it->second;
    std::string category;
    std::uint64_t start = 0;
    std::uint32_t minutes = 0;
    if (const auto* rec = std::get_if<ServiceRecord>(&source.entry.kind)) {
      bool names = std::any_of(rec->volunteers.begin(), rec->volunteers.end(),
                               [&](const PublicKey& k) { return keys.count(k) > 0; });
      if (!names) problem(where + ": the service record does not name this volunteer");
      if (keys.count(source.entry.author)) problem(where + ": the volunteer recorded it themself");
      coordinator_problem(source, "recorder");
      category = rec->category;
      start = rec->start_ms;
      minutes = rec->minutes;
    } else if (const auto* claim = std::get_if<ServiceClaim>(&source.entry.kind)) {
      if (!keys.count(source.entry.author)) problem(where + ": the claim is not the volunteer's");
      const VerifiedEntry* confirm = nullptr;
      if (line.confirm) {
        auto c_it = by_id.find(*line.confirm);
        if (c_it != by_id.end()) confirm = c_it->second;
      }
      const auto* k = confirm ? std::get_if<ServiceConfirm>(&confirm->entry.kind) : nullptr;
      if (k == nullptr || k->claim != line.source) {
        problem(where + ": the confirm that credited the claim is missing");
      } else if (keys.count(confirm->entry.author)) {
        problem(where + ": the volunteer confirmed their own claim");
      } else if (!(claim->beneficiary && *claim->beneficiary == confirm->entry.author)) {
        coordinator_problem(*confirm, "confirmer");
      }
      category = claim->category;
      start = claim->start_ms;
      minutes = claim->minutes;
    } else {
      problem(where + " is not a service record or claim");
      continue;
    }
    if (line.minutes != minutes || line.category != category || line.start_ms != start) {
      problem(fmt::format("{} says {} minutes of {} at {}; the signed entry says {} minutes of "
                          "{} at {}",
                          where, line.minutes, line.category, line.start_ms, minutes, category,
                          start));
    }
    if (!categories.count(category)) problem(where + ": the policy has no category " + category);
    if (rate_check_cap != 0 && minutes > rate_check_cap) {
      problem(fmt::format("{}: {} minutes is over the policy's {} per entry", where, minutes,
                          rate_check_cap));
    }
    if (start < c.from_ms || start >= c.to_ms) {
      problem(where + " lies outside the period the certificate covers");
    }
    intervals.emplace_back(start, start + std::uint64_t{minutes} * 60'000);
    std::int64_t local = static_cast<std::int64_t>(start) +
                         std::int64_t{g.policy.utc_offset_minutes} * 60'000;
    per_day[local >= 0 ? local / kDayMs : (local - kDayMs + 1) / kDayMs] += minutes;
  }
  std::sort(intervals.begin(), intervals.end());
  for (std::size_t i = 1; i < intervals.size(); ++i) {
    if (intervals[i].first < intervals[i - 1].second) {
      problem("two lines overlap in time; one person cannot serve twice at once");
      break;
    }
  }
  if (g.policy.max_minutes_per_day != 0) {
    for (const auto& [day, minutes] : per_day) {
      if (minutes > g.policy.max_minutes_per_day) {
        problem(fmt::format("one day holds {} minutes, over the policy's {} a day", minutes,
                            g.policy.max_minutes_per_day));
      }
    }
  }

  // Totals must follow from the lines.
  std::vector<std::pair<std::string, std::uint64_t>> by_category;
  std::uint64_t total = 0;
  Totals(c.lines, by_category, total);
  if (total != c.total_minutes) {
    problem(fmt::format("the certificate states {} minutes in total; its lines add up to {}",
                        c.total_minutes, total));
  }
  if (by_category != c.by_category) {
    problem("the minutes by category do not match the lines");
  }
  std::vector<std::pair<std::string, std::uint64_t>> by_team;
  if (enrol != nullptr) {
    const auto& e = std::get<Enrol>(enrol->entry.kind);
    if (!authority.Holds(enrol->entry.author, enrol->entry.seq, Role::kCoordinator) &&
        !authority.Holds(enrol->entry.author, enrol->entry.seq, Role::kAdmin)) {
      problem("the enrolment naming the volunteer's teams is not by a coordinator or admin");
    }
    for (const auto& team : e.teams) by_team.emplace_back(team, total);
    if (c.volunteer_name != e.name) {
      problem(fmt::format("the certificate names '{}'; the enrolment says '{}'", c.volunteer_name,
                          e.name));
    }
  }
  if (by_team != c.by_team) problem("the minutes by team do not match the enrolment and lines");
  if (authority.Holds(c.issuer, kMaxSeq, Role::kAdmin)) {
    check.issuer_role = Role::kAdmin;
  } else if (authority.Holds(c.issuer, kMaxSeq, Role::kCoordinator)) {
    check.issuer_role = Role::kCoordinator;
  } else {
    problem(fmt::format("the issuer {} is not shown to hold the coordinator or admin role",
                        Short(c.issuer)));
  }
  // The issuer's name counts only from an enrolment by a coordinator or admin.
  if (issuer_enrol != nullptr &&
      (authority.Holds(issuer_enrol->entry.author, issuer_enrol->entry.seq, Role::kCoordinator) ||
       authority.Holds(issuer_enrol->entry.author, issuer_enrol->entry.seq, Role::kAdmin))) {
    check.issuer_name = std::get<Enrol>(issuer_enrol->entry.kind).name;
  }
  // The statement for the QR code must say what the certificate says, signed by its issuer.
  check.statement = outer.statement();
  if (!check.statement.empty()) {
    auto statement = VerifyStatement(check.statement);
    if (!statement) {
      problem("the statement for the QR code does not verify: " + statement.error().message);
    } else if (*statement != StatementOf(c)) {
      problem("the statement for the QR code says other than the certificate");
    }
  }
  return check;
}

}  // namespace lovebank::ledger
