#include "ledger/entry.h"

#include <type_traits>

#include "crypto/hashing.h"
#include "crypto/signing.h"
#include "entry.pb.h"
#include "ledger/internal/canonical.h"

namespace lovebank::ledger {
namespace {

namespace pb = lovebank::ledger::v1;

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

Rejection Reject(RejectCode code, std::string message) { return {code, std::move(message)}; }

// Field readers: each checks one bound and names the field when it fails.
class Reader {
 public:
  std::optional<Rejection> problem;

  PublicKey Key(const std::string& bytes, const char* field) {
    auto key = PublicKey::FromView(bytes);
    if (!key) Fail(RejectCode::kMalformed, std::string(field) + " must be a 32-byte key");
    return key.value_or(PublicKey());
  }
  std::optional<PublicKey> OptionalKey(const std::string& bytes, const char* field) {
    if (bytes.empty()) return std::nullopt;
    return Key(bytes, field);
  }
  EntryId Id(const std::string& bytes, const char* field) {
    auto id = EntryId::FromView(bytes);
    if (!id) Fail(RejectCode::kMalformed, std::string(field) + " must be a 32-byte entry id");
    return id.value_or(EntryId());
  }
  std::string Text(const std::string& text, const char* field, bool required) {
    if (text.size() > kMaxTextBytes) {
      Fail(RejectCode::kOutOfRange,
           std::string(field) + " is longer than " + std::to_string(kMaxTextBytes) + " bytes");
    } else if (required && text.empty()) {
      Fail(RejectCode::kOutOfRange, std::string(field) + " must not be empty");
    }
    return text;
  }
  // An IANA zone name's shape ("Asia/Shanghai", "Etc/GMT-8"): at most 64 bytes of
  // ASCII letters, digits and "/_+-". Whether the zone exists is the wallet's question.
  std::string ZoneName(const std::string& text) {
    constexpr std::size_t kMaxZoneBytes = 64;
    bool shaped = text.size() <= kMaxZoneBytes;
    for (char ch : text) {
      shaped =
          shaped && ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                     (ch >= '0' && ch <= '9') || ch == '/' || ch == '_' || ch == '+' || ch == '-');
    }
    if (!shaped) {
      Fail(RejectCode::kOutOfRange,
           "policy.time_zone must be a zone name such as Asia/Shanghai (at most 64 ASCII "
           "letters, digits and /_+-)");
    }
    return text;
  }
  template <class T>
  T Range(T value, T low, T high, const char* field) {
    if (value < low || value > high) {
      Fail(RejectCode::kOutOfRange, std::string(field) + " must be between " +
                                        std::to_string(low) + " and " + std::to_string(high));
    }
    return value;
  }
  Role ReadRole(int role) {
    if (role < 1 || role >= kRoleCount) {
      Fail(RejectCode::kOutOfRange, "role must be admin, coordinator, station or auditor");
      return Role::kAdmin;
    }
    return static_cast<Role>(role);
  }
  void Fail(RejectCode code, std::string message) {
    if (!problem) problem = Reject(code, std::move(message));
  }
};

EntryKind ReadKind(const pb::Entry& in, Reader& r) {
  switch (in.kind_case()) {
    case pb::Entry::kGenesis: {
      const auto& g = in.genesis();
      Genesis out;
      out.community = r.Text(g.community(), "genesis.community", true);
      r.Range<std::size_t>(g.admins_size(), 1, kMaxGenesisAdmins, "genesis.admins count");
      for (const auto& a : g.admins()) out.admins.push_back(r.Key(a, "genesis.admins"));
      const auto& p = g.policy();
      r.Range<std::size_t>(p.categories_size(), 1, kMaxCategories, "policy.categories count");
      for (const auto& c : p.categories()) {
        Category cat{r.Text(c.name(), "category.name", true),
                     r.Range<std::uint32_t>(c.points_per_hour(), 0, 1'000'000, "points_per_hour")};
        // Indexed by Urgency: normal, emergency, complex.
        const pb::RequestTimes* times[] = {&c.normal(), &c.emergency(), &c.complex()};
        for (std::size_t u = 0; u < cat.deadlines.size(); ++u) {
          cat.deadlines[u].take_minutes = r.Range<std::uint32_t>(
              times[u]->take_minutes(), 0, kMaxRequestMinutes, "category deadline to take");
          cat.deadlines[u].resolve_minutes = r.Range<std::uint32_t>(
              times[u]->resolve_minutes(), 0, kMaxRequestMinutes, "category deadline to resolve");
        }
        out.policy.categories.push_back(std::move(cat));
      }
      out.policy.max_minutes_per_entry = r.Range<std::uint32_t>(
          p.max_minutes_per_entry(), 0, kMaxMinutesPerEntry, "max_minutes_per_entry");
      out.policy.max_minutes_per_day = r.Range<std::uint32_t>(
          p.max_minutes_per_day(), 0, 24 * 60, "max_minutes_per_day");
      out.policy.utc_offset_minutes =
          r.Range<std::int32_t>(p.utc_offset_minutes(), -14 * 60, 14 * 60, "utc_offset_minutes");
      out.policy.service_window_days = r.Range<std::uint32_t>(
          p.service_window_days(), 0, kMaxServiceWindowDays, "service_window_days");
      out.policy.time_zone = r.ZoneName(p.time_zone());
      return out;
    }
    case pb::Entry::kEnrol: {
      const auto& e = in.enrol();
      Enrol out;
      out.member = r.Key(e.member(), "enrol.member");
      out.name = r.Text(e.name(), "enrol.name", true);
      out.grid = r.Text(e.grid(), "enrol.grid", false);
      out.building = r.Text(e.building(), "enrol.building", false);
      r.Range<std::size_t>(e.teams_size(), 0, kMaxTeams, "enrol.teams count");
      for (const auto& t : e.teams()) out.teams.push_back(r.Text(t, "enrol.teams", true));
      if (!e.replaces().empty()) out.replaces = r.Id(e.replaces(), "enrol.replaces");
      return out;
    }
    case pb::Entry::kRoleGrant:
    case pb::Entry::kRoleRevoke: {
      bool grant = in.kind_case() == pb::Entry::kRoleGrant;
      const auto& c = grant ? in.role_grant() : in.role_revoke();
      PublicKey subject = r.Key(c.subject(), "role.subject");
      Role role = r.ReadRole(c.role());
      std::uint64_t boundary = r.Range<std::uint64_t>(c.boundary_seq(), 0, kMaxSeq, "boundary_seq");
      if (grant) return RoleGrant{subject, role, boundary};
      return RoleRevoke{subject, role, boundary};
    }
    case pb::Entry::kNodeGrant:
    case pb::Entry::kNodeRevoke: {
      bool grant = in.kind_case() == pb::Entry::kNodeGrant;
      const auto& c = grant ? in.node_grant() : in.node_revoke();
      PublicKey node = r.Key(c.node(), "node");
      std::string label = r.Text(c.label(), "node.label", false);
      if (grant) return NodeGrant{node, label};
      return NodeRevoke{node, label};
    }
    case pb::Entry::kKeyRotate:
    case pb::Entry::kRecover: {
      bool rotate = in.kind_case() == pb::Entry::kKeyRotate;
      const auto& m = rotate ? in.key_rotate() : in.recover();
      PublicKey old_key = r.Key(m.old_key(), "old_key");
      PublicKey new_key = r.Key(m.new_key(), "new_key");
      if (old_key == new_key) r.Fail(RejectCode::kOutOfRange, "new_key must differ from old_key");
      r.Range<std::uint64_t>(m.boundary_seq(), 0, kMaxSeq, "boundary_seq");
      if (rotate) {
        if (old_key != PublicKey::FromView(in.author()).value_or(PublicKey()) ||
            m.boundary_seq() != in.seq()) {
          r.Fail(RejectCode::kOutOfRange,
                 "a key rotation is signed by old_key with boundary_seq equal to its own seq");
        }
        return KeyRotate{old_key, new_key, m.boundary_seq()};
      }
      return Recover{old_key, new_key, m.boundary_seq()};
    }
    case pb::Entry::kServiceRecord: {
      const auto& s = in.service_record();
      ServiceRecord out;
      out.activity = r.Text(s.activity(), "activity", true);
      out.category = r.Text(s.category(), "category", true);
      out.start_ms = r.Range<std::uint64_t>(s.start_ms(), 0, kMaxTimeMs, "start_ms");
      out.minutes = r.Range<std::uint32_t>(s.minutes(), 1, kMaxMinutesPerEntry, "minutes");
      r.Range<std::size_t>(s.volunteers_size(), 1, kMaxVolunteersPerRecord, "volunteers count");
      for (const auto& v : s.volunteers()) out.volunteers.push_back(r.Key(v, "volunteers"));
      for (std::size_t i = 1; i < out.volunteers.size(); ++i) {
        if (!(out.volunteers[i - 1] < out.volunteers[i])) {
          r.Fail(RejectCode::kNonCanonical, "volunteers must be sorted and distinct");
        }
      }
      return out;
    }
    case pb::Entry::kServiceClaim: {
      const auto& s = in.service_claim();
      ServiceClaim out;
      out.activity = r.Text(s.activity(), "activity", true);
      out.category = r.Text(s.category(), "category", true);
      out.start_ms = r.Range<std::uint64_t>(s.start_ms(), 0, kMaxTimeMs, "start_ms");
      out.minutes = r.Range<std::uint32_t>(s.minutes(), 1, kMaxMinutesPerEntry, "minutes");
      out.beneficiary = r.OptionalKey(s.beneficiary(), "beneficiary");
      return out;
    }
    case pb::Entry::kServiceConfirm:
      return ServiceConfirm{r.Id(in.service_confirm().claim(), "claim"),
                            r.Text(in.service_confirm().reason(), "reason", false)};
    case pb::Entry::kServiceReject:
      return ServiceReject{r.Id(in.service_reject().claim(), "claim"),
                           r.Text(in.service_reject().reason(), "reason", true)};
    case pb::Entry::kTransfer:
      return Transfer{r.Key(in.transfer().to(), "to"),
                      r.Range<std::uint64_t>(in.transfer().points(), 1, kMaxPoints, "points"),
                      r.Text(in.transfer().memo(), "memo", false)};
    case pb::Entry::kCatalogItem:
      return CatalogItem{
          r.Text(in.catalog_item().name(), "item name", true),
          r.Range<std::uint64_t>(in.catalog_item().price(), 1, kMaxPoints, "price"),
          r.Range<std::uint64_t>(in.catalog_item().stock(), 0, kMaxStock, "stock")};
    case pb::Entry::kRestock:
      return Restock{r.Id(in.restock().item(), "item"),
                     r.Range<std::uint64_t>(in.restock().added(), 1, kMaxStock, "added")};
    case pb::Entry::kCatalogWithdraw:
      return CatalogWithdraw{r.Id(in.catalog_withdraw().item(), "item"),
                             r.Text(in.catalog_withdraw().reason(), "reason", false)};
    case pb::Entry::kRedeem: {
      const auto& d = in.redeem();
      Redeem out{r.Id(d.item(), "item"), r.Key(d.station(), "station"),
                 r.Range<std::uint64_t>(d.points(), 1, kMaxPoints, "points"), d.nonce()};
      r.Range<std::size_t>(d.nonce().size(), 0, kMaxNonceBytes, "nonce length");
      return out;
    }
    case pb::Entry::kFulfil:
      return Fulfil{r.Id(in.fulfil().redeem(), "redeem")};
    case pb::Entry::kReversal:
      return Reversal{r.Id(in.reversal().target(), "target"),
                      r.OptionalKey(in.reversal().volunteer(), "volunteer"),
                      r.Text(in.reversal().reason(), "reason", true)};
    case pb::Entry::kForkResolution:
      return ForkResolution{r.Key(in.fork_resolution().author(), "fork author"),
                            r.Range<std::uint64_t>(in.fork_resolution().seq(), 1, kMaxSeq,
                                                   "fork seq"),
                            r.Id(in.fork_resolution().chosen(), "chosen")};
    case pb::Entry::kAuditCheckpoint: {
      const auto& a = in.audit_checkpoint();
      if (a.chain_root().size() != 32 || a.state_hash().size() != 32) {
        r.Fail(RejectCode::kMalformed, "checkpoint hashes must be 32 bytes");
      }
      return AuditCheckpoint{a.chain_root(), a.entry_count(), a.state_hash(), a.heads()};
    }
    case pb::Entry::kRequestOpen: {
      const auto& o = in.request_open();
      RequestOpen out;
      out.category = r.Text(o.category(), "category", true);
      out.title = r.Text(o.title(), "request title", true);
      out.resident = r.OptionalKey(o.resident(), "resident");
      out.grid = r.Text(o.grid(), "grid", false);
      out.building = r.Text(o.building(), "building", false);
      out.urgency = static_cast<Urgency>(r.Range<std::uint32_t>(o.urgency(), 0, 2, "urgency"));
      out.volunteers =
          r.Range<std::uint32_t>(o.volunteers(), 1, kMaxRequestVolunteers, "volunteers wanted");
      out.channel = static_cast<Channel>(r.Range<std::uint32_t>(o.channel(), 0, 3, "channel"));
      return out;
    }
    case pb::Entry::kRequestTake:
      return RequestTake{r.Id(in.request_take().request(), "request")};
    case pb::Entry::kRequestResolve: {
      const auto& o = in.request_resolve();
      return RequestResolve{
          r.Id(o.request(), "request"), r.Range<std::uint64_t>(o.start_ms(), 0, kMaxTimeMs, "start_ms"),
          r.Range<std::uint32_t>(o.minutes(), 1, kMaxMinutesPerEntry, "minutes"),
          r.Text(o.note(), "note", false)};
    }
    case pb::Entry::kRequestConfirm: {
      const auto& o = in.request_confirm();
      RequestConfirm out;
      out.request = r.Id(o.request(), "request");
      out.after = r.Id(o.after(), "after");
      r.Range<std::size_t>(o.resolves_size(), 0, kMaxConfirmedResolves, "resolves count");
      for (const auto& id : o.resolves()) out.resolves.push_back(r.Id(id, "resolves"));
      for (std::size_t i = 1; i < out.resolves.size(); ++i) {
        if (!(out.resolves[i - 1] < out.resolves[i])) {
          r.Fail(RejectCode::kNonCanonical, "resolves must be sorted and distinct");
        }
      }
      out.rating = r.Range<std::uint32_t>(o.rating(), 1, 5, "rating");
      out.comment = r.Text(o.comment(), "comment", false);
      return out;
    }
    case pb::Entry::kRequestReopen: {
      const auto& o = in.request_reopen();
      r.Range<std::uint32_t>(o.reason_code(), 0, 0, "reopen reason_code");
      return RequestReopen{r.Id(o.request(), "request"), r.Id(o.after(), "after"),
                           r.Text(o.reason(), "reason", true)};
    }
    case pb::Entry::kRequestClose: {
      const auto& o = in.request_close();
      return RequestClose{
          r.Id(o.request(), "request"), r.Id(o.after(), "after"),
          static_cast<CloseReason>(r.Range<std::uint32_t>(o.reason_code(), 0, 5, "close reason")),
          r.Text(o.reason(), "reason", false)};
    }
    case pb::Entry::kRequestEscalate: {
      const auto& o = in.request_escalate();
      return RequestEscalate{
          r.Id(o.request(), "request"),
          static_cast<Level>(r.Range<std::uint32_t>(o.level(), 1, 3, "escalation level")),
          r.Text(o.reason(), "reason", true)};
    }
    case pb::Entry::KIND_NOT_SET:
      break;
  }
  r.Fail(RejectCode::kUnknownKind, "the entry has no kind");
  return Genesis{};
}

void WriteKind(const EntryKind& kind, pb::Entry& out) {
  auto role_change = [](pb::RoleChange* m, const PublicKey& subject, Role role, std::uint64_t b) {
    m->set_subject(subject.ToBytes());
    m->set_role(static_cast<pb::Role>(role));
    m->set_boundary_seq(b);
  };
  auto key_move = [](pb::KeyMove* m, const PublicKey& o, const PublicKey& n, std::uint64_t b) {
    m->set_old_key(o.ToBytes());
    m->set_new_key(n.ToBytes());
    m->set_boundary_seq(b);
  };
  std::visit(Overloaded{
                 [&](const Genesis& g) {
                   auto* m = out.mutable_genesis();
                   m->set_community(g.community);
                   for (const auto& a : g.admins) m->add_admins(a.ToBytes());
                   auto* p = m->mutable_policy();
                   for (const auto& c : g.policy.categories) {
                     auto* pc = p->add_categories();
                     pc->set_name(c.name);
                     pc->set_points_per_hour(c.points_per_hour);
                     for (std::size_t u = 0; u < c.deadlines.size(); ++u) {
                       const RequestTimes& t = c.deadlines[u];
                       // Absent, not empty: a ledger without deadlines keeps its bytes.
                       if (t.take_minutes == 0 && t.resolve_minutes == 0) continue;
                       pb::RequestTimes* times = u == 0   ? pc->mutable_normal()
                                                 : u == 1 ? pc->mutable_emergency()
                                                          : pc->mutable_complex();
                       times->set_take_minutes(t.take_minutes);
                       times->set_resolve_minutes(t.resolve_minutes);
                     }
                   }
                   p->set_max_minutes_per_entry(g.policy.max_minutes_per_entry);
                   p->set_max_minutes_per_day(g.policy.max_minutes_per_day);
                   p->set_utc_offset_minutes(g.policy.utc_offset_minutes);
                   p->set_service_window_days(g.policy.service_window_days);
                   p->set_time_zone(g.policy.time_zone);
                 },
                 [&](const Enrol& e) {
                   auto* m = out.mutable_enrol();
                   m->set_member(e.member.ToBytes());
                   m->set_name(e.name);
                   m->set_grid(e.grid);
                   m->set_building(e.building);
                   for (const auto& t : e.teams) m->add_teams(t);
                   if (e.replaces) m->set_replaces(e.replaces->ToBytes());
                 },
                 [&](const RoleGrant& c) {
                   role_change(out.mutable_role_grant(), c.subject, c.role, c.boundary_seq);
                 },
                 [&](const RoleRevoke& c) {
                   role_change(out.mutable_role_revoke(), c.subject, c.role, c.boundary_seq);
                 },
                 [&](const NodeGrant& c) {
                   out.mutable_node_grant()->set_node(c.node.ToBytes());
                   out.mutable_node_grant()->set_label(c.label);
                 },
                 [&](const NodeRevoke& c) {
                   out.mutable_node_revoke()->set_node(c.node.ToBytes());
                   out.mutable_node_revoke()->set_label(c.label);
                 },
                 [&](const KeyRotate& m) {
                   key_move(out.mutable_key_rotate(), m.old_key, m.new_key, m.boundary_seq);
                 },
                 [&](const Recover& m) {
                   key_move(out.mutable_recover(), m.old_key, m.new_key, m.boundary_seq);
                 },
                 [&](const ServiceRecord& s) {
                   auto* m = out.mutable_service_record();
                   m->set_activity(s.activity);
                   m->set_category(s.category);
                   m->set_start_ms(s.start_ms);
                   m->set_minutes(s.minutes);
                   for (const auto& v : s.volunteers) m->add_volunteers(v.ToBytes());
                 },
                 [&](const ServiceClaim& s) {
                   auto* m = out.mutable_service_claim();
                   m->set_activity(s.activity);
                   m->set_category(s.category);
                   m->set_start_ms(s.start_ms);
                   m->set_minutes(s.minutes);
                   if (s.beneficiary) m->set_beneficiary(s.beneficiary->ToBytes());
                 },
                 [&](const ServiceConfirm& v) {
                   out.mutable_service_confirm()->set_claim(v.claim.ToBytes());
                   out.mutable_service_confirm()->set_reason(v.reason);
                 },
                 [&](const ServiceReject& v) {
                   out.mutable_service_reject()->set_claim(v.claim.ToBytes());
                   out.mutable_service_reject()->set_reason(v.reason);
                 },
                 [&](const Transfer& t) {
                   auto* m = out.mutable_transfer();
                   m->set_to(t.to.ToBytes());
                   m->set_points(t.points);
                   m->set_memo(t.memo);
                 },
                 [&](const CatalogItem& c) {
                   auto* m = out.mutable_catalog_item();
                   m->set_name(c.name);
                   m->set_price(c.price);
                   m->set_stock(c.stock);
                 },
                 [&](const Restock& s) {
                   out.mutable_restock()->set_item(s.item.ToBytes());
                   out.mutable_restock()->set_added(s.added);
                 },
                 [&](const CatalogWithdraw& c) {
                   out.mutable_catalog_withdraw()->set_item(c.item.ToBytes());
                   out.mutable_catalog_withdraw()->set_reason(c.reason);
                 },
                 [&](const Redeem& d) {
                   auto* m = out.mutable_redeem();
                   m->set_item(d.item.ToBytes());
                   m->set_station(d.station.ToBytes());
                   m->set_points(d.points);
                   m->set_nonce(d.nonce);
                 },
                 [&](const Fulfil& f) { out.mutable_fulfil()->set_redeem(f.redeem.ToBytes()); },
                 [&](const Reversal& v) {
                   auto* m = out.mutable_reversal();
                   m->set_target(v.target.ToBytes());
                   if (v.volunteer) m->set_volunteer(v.volunteer->ToBytes());
                   m->set_reason(v.reason);
                 },
                 [&](const ForkResolution& f) {
                   auto* m = out.mutable_fork_resolution();
                   m->set_author(f.author.ToBytes());
                   m->set_seq(f.seq);
                   m->set_chosen(f.chosen.ToBytes());
                 },
                 [&](const AuditCheckpoint& a) {
                   auto* m = out.mutable_audit_checkpoint();
                   m->set_chain_root(a.chain_root);
                   m->set_entry_count(a.entry_count);
                   m->set_state_hash(a.state_hash);
                   m->set_heads(a.heads);
                 },
                 [&](const RequestOpen& o) {
                   auto* m = out.mutable_request_open();
                   m->set_category(o.category);
                   m->set_title(o.title);
                   if (o.resident) m->set_resident(o.resident->ToBytes());
                   m->set_grid(o.grid);
                   m->set_building(o.building);
                   m->set_urgency(static_cast<std::uint32_t>(o.urgency));
                   m->set_volunteers(o.volunteers);
                   m->set_channel(static_cast<std::uint32_t>(o.channel));
                 },
                 [&](const RequestTake& t) {
                   out.mutable_request_take()->set_request(t.request.ToBytes());
                 },
                 [&](const RequestResolve& v) {
                   auto* m = out.mutable_request_resolve();
                   m->set_request(v.request.ToBytes());
                   m->set_start_ms(v.start_ms);
                   m->set_minutes(v.minutes);
                   m->set_note(v.note);
                 },
                 [&](const RequestConfirm& c) {
                   auto* m = out.mutable_request_confirm();
                   m->set_request(c.request.ToBytes());
                   m->set_after(c.after.ToBytes());
                   for (const auto& id : c.resolves) m->add_resolves(id.ToBytes());
                   m->set_rating(c.rating);
                   m->set_comment(c.comment);
                 },
                 [&](const RequestReopen& c) {
                   auto* m = out.mutable_request_reopen();
                   m->set_request(c.request.ToBytes());
                   m->set_after(c.after.ToBytes());
                   m->set_reason(c.reason);
                 },
                 [&](const RequestClose& c) {
                   auto* m = out.mutable_request_close();
                   m->set_request(c.request.ToBytes());
                   m->set_after(c.after.ToBytes());
                   m->set_reason_code(static_cast<std::uint32_t>(c.reason_code));
                   m->set_reason(c.reason);
                 },
                 [&](const RequestEscalate& c) {
                   auto* m = out.mutable_request_escalate();
                   m->set_request(c.request.ToBytes());
                   m->set_level(static_cast<std::uint32_t>(c.level));
                   m->set_reason(c.reason);
                 },
             },
             kind);
}

}  // namespace

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kAdmin: return "admin";
    case Role::kCoordinator: return "coordinator";
    case Role::kStation: return "station";
    case Role::kAuditor: return "auditor";
  }
  return "unknown";
}

