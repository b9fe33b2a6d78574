#include "node/http_api.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <cctype>
#include <future>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include "base/clock.h"
#include "base/hex.h"
#include "i18n/i18n.h"
#include "ledger/voucher.h"
#include "node/admission.h"
#include "node/http_metrics.h"
#include "node/http_server.h"
#include "node/json_view.h"
#include "node/pages.h"
#include "node/reports.h"
#include "node/submit_body.h"

namespace lovebank::node {

namespace http = boost::beast::http;
namespace json = boost::json;
using namespace ledger;
using i18n::Lang;
using i18n::Tr;
using i18n::TrF;

namespace {

constexpr std::size_t kMaxHistoryLimit = 1000;
constexpr std::size_t kMaxChainLimit = 1000;

// The shortest id prefix GET /v1/entries/{id} takes, and how many candidates an
// ambiguous one lists.
constexpr std::size_t kMinIdPrefix = ledger::kMinIdPrefixDigits;
// GET /v1/claims: claims in one reply by default, and at most.
constexpr std::uint64_t kDefaultClaims = 100;
constexpr std::uint64_t kMaxClaims = 1000;
constexpr std::size_t kMaxIdCandidates = 10;
// Largest page of GET /v1/export, and the default.
constexpr std::size_t kMaxExportPageBytes = 16 << 20;
constexpr std::size_t kDefaultExportPageBytes = 4 << 20;

std::string PercentDecode(std::string_view in) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size()) {
      auto byte = FromHex(in.substr(i + 1, 2));
      if (byte && byte->size() == 1) {
        out += (*byte)[0];
        i += 2;
        continue;
      }
    }
    out += in[i] == '+' ? ' ' : in[i];
  }
  return out;
}

struct Target {
  std::vector<std::string> parts;  // path segments
  std::map<std::string, std::string> query;
  std::string Get(const std::string& key, std::string fallback = {}) const {
    auto it = query.find(key);
    return it == query.end() ? fallback : it->second;
  }
};

Target ParseTarget(std::string_view target) {
  Target out;
  auto q = target.find('?');
  std::string_view path = target.substr(0, q);
  while (!path.empty()) {
    auto slash = path.find('/');
    auto part = path.substr(0, slash);
    if (!part.empty()) out.parts.push_back(PercentDecode(part));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  if (q != std::string_view::npos) {
    std::string_view query = target.substr(q + 1);
    while (!query.empty()) {
      auto amp = query.find('&');
      auto pair = query.substr(0, amp);
      auto eq = pair.find('=');
      if (eq != std::string_view::npos) {
        out.query[PercentDecode(pair.substr(0, eq))] = PercentDecode(pair.substr(eq + 1));
      } else if (!pair.empty()) {
        out.query[PercentDecode(pair)] = "";
      }
      if (amp == std::string_view::npos) break;
      query.remove_prefix(amp + 1);
    }
  }
  return out;
}

std::optional<std::uint64_t> ParseCount(const std::string& text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}

std::string_view OutcomeName(AddOutcome outcome) {
  switch (outcome) {
    case AddOutcome::kApplied: return "applied";
    case AddOutcome::kPending: return "pending";
    case AddOutcome::kDuplicate: return "duplicate";
    case AddOutcome::kInvalid: return "invalid";
  }
  return "invalid";
}

// A refusal worded in `lang`, saying so in Content-Language.
HttpReply Refuse(Lang lang, RefusalCode code, std::string message) {
  HttpReply reply = ErrorReply(code, message);
  SayLanguage(reply, lang);
  return reply;
}

}  // namespace

class HttpApi::Impl final : public HttpHandler {
 public:
  Impl(Node& node, const HttpOptions& options)
      : node_(node), options_(options), server_(*this, options) {}

  ~Impl() override { server_.Stop(); }

  Result<std::uint16_t> Start() { return server_.Start(); }
  void Stop() { server_.Stop(); }

  void Answer(const HttpRequest& req, std::function<void(HttpAnswer)> done) override {
    Target t = ParseTarget(req.target());
    // Refusals are worded in the person's language (the wallet and the pages send it);
    // a script that names none gets English.
    const Lang lang = RequestLang(req);
    // The pages for people (node/pages.h) are views of this API's own replies.
    if (auto page = AnswerPage(req, t.parts, t.query, [this](const std::string& target, Lang l) {
          return Route(ParseTarget(target), l);
        })) {
      done([reply = std::move(*page)]() mutable { return std::move(reply); });
      return;
    }
    if (req.method() == http::verb::post && t.parts == std::vector<std::string>{"v1", "entries"}) {
      PostEntries(req.body(), lang, std::move(done));
      return;
    }
    HttpReply reply = Get(req, t, lang);
    done([reply = std::move(reply)]() mutable { return std::move(reply); });
  }

 private:
  HttpReply Get(const HttpRequest& req, const Target& t, Lang lang) {
    if (req.method() != http::verb::get) {
      return Refuse(lang, RefusalCode::kMethodNotAllowed,
                    Tr(lang, "this endpoint does not take that method; see docs/api.md"));
    }
    return Route(t, lang);
  }

  // The GET endpoints, for a client and for the pages.
  HttpReply Route(const Target& t, Lang lang) {
    const auto& p = t.parts;
    if (p == std::vector<std::string>{"metrics"}) {
      return HttpReply{200, MetricsText(node_, server_, peers_), "text/plain; version=0.0.4", {}, {}};
    }
    if (p.size() < 2 || p[0] != "v1") {
      return Refuse(lang, RefusalCode::kNotFound, Tr(lang, "no such endpoint; see docs/api.md"));
    }
    if (p.size() == 2 && p[1] == "status") return Status();
    if (p.size() == 2 && p[1] == "catalog") return Catalog();
    if (p.size() == 2 && p[1] == "members") return Members();
    if (p.size() == 2 && p[1] == "claims") return WaitingClaims(t, lang);
    if (p.size() == 2 && p[1] == "requests") return Requests(t, lang);
    if (p.size() == 3 && p[1] == "requests") return RequestById(p[2], lang);
    if (p.size() == 3 && p[1] == "accounts") return Account(p[2], lang);
    if (p.size() == 4 && p[1] == "accounts" && p[3] == "history") return History(p[2], t, lang);
    if (p.size() == 3 && p[1] == "chains") return Chain(p[2], t, lang);
    if (p.size() == 3 && p[1] == "entries") return EntryById(p[2], lang);
    if (p.size() == 3 && p[1] == "reports") return Report(p[2], t, lang);
    if (p.size() == 2 && p[1] == "export") return ExportPage(t, lang);
    if (p.size() == 3 && p[1] == "audit" && p[2] == "state") return StoredState(lang);
    return Refuse(lang, RefusalCode::kNotFound, Tr(lang, "no such endpoint; see docs/api.md"));
  }

  // ---- POST /v1/entries ---------------------------------------------------------

  void PostEntries(const std::string& body, i18n::Lang lang, std::function<void(HttpAnswer)> done) {
    auto parsed = ParseSubmitBody(body, node_.network(), lang);
    if (!parsed) {
      HttpReply reply = Refuse(lang, parsed.error().code, parsed.error().message);
      done([reply = std::move(reply)]() mutable { return std::move(reply); });
      return;
    }
    Submission submission;
    submission.source = parsed->voucher ? Source::kVoucher : Source::kWallet;
    submission.entries = std::move(parsed->entries);
    submission.lang = lang;
    bool is_voucher = submission.source == Source::kVoucher;
    EntryId last_id = submission.entries.back().id;
    // The node answers on its ingest thread; the reply is made on the connection's.
    node_.Submit(std::move(submission),
                 [this, done = std::move(done), is_voucher, last_id, lang](SubmitResult result) {
                   auto shared = std::make_shared<SubmitResult>(std::move(result));
                   done([this, shared, is_voucher, last_id, lang] {
                     return SubmitReply(*shared, is_voucher, last_id, lang);
                   });
                 });
  }

  HttpReply SubmitReply(const SubmitResult& result, bool is_voucher, const EntryId& last_id,
                        i18n::Lang lang) {
    if (!result) {
      // The node's refusal is worded in `lang`; Content-Language tells the wallet so.
      return Refuse(lang, result.error().code, result.error().message);
    }
    json::array entries;
    bool any_new = false;
    for (const auto& outcome : *result) {
      any_new = any_new || outcome.outcome != AddOutcome::kDuplicate;
      json::array findings;
      for (const auto& f : outcome.findings) {
        json::object jf{{"code", FindingName(f.code)}};
        if (f.subject) jf["subject"] = ToHex(*f.subject);
        findings.push_back(std::move(jf));
      }
      entries.push_back({{"id", ToHex(outcome.id)},
                         {"outcome", OutcomeName(outcome.outcome)},
                         {"status", EntryStatusName(outcome.status)},
                         {"findings", std::move(findings)}});
    }
    json::object out{{"entries", std::move(entries)}};
    if (is_voucher) out["voucher"] = VoucherJson(last_id);
    return JsonReply(any_new ? 201 : 200, out);
  }

  json::object VoucherJson(const EntryId& redeem_id) {
    return node_.Read([&](const LedgerState& state, const ledger::Store&) {
      const VerifiedEntry* v = state.Find(redeem_id);
      json::object o{{"redeem", ToHex(redeem_id)}};
      if (!v) return o;
      const auto& redeem = std::get<Redeem>(v->entry.kind);
      o["volunteer"] = ToHex(v->entry.author);
      o["volunteer_name"] = NameOf(state, v->entry.author);
      o["item"] = ToHex(redeem.item);
      o["item_name"] = "";
      for (const auto& item : state.Items()) {
        if (item.id == redeem.item) o["item_name"] = item.name;
      }
      o["station"] = ToHex(redeem.station);
      o["points"] = redeem.points;
      o["status"] = EntryStatusName(state.Status(redeem_id));
      o["funded"] = state.IsFunded(redeem_id);
      json::array fulfils;
      for (const auto& id : state.FulfilsOf(redeem_id)) fulfils.emplace_back(ToHex(id));
      o["fulfilled_by"] = std::move(fulfils);
      o["unproven_points"] = state.FulfilledUnfundedPoints(v->entry.author);
      o["offline_limit_points"] = node_.options().offline_limit_points;
      return o;
    });
  }