std::optional<Role> RoleFromName(std::string_view name) {
  for (int r = 1; r < kRoleCount; ++r) {
    if (RoleName(static_cast<Role>(r)) == name) return static_cast<Role>(r);
  }
  return std::nullopt;
}

namespace {
template <class E, std::size_t N>
std::optional<E> FromNames(const std::string_view (&names)[N], std::string_view name) {
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == name) return static_cast<E>(i);
  }
  return std::nullopt;
}
constexpr std::string_view kUrgencies[] = {"normal", "emergency", "complex"};
constexpr std::string_view kChannels[] = {"app", "phone", "visit", "in-person"};
constexpr std::string_view kCloseReasons[] = {"fixed",    "duplicate", "referred",
                                              "not-ours", "cancelled", "unable"};
constexpr std::string_view kLevels[] = {"building", "grid", "community", "street"};
}  // namespace

std::string_view UrgencyName(Urgency u) { return kUrgencies[static_cast<std::size_t>(u) % 3]; }
std::string_view ChannelName(Channel c) { return kChannels[static_cast<std::size_t>(c) % 4]; }
std::string_view CloseReasonName(CloseReason r) {
  return kCloseReasons[static_cast<std::size_t>(r) % 6];
}
std::string_view LevelName(Level l) { return kLevels[static_cast<std::size_t>(l) % 4]; }
std::optional<Urgency> UrgencyFromName(std::string_view n) { return FromNames<Urgency>(kUrgencies, n); }
std::optional<Channel> ChannelFromName(std::string_view n) { return FromNames<Channel>(kChannels, n); }
std::optional<CloseReason> CloseReasonFromName(std::string_view n) {
  return FromNames<CloseReason>(kCloseReasons, n);
}
std::optional<Level> LevelFromName(std::string_view n) { return FromNames<Level>(kLevels, n); }