  // ---- reads --------------------------------------------------------------------

  // Asked of the peer layer before taking the node's read lock (it reads the ledger
  // from its own thread).
  json::array PeersJson() const {
    json::array out;
    if (!peers_) return out;
    for (const auto& p : peers_->Peers()) {
      out.push_back({{"key", p.key},
                     {"address", p.address},
                     {"listen", p.listen},
                     {"direction", p.outbound ? "outbound" : "inbound"},
                     {"state", p.state},
                     {"lag_entries", p.lag},
                     {"last_in_sync_ms_ago", p.last_in_sync_ms_ago},
                     {"bytes_sent", p.bytes_sent},
                     {"bytes_received", p.bytes_received},
                     {"entries_sent", p.entries_sent},
                     {"entries_received", p.entries_received},
                     {"sync_rounds", p.sync_rounds},
                     {"sync_requests", p.sync_requests},
                     {"connected_seconds", p.connected_seconds}});
    }
    return out;
  }

  HttpReply Status() {
    json::array peers = PeersJson();
    return node_.Read([&](const LedgerState& state, const ledger::Store&) {
      const Genesis& g = state.genesis();
      json::array categories;
      for (const auto& c : g.policy.categories) categories.push_back(CategoryJson(g.policy, c));
      json::array roster;
      for (const auto& k : state.NodeRoster()) roster.emplace_back(ToHex(k));
      json::object out{
          {"network", ToHex(state.network())},
          {"community", g.community},
          {"entries", state.connected_count()},
          {"pending", state.pending_count()},
          {"accounts", state.Accounts().size()},
          {"items", state.Items().size()},
          {"forks", state.Forks().size()},
          {"findings", state.Findings().size()},
          {"state_hash", ToHex(state.StateHash())},
          {"node_roster", std::move(roster)},
          {"queued_submissions", node_.queued()},
          {"time_ms", NowMs()},
          {"max_clock_skew_ms", node_.options().max_clock_skew_ms},
          {"offline_limit_points", node_.options().offline_limit_points},
          {"policy",
           {{"categories", std::move(categories)},
            {"max_minutes_per_entry", g.policy.max_minutes_per_entry},
            {"max_minutes_per_day", g.policy.max_minutes_per_day},
            {"utc_offset_minutes", g.policy.utc_offset_minutes},
            {"time_zone", g.policy.time_zone}}},
          {"peers", std::move(peers)},
          {"p2p_listen", peers_ ? json::value(peers_->options().listen) : json::value(nullptr)},
      };
      return JsonReply(200, out);
    });
  }

  HttpReply Catalog() {
    return node_.Read([&](const LedgerState& state, const ledger::Store&) {
      json::array items;
      for (const auto& item : state.Items()) items.push_back(ItemJson(item, state));
      return JsonReply(200, json::object{{"items", std::move(items)}});
    });
  }

  HttpReply Members() {
    return node_.Read([&](const LedgerState& state, const ledger::Store&) {
      json::array members;
      for (const auto& a : state.Accounts()) members.push_back(AccountJson(a, state));
      return JsonReply(200, json::object{{"members", std::move(members)}});
    });
  }

  // GET /v1/claims?for=KEY&limit=N: the claims waiting for a verdict, oldest first;
  // with `for`, those that key could confirm (LedgerState::WaitingClaims).
  HttpReply WaitingClaims(const Target& t, Lang lang) {
    std::optional<PublicKey> judge;
    if (!t.Get("for").empty()) {
      judge = KeyParam(t.Get("for"));
      if (!judge) return BadKey(lang);
    }
    auto limit = ParseCount(t.Get("limit", std::to_string(kDefaultClaims)));
    if (!limit || *limit == 0 || *limit > kMaxClaims) return BadLimit(lang, kMaxClaims);
    return node_.Read([&](const LedgerState& state, const ledger::Store&) {
      auto ids = state.WaitingClaims(judge);
      json::array claims;
      for (std::size_t i = 0; i < ids.size() && i < *limit; ++i) {
        const VerifiedEntry* v = state.Find(ids[i]);
        if (v == nullptr) continue;
        json::object o = EntryJson(*v, state);
        const auto& claim = std::get<ledger::ServiceClaim>(v->entry.kind);
        if (claim.beneficiary) o["beneficiary_name"] = NameOf(state, *claim.beneficiary);
        claims.push_back(std::move(o));
      }
      return JsonReply(200, json::object{{"claims", std::move(claims)}, {"total", ids.size()}});
    });
  }