const EntryId* RequestOf(const EntryKind& kind) {
  return std::visit(
      [](const auto& k) -> const EntryId* {
        using K = std::decay_t<decltype(k)>;
        if constexpr (std::is_same_v<K, RequestTake> || std::is_same_v<K, RequestResolve> ||
                      std::is_same_v<K, RequestConfirm> || std::is_same_v<K, RequestReopen> ||
                      std::is_same_v<K, RequestClose> || std::is_same_v<K, RequestEscalate>) {
          return &k.request;
        } else {
          return nullptr;
        }
      },
      kind);
}

std::string_view KindName(const EntryKind& kind) {
  static constexpr std::string_view kNames[] = {
      "genesis",         "enrol",          "role_grant", "role_revoke",     "node_grant",
      "node_revoke",     "key_rotate",     "recover",    "service_record",  "service_claim",
      "service_confirm", "service_reject", "transfer",   "catalog_item",    "restock",
      "redeem",          "fulfil",         "reversal",   "fork_resolution", "audit_checkpoint",
      "catalog_withdraw", "request_open",   "request_take", "request_resolve", "request_confirm",
      "request_reopen",   "request_close",  "request_escalate"};
  static_assert(std::size(kNames) == std::variant_size_v<EntryKind>);
  return kNames[kind.index()];
}