  // A request with its deadlines and, while it is open, how long it is overdue by
  // this node's clock (a view, never a rule: docs/ledger-rules.md, "Help requests").
  static json::object RequestWithDeadlines(const ledger::RequestView& r, const LedgerState& state,
                                           std::uint64_t now) {
    json::object o = RequestJson(r, state);
    const auto d = ledger::DeadlinesFor(state.genesis().policy, r.open.category, r.open.urgency);
    const std::uint64_t take_by = r.opened_ms + d.take_ms;
    const std::uint64_t resolve_by = r.opened_ms + d.resolve_ms;
    o["take_by_ms"] = take_by;
    o["resolve_by_ms"] = resolve_by;
    std::uint64_t overdue = 0;
    std::string_view late;
    if (r.counts && r.state == ledger::RequestView::State::kOpen) {
      if (r.takers.empty() && now > take_by) {
        overdue = now - take_by, late = "take";
      } else if (now > resolve_by) {
        overdue = now - resolve_by, late = "resolve";
      }
    }
    o["overdue_ms"] = overdue;
    o["overdue_for"] = late.empty() ? json::value(nullptr) : json::value(late);
    return o;
  }

  // GET /v1/requests?state=open|confirmed|closed&overdue=1&at_ms=T&for=KEY&grid=G
  // &building=B&limit=N: help requests, oldest first. `for` keeps those the key's account opened,
  // is helped by, or took.
  HttpReply Requests(const Target& t, Lang lang) {
    std::optional<PublicKey> who;
    if (!t.Get("for").empty()) {
      who = KeyParam(t.Get("for"));
      if (!who) return BadKey(lang);
    }
    auto limit = ParseCount(t.Get("limit", std::to_string(kDefaultClaims)));
    if (!limit || *limit == 0 || *limit > kMaxClaims) return BadLimit(lang, kMaxClaims);
    const std::string wanted = t.Get("state");
    if (!wanted.empty() && wanted != "open" && wanted != "confirmed" && wanted != "closed") {
      return Refuse(lang, RefusalCode::kBadRequest,
                    Tr(lang, "state is one of open, confirmed or closed"));
    }
    const bool overdue_only = t.Get("overdue") == "1" || t.Get("overdue") == "true";
    const std::string grid = t.Get("grid"), building = t.Get("building");
    // Overdue by this node's clock, or as of `at_ms` (what was late at the end of a month).
    auto now = static_cast<std::uint64_t>(NowMs());
    if (auto at = t.Get("at_ms"); !at.empty()) {
      auto ms = ParseCount(at);
      if (!ms) {
        return Refuse(lang, RefusalCode::kBadRequest,
                      Tr(lang, "at_ms is a time in Unix milliseconds"));
      }
      now = *ms;
    }
    return node_.Read([&](const LedgerState& state, const ledger::Store&) {
      json::array out;
      std::uint64_t total = 0;
      std::optional<PublicKey> account;
      if (who) account = state.AccountOf(*who);
      for (const auto& r : state.Requests()) {
        if (!wanted.empty() && RequestStateName(r.state) != wanted) continue;
        if (!grid.empty() && r.open.grid != grid) continue;
        if (!building.empty() && r.open.building != building) continue;
        if (account) {
          bool mine =
              state.AccountOf(r.opener) == *account || state.AccountOf(r.resident) == *account;
          for (const auto& k : r.takers) mine = mine || state.AccountOf(k) == *account;
          if (!mine) continue;
        }
        json::object o = RequestWithDeadlines(r, state, now);
        if (overdue_only && o.at("overdue_ms").as_uint64() == 0) continue;
        ++total;
        if (out.size() < *limit) out.push_back(std::move(o));
      }
      return JsonReply(200, json::object{{"requests", std::move(out)}, {"total", total}});
    });
  }

  // GET /v1/requests/{id}: one request and every act of its story, oldest first.
  HttpReply RequestById(const std::string& id_text, Lang lang) {
    std::optional<EntryId> id = FixedFromHex<EntryId>(id_text);
    if (!id) return Refuse(lang, RefusalCode::kBadId, Tr(lang, "a request id is 64 hex digits"));
    const auto now = static_cast<std::uint64_t>(NowMs());
    return node_.Read([&](const LedgerState& state, const ledger::Store&) {
      auto r = state.Request(*id);
      if (!r) {
        return Refuse(lang, RefusalCode::kNotFound,
                      Tr(lang,
                         "this node has no help request with that id; check the id with "
                         "`lovebank request list`, or wait for the node to sync"));
      }
      json::object o = RequestWithDeadlines(*r, state, now);
      json::array acts;
      for (const auto& act : r->acts) {
        if (const VerifiedEntry* v = state.Find(act)) acts.push_back(EntryJson(*v, state));
      }
      o["acts"] = std::move(acts);
      return JsonReply(200, o);
    });
  }