std::string_view RejectCodeName(RejectCode code) {
  switch (code) {
    case RejectCode::kOversize: return "oversize";
    case RejectCode::kMalformed: return "malformed";
    case RejectCode::kNonCanonical: return "non_canonical";
    case RejectCode::kUnknownVersion: return "unknown_version";
    case RejectCode::kUnknownKind: return "unknown_kind";
    case RejectCode::kOutOfRange: return "out_of_range";
    case RejectCode::kBadSignature: return "bad_signature";
    case RejectCode::kWrongNetwork: return "wrong_network";
  }
  return "unknown";
}

Result<Entry, Rejection> DecodeEntryBody(ByteView body) {
  if (body.size() > kMaxBodyBytes) {
    return Reject(RejectCode::kOversize, "entry body is " + std::to_string(body.size()) +
                                             " bytes; the limit is " +
                                             std::to_string(kMaxBodyBytes));
  }
  if (auto problem = internal::CheckCanonical(body, pb::Entry::descriptor())) {
    return Reject(problem->unknown_kind ? RejectCode::kUnknownKind : RejectCode::kNonCanonical,
                  problem->message);
  }
  pb::Entry in;
  if (!in.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return Reject(RejectCode::kMalformed, "entry body is not a valid Entry message");
  }
  if (in.version() != kEntryVersion) {
    return Reject(RejectCode::kUnknownVersion,
                  "entry version " + std::to_string(in.version()) + " is not supported (only 1)");
  }
  Reader r;
  Entry out;
  out.version = in.version();
  out.author = r.Key(in.author(), "author");
  out.seq = in.seq();
  out.timestamp_ms = r.Range<std::uint64_t>(in.timestamp_ms(), 0, kMaxTimeMs, "timestamp_ms");
  if (out.seq == 0 || out.seq > kMaxSeq) {
    r.Fail(RejectCode::kOutOfRange, "seq must be between 1 and 2^48");
  }
  if (out.seq == 1 && !in.prev().empty()) r.Fail(RejectCode::kMalformed, "seq 1 has no prev");
  if (out.seq > 1) out.prev = r.Id(in.prev(), "prev");
  const bool genesis = in.kind_case() == pb::Entry::kGenesis;
  if (genesis && (!in.network().empty() || out.seq != 1)) {
    r.Fail(RejectCode::kMalformed, "a genesis entry is seq 1 and names no network");
  }
  if (!genesis) out.network = r.Id(in.network(), "network");
  out.kind = ReadKind(in, r);
  if (r.problem) return *r.problem;
  return out;
}

Bytes EncodeEntryBody(const Entry& entry) {
  pb::Entry out;
  out.set_version(entry.version);
  out.set_author(entry.author.ToBytes());
  out.set_seq(entry.seq);
  if (entry.prev) out.set_prev(entry.prev->ToBytes());
  if (entry.network) out.set_network(entry.network->ToBytes());
  out.set_timestamp_ms(entry.timestamp_ms);
  WriteKind(entry.kind, out);
  Bytes body;
  out.SerializeToString(&body);
  return body;
}

std::optional<EntryId> EnvelopeId(ByteView envelope) {
  if (envelope.size() > kMaxEnvelopeBytes) return std::nullopt;
  pb::SignedEntry signed_entry;
  if (!signed_entry.ParseFromArray(envelope.data(), static_cast<int>(envelope.size()))) {
    return std::nullopt;
  }
  return EntryId::From(crypto::Blake2b256(signed_entry.body()));
}

std::optional<Entry> PeekEntry(ByteView envelope) {
  if (envelope.size() > kMaxEnvelopeBytes) return std::nullopt;
  pb::SignedEntry signed_entry;
  if (!signed_entry.ParseFromArray(envelope.data(), static_cast<int>(envelope.size()))) {
    return std::nullopt;
  }
  auto entry = DecodeEntryBody(signed_entry.body());
  if (!entry) return std::nullopt;
  return std::move(entry).value();
}