  // The `from` and `to` parameters as [from, to) in Unix ms: local days of the
  // community, both included; unbounded where absent. A bad date is the reply to send.
  static Result<std::pair<std::int64_t, std::int64_t>, HttpReply> Period(const Target& t,
                                                                         std::int32_t offset,
                                                                         Lang lang) {
    std::int64_t from = INT64_MIN, to = INT64_MAX;
    if (auto f = t.Get("from"); !f.empty()) {
      auto ms = ParseLocalDate(f, offset);
      if (!ms) return BadDate(lang, "from", "2026-11-01");
      from = *ms;
    }
    if (auto e = t.Get("to"); !e.empty()) {
      auto ms = ParseLocalDate(e, offset);
      if (!ms) return BadDate(lang, "to", "2026-11-30");
      to = *ms + 86'400'000;  // inclusive of that day
    }
    return std::pair{from, to};
  }

  static std::optional<PublicKey> KeyParam(const std::string& text) {
    return FixedFromHex<PublicKey>(text);
  }

  static HttpReply BadKey(Lang lang) {
    return Refuse(lang, RefusalCode::kBadKey,
                  Tr(lang, "a key is 64 hex digits; copy it from `lovebank key show`"));
  }
  static HttpReply BadLimit(Lang lang, std::uint64_t most) {
    return Refuse(lang, RefusalCode::kBadRequest,
                  TrF(lang, "limit must be a whole number from 1 to {}", most));
  }
  // `name` is the query parameter, `example` a date in the form it takes.
  static HttpReply BadDate(Lang lang, std::string_view name, std::string_view example) {
    return Refuse(lang, RefusalCode::kBadDate,
                  TrF(lang, "{0} must be a date like {1}", name, example));
  }
  static HttpReply StorageError(Lang lang, const std::string& detail) {
    return Refuse(lang, RefusalCode::kStorageError,
                  TrF(lang,
                      "this node cannot read its store ({}); tell the node's operator, who can "
                      "check its disk and log",
                      detail));
  }

  HttpReply Account(const std::string& key_text, Lang lang) {
    auto key = KeyParam(key_text);
    if (!key) return BadKey(lang);
    return node_.Read([&](const LedgerState& state, const ledger::Store&) {
      auto account = state.Account(*key);
      AccountView view;
      if (account) {
        view = *account;
      } else {
        view.id = state.AccountOf(*key);
        view.keys = {*key};
      }
      json::object o = AccountJson(view, state);
      o["known"] = account.has_value();
      o["key"] = ToHex(*key);
      o["key_head_seq"] = state.HeadSeq(*key);
      auto profile = state.ProfileEntry(*key);
      o["profile_entry"] = profile ? json::value(ToHex(*profile)) : json::value(nullptr);
      return JsonReply(200, o);
    });
  }

  HttpReply History(const std::string& key_text, const Target& t, Lang lang) {
    auto key = KeyParam(key_text);
    if (!key) return BadKey(lang);
    auto limit = ParseCount(t.Get("limit", "50"));
    if (!limit || *limit == 0 || *limit > kMaxHistoryLimit) return BadLimit(lang, kMaxHistoryLimit);
    return node_.Read([&](const LedgerState& state, const ledger::Store& store) {
      // from and to: local days of the community, both included, on the entry's time.
      auto period = Period(t, state.genesis().policy.utc_offset_minutes, lang);
      if (!period) return period.error();
      const auto [from, to] = *period;
      PublicKey root = state.AccountOf(*key);
      auto account = state.Account(*key);
      std::vector<PublicKey> keys = account ? account->keys : std::vector<PublicKey>{*key};
      std::set<PublicKey> mine(keys.begin(), keys.end());
      std::vector<const VerifiedEntry*> entries;
      for (const auto& k : keys) {
        auto history = store.History(k);
        if (!history) return StorageError(lang, history.error().message);
        for (const auto& id : *history) {
          const VerifiedEntry* v = state.Find(id);
          if (v == nullptr) continue;
          const auto at = static_cast<std::int64_t>(v->entry.timestamp_ms);
          if (at >= from && at < to) entries.push_back(v);
        }
      }
      std::sort(entries.begin(), entries.end(), [](const auto* a, const auto* b) {
        return std::tie(a->entry.timestamp_ms, a->id) > std::tie(b->entry.timestamp_ms, b->id);
      });
      entries.erase(std::unique(entries.begin(), entries.end()), entries.end());
      std::size_t total = entries.size();
      if (entries.size() > *limit) entries.resize(*limit);
      std::map<EntryId, ServiceCredit> credits;
      for (auto& c : state.Credits(root)) credits.emplace(c.source, std::move(c));
      json::array out;
      for (const VerifiedEntry* v : entries) {
        json::object o = EntryJson(*v, state);
        std::int64_t points = 0;
        std::uint64_t minutes = 0;
        if (auto it = credits.find(v->id); it != credits.end()) {
          points = static_cast<std::int64_t>(it->second.points);
          minutes = it->second.minutes;
        }
        bool authored = mine.count(v->entry.author) > 0;
        if (auto* tr = std::get_if<Transfer>(&v->entry.kind)) {
          if (state.IsFunded(v->id)) {
            if (authored) points -= static_cast<std::int64_t>(tr->points);
            if (mine.count(tr->to)) points += static_cast<std::int64_t>(tr->points);
          }
        } else if (auto* rd = std::get_if<Redeem>(&v->entry.kind)) {
          if (authored && state.IsFunded(v->id)) points -= static_cast<std::int64_t>(rd->points);
        }
        o["effect"] = {{"points", points}, {"minutes", minutes}};
        out.push_back(std::move(o));
      }
      return JsonReply(200, json::object{{"account", ToHex(root)},
                                                      {"total", total},
                                                      {"entries", std::move(out)}});
    });
  }

  HttpReply Chain(const std::string& key_text, const Target& t, Lang lang) {
    auto key = KeyParam(key_text);
    if (!key) return BadKey(lang);
    auto from = ParseCount(t.Get("from", "1"));
    auto limit = ParseCount(t.Get("limit", "100"));
    if (!from) {
      return Refuse(lang, RefusalCode::kBadRequest,
                    Tr(lang, "from must be a sequence number (1 is the chain's first entry)"));
    }
    if (!limit || *limit == 0 || *limit > kMaxChainLimit) return BadLimit(lang, kMaxChainLimit);
    return node_.Read([&](const LedgerState& state, const ledger::Store& store) {
      std::uint64_t head = state.HeadSeq(*key);
      json::object o{{"author", ToHex(*key)}, {"head_seq", head}};
      auto envelopes = store.ChainEnvelopes(*key, std::max<std::uint64_t>(*from, 1), *limit);
      if (!envelopes) return StorageError(lang, envelopes.error().message);
      json::array entries;
      std::optional<EntryId> head_id;
      for (auto& envelope : *envelopes) {
        auto v = VerifyEnvelope(ByteView(envelope), std::nullopt);
        if (!v) continue;  // stored entries passed this check before; never expected
        json::object e = EntryJson(*v, state);
        e["envelope"] = ToHex(envelope);
        if (v->entry.seq == head) head_id = v->id;
        entries.push_back(std::move(e));
      }
      if (!head_id && head > 0) {
        auto last = store.ChainEnvelopes(*key, head, 1);
        if (last && !last->empty()) {
          if (auto v = VerifyEnvelope(ByteView(last->front()), std::nullopt)) head_id = v->id;
        }
      }
      o["head_id"] = head_id ? json::value(ToHex(*head_id)) : json::value(nullptr);
      o["entries"] = std::move(entries);
      return JsonReply(200, o);
    });
  }

  // `id_text` is a whole id or a prefix of at least kMinIdPrefix hex digits that names
  // one stored entry; a prefix that names several is refused with the candidates.
  HttpReply EntryById(const std::string& id_text, Lang lang) {
    std::optional<EntryId> id = FixedFromHex<EntryId>(id_text);
    const bool hex = std::all_of(id_text.begin(), id_text.end(),
                                 [](unsigned char ch) { return std::isxdigit(ch) != 0; });
    if (!id && (!hex || id_text.size() < kMinIdPrefix || id_text.size() >= 64)) {
      return Refuse(
          lang, RefusalCode::kBadId,
          TrF(lang, "an entry id is 64 hex digits, or the first {} or more of them", kMinIdPrefix));
    }
    return node_.Read([&](const LedgerState& state, const ledger::Store& store) {
      if (!id) {
        auto ids = store.IdsStartingWith(id_text, kMaxIdCandidates + 1);
        if (!ids) return StorageError(lang, ids.error().message);
        if (ids->empty()) {
          return Refuse(lang, RefusalCode::kNotFound,
                        TrF(lang,
                            "no entry on this node has an id starting with {}; check the id, or "
                            "wait for the node to sync",
                            id_text));
        }
        if (ids->size() > 1) return AmbiguousId(id_text, *ids, state, lang);
        id = ids->front();
      }
      const VerifiedEntry* v = state.Find(*id);
      if (!v) {
        return Refuse(lang, RefusalCode::kNotFound,
                      Tr(lang,
                         "this node has no entry with that id; check the id, or wait for the "
                         "node to sync"));
      }
      json::object o = EntryJson(*v, state);
      // Connected entries' signed bytes are on disk only (ledger/state.h, Find).
      auto envelope = store.FindEnvelope(*id);
      if (!envelope) return StorageError(lang, envelope.error().message);
      if (!envelope->has_value()) {
        return Refuse(lang, RefusalCode::kStorageError,
                      Tr(lang,
                         "the entry's signed bytes are missing from the store; restore the "
                         "data folder from a backup or resync it from a peer"));
      }
      o["envelope"] = ToHex(**envelope);
      return JsonReply(200, o);
    });
  }