namespace {

// Everything VerifyEnvelope checks; the result's envelope is left for the caller to fill.
Result<VerifiedEntry, Rejection> VerifyWithoutEnvelope(ByteView envelope,
                                                       const std::optional<NetworkId>& network) {
  if (envelope.size() > kMaxEnvelopeBytes) {
    return Reject(RejectCode::kOversize, "signed entry is " + std::to_string(envelope.size()) +
                                             " bytes; the limit is " +
                                             std::to_string(kMaxEnvelopeBytes));
  }
  // The envelope is stored and gossiped as received, so it too must have one form.
  if (auto problem = internal::CheckCanonical(envelope, pb::SignedEntry::descriptor())) {
    return Reject(RejectCode::kMalformed, "signed entry: " + problem->message);
  }
  pb::SignedEntry signed_entry;
  if (!signed_entry.ParseFromArray(envelope.data(), static_cast<int>(envelope.size()))) {
    return Reject(RejectCode::kMalformed, "not a SignedEntry message");
  }
  auto signature = Signature::FromView(signed_entry.signature());
  if (!signature) return Reject(RejectCode::kMalformed, "signature must be 64 bytes");
  auto entry = DecodeEntryBody(signed_entry.body());
  if (!entry) return entry.error();
  if (!crypto::VerifyEntryBody(entry->author, signed_entry.body(), *signature)) {
    return Reject(RejectCode::kBadSignature, "the signature does not match the author's key");
  }
  auto id = EntryId::From(crypto::Blake2b256(signed_entry.body()));
  if (network) {
    const bool genesis = std::holds_alternative<Genesis>(entry->kind);
    if ((genesis && id != *network) || (!genesis && *entry->network != *network)) {
      return Reject(RejectCode::kWrongNetwork,
                    "the entry belongs to another community (network id differs)");
    }
  }
  return VerifiedEntry{id, std::move(*entry), {}};
}

}  // namespace

Result<VerifiedEntry, Rejection> VerifyEnvelope(ByteView envelope,
                                                const std::optional<NetworkId>& network) {
  auto verified = VerifyWithoutEnvelope(envelope, network);
  if (verified) verified->envelope = Bytes(envelope);
  return verified;
}

Result<VerifiedEntry, Rejection> VerifyEnvelope(Bytes&& envelope,
                                                const std::optional<NetworkId>& network) {
  auto verified = VerifyWithoutEnvelope(envelope, network);
  if (verified) verified->envelope = std::move(envelope);
  return verified;
}

Bytes EncodeEnvelope(ByteView body, const Signature& signature) {
  pb::SignedEntry out;
  out.set_body(std::string(body));
  out.set_signature(signature.ToBytes());
  return out.SerializeAsString();
}

VerifiedEntry SignEntry(const Entry& entry, const crypto::SecretKey& author) {
  assert(entry.author == author.public_key());
  Bytes body = EncodeEntryBody(entry);
  auto signature = crypto::SignEntryBody(author, body);
  return VerifiedEntry{EntryId::From(crypto::Blake2b256(body)), entry,
                       EncodeEnvelope(body, signature)};
}

}  // namespace lovebank::ledger