  static HttpReply AmbiguousId(const std::string& prefix, const std::vector<EntryId>& ids,
                               const LedgerState& state, Lang lang) {
    json::array candidates;
    std::string list;
    for (std::size_t i = 0; i < ids.size() && i < kMaxIdCandidates; ++i) {
      json::object c{{"id", ToHex(ids[i])}};
      std::string line = "\n  " + ToHex(ids[i]).substr(0, 16);
      if (const VerifiedEntry* v = state.Find(ids[i])) {
        const ledger::Entry& e = v->entry;
        c["kind"] = KindName(e.kind);
        c["author"] = ToHex(e.author);
        c["author_name"] = NameOf(state, e.author);
        c["seq"] = e.seq;
        c["timestamp_ms"] = e.timestamp_ms;
        line += "  " + TrF(lang, "{0} by {1}, seq {2}", KindWord(lang, e.kind),
                           NameOf(state, e.author), e.seq);
      }
      candidates.push_back(std::move(c));
      list += line;
    }
    const bool more = ids.size() > kMaxIdCandidates;
    std::string message =
        more ? TrF(lang,
                   "more than {0} entries have an id starting with {1} (the first ones below); "
                   "give more of its digits:{2}",
                   kMaxIdCandidates, prefix, list)
             : TrF(lang, "{0} entries have an id starting with {1}; give more of its digits:{2}",
                   ids.size(), prefix, list);
    json::object o{{"error", ledger::RefusalName(RefusalCode::kAmbiguousId)},
                   {"message", std::move(message)},
                   {"candidates", std::move(candidates)},
                   {"more", more}};
    HttpReply reply = JsonReply(HttpStatus(RefusalCode::kAmbiguousId), o);
    SayLanguage(reply, lang);
    return reply;
  }

  // ---- GET /v1/export, GET /v1/audit/state ------------------------------------------

  HttpReply ExportPage(const Target& t, Lang lang) {
    auto after = FromHex(t.Get("after", ""));
    if (!after || !(after->empty() || after->size() == 72)) {
      return Refuse(lang, RefusalCode::kBadRequest,
                    Tr(lang,
                       "after must be the X-Lovebank-Next value of the previous page (144 hex "
                       "digits), or absent"));
    }
    auto max_bytes = ParseCount(t.Get("max_bytes", std::to_string(kDefaultExportPageBytes)));
    if (!max_bytes || *max_bytes == 0 || *max_bytes > kMaxExportPageBytes) {
      return Refuse(
          lang, RefusalCode::kBadRequest,
          TrF(lang, "max_bytes must be a whole number from 1 to {}", kMaxExportPageBytes));
    }
    // Reserve the page's bound first (at most the whole budget): when the budget is
    // spent, say so at once instead of reading a page from disk only to throw it away.
    auto budget = server_.reply_budget().Take(
        std::min<std::uint64_t>(*max_bytes, server_.reply_budget().max_bytes()));
    if (!budget) return BusyReply(lang);
    return node_.Read([&](const LedgerState&, const ledger::Store& store) {
      auto page = store.ReadExportPage(*after, static_cast<std::size_t>(*max_bytes));
      if (!page) return StorageError(lang, page.error().message);
      HttpReply r{200, std::move(page->records), "application/octet-stream", {}, {}};
      if (!budget->Resize(r.body.size())) return BusyReply(lang);
      r.budget = budget;
      r.headers.emplace_back("X-Lovebank-Entries", std::to_string(page->entries));
      r.headers.emplace_back("X-Lovebank-Next", ToHex(page->next));
      return r;
    });
  }

  HttpReply StoredState(Lang lang) {
    return node_.Read([&](const LedgerState& state, const ledger::Store& store) {
      auto rows = store.ReadStoredRows();
      if (!rows) return StorageError(lang, rows.error().message);
      json::array accounts;
      for (const auto& a : rows->accounts) {
        json::object by_category;
        for (const auto& [name, minutes] : a.minutes_by_category) by_category[name] = minutes;
        accounts.push_back({{"id", ToHex(a.id)},
                            {"balance", a.balance},
                            {"minutes", a.minutes},
                            {"service_points", a.service_points},
                            {"received_points", a.received_points},
                            {"spent_points", a.spent_points},
                            {"unfunded_points", a.unfunded_points},
                            {"minutes_by_category", std::move(by_category)}});
      }
      json::array items;
      for (const auto& i : rows->items) {
        items.push_back({{"id", ToHex(i.id)},
                         {"name", i.name},
                         {"stock", i.stock},
                         {"fulfilled", i.fulfilled}});
      }
      return JsonReply(200,
                       json::object{{"entries", state.connected_count()},
                                    {"state_hash", ToHex(state.StateHash())},
                                    {"accounts", std::move(accounts)},
                                    {"items", std::move(items)}});
    });
  }

  HttpReply Report(const std::string& name, const Target& t, Lang lang) {
    return node_.Read([&](const LedgerState& state, const ledger::Store&) {
      std::int32_t offset = state.genesis().policy.utc_offset_minutes;
      if (name == "hours") {
        auto by = GroupByFromName(t.Get("by", "category"));
        if (!by) {
          return Refuse(lang, RefusalCode::kBadRequest,
                        Tr(lang, "by must be one of team, grid, building, category, month"));
        }
        auto period = Period(t, offset, lang);
        if (!period) return period.error();
        const auto [from, to] = *period;
        json::array rows;
        for (const auto& r : HoursReport(state, *by, from, to)) {
          rows.push_back({{"group", r.group},
                          {"minutes", r.minutes},
                          {"points", r.points},
                          {"volunteers", r.volunteers},
                          {"entries", r.entries}});
        }
        return JsonReply(200,
                         json::object{{"by", t.Get("by", "category")},
                                      {"from", t.Get("from")},
                                      {"to", t.Get("to")},
                                      {"rows", std::move(rows)}});
      }
      if (name == "leaderboard") {
        std::string period = t.Get("period", "month");
        if (period != "month" && period != "year") {
          return Refuse(lang, RefusalCode::kBadRequest, Tr(lang, "period must be month or year"));
        }
        std::int64_t at = NowMs();
        if (auto a = t.Get("at"); !a.empty()) {
          auto ms = ParseLocalDate(a, offset);
          if (!ms) return BadDate(lang, "at", "2026-11-23");
          at = *ms;
        }
        auto limit = ParseCount(t.Get("limit", "10"));
        if (!limit || *limit == 0 || *limit > 1000) return BadLimit(lang, 1000);
        auto [start, end] = LocalPeriod(at, period == "year", offset);
        json::array rows;
        for (const auto& r : Leaderboard(state, start, end, *limit)) {
          rows.push_back({{"rank", r.rank},
                          {"account", ToHex(r.account)},
                          {"name", r.name},
                          {"minutes", r.minutes},
                          {"points", r.points}});
        }
        return JsonReply(200,
                         json::object{{"period", period},
                                      {"label", period == "year"
                                                    ? LocalMonth(start, offset).substr(0, 4)
                                                    : LocalMonth(start, offset)},
                                      {"rows", std::move(rows)}});
      }
      if (name == "requests") {
        const std::string by_name = t.Get("by", "grid");
        auto by = GroupByFromName(by_name);
        if (!by || *by == GroupBy::kTeam) {
          return Refuse(lang, RefusalCode::kBadRequest,
                        Tr(lang, "by must be one of grid, building, category, month"));
        }
        auto period = Period(t, offset, lang);
        if (!period) return period.error();
        const auto [from, to] = *period;
        json::array rows;
        for (const auto& r : RequestsReport(state, *by, from, to)) {
          json::object row{{"group", r.group},
                           {"opened", r.opened},
                           {"taken", r.taken},
                           {"taken_in_time", r.taken_in_time},
                           {"resolved", r.resolved},
                           {"resolved_in_time", r.resolved_in_time},
                           {"confirmed", r.confirmed},
                           {"confirmed_by_steward", r.by_steward},
                           {"take_mean_ms", r.take_mean_ms},
                           {"take_p90_ms", r.take_p90_ms},
                           {"resolve_mean_ms", r.resolve_mean_ms},
                           {"resolve_p90_ms", r.resolve_p90_ms},
                           {"rated", r.rated},
                           {"satisfied", r.satisfied}};
          row["mean_rating"] = r.rated ? json::value(r.mean_rating) : json::value(nullptr);
          rows.push_back(std::move(row));
        }
        return JsonReply(200, json::object{{"by", by_name},
                                           {"from", t.Get("from")},
                                           {"to", t.Get("to")},
                                           {"rows", std::move(rows)}});
      }
      return Refuse(lang, RefusalCode::kNotFound,
                    Tr(lang, "no such report; the reports are hours, leaderboard and requests"));
    });
  }

 public:
  const net::PeerManager* peers_ = nullptr;
  Node& node_;
  HttpOptions options_;
  HttpServer server_;  // last: stopped, and its threads joined, before the rest goes
};

HttpApi::HttpApi(Node& node, const HttpOptions& options)
    : impl_(std::make_unique<Impl>(node, options)) {}
HttpApi::~HttpApi() = default;
Result<std::uint16_t> HttpApi::Start() { return impl_->Start(); }
void HttpApi::Stop() { impl_->Stop(); }
void HttpApi::SetPeers(const net::PeerManager* peers) { impl_->peers_ = peers; }

std::string HttpApi::AnswerNow(std::string_view request_bytes) {
  ParsedRequest parsed = ParseHttpRequest(request_bytes, impl_->options_);
  HttpReply reply;
  if (parsed.too_large) {
    reply = ErrorReply(RefusalCode::kTooLarge, "the request is larger than this node accepts");
  } else if (!parsed.complete) {
    reply = ErrorReply(RefusalCode::kBadRequest, "not a whole HTTP request");
  } else {
    std::promise<HttpAnswer> promise;
    auto future = promise.get_future();
    impl_->Answer(parsed.request, [&promise](HttpAnswer answer) { promise.set_value(std::move(answer)); });
    reply = future.get()();
  }
  http::response<http::string_body> res{static_cast<http::status>(reply.status), 11};
  res.set(http::field::content_type, reply.content_type);
  for (const auto& [name, value] : reply.headers) res.set(name, value);
  res.body() = std::move(reply.body);
  res.prepare_payload();
  std::ostringstream out;
  out << res;
  return out.str();
}

}  // namespace lovebank::node
