// Service: records and claims, their verdicts, the policy's caps and window, overlaps,
// and the credits they earn.
#include <algorithm>
#include <iterator>
#include <map>
#include <set>
#include <tuple>

#include "ledger/internal/state/impl.h"

namespace lovebank::ledger {

std::optional<EntryId> LedgerState::Impl::ConflictOf(const Node* n, const Finding& f) const {
  std::uint64_t start = 0;
  std::uint32_t minutes = 0;
  PublicKey who = n->e().author;
  if (auto* c = n->As<ServiceClaim>()) {
    start = c->start_ms, minutes = c->minutes;
  } else if (auto* r = n->As<ServiceRecord>()) {
    start = r->start_ms, minutes = r->minutes;
    if (f.subject) who = *f.subject;
  } else if (auto* v = n->As<RequestResolve>()) {
    start = v->start_ms, minutes = v->minutes;
  } else {
    return std::nullopt;
  }
  const PublicKey root = AccountOf(who);
  auto it = accounts_.find(root);
  if (it == accounts_.end()) return std::nullopt;
  const std::uint64_t end = start + std::uint64_t{minutes} * 60'000;
  for (const auto& [source, volunteer] : it->second.credited) {
    if (source == n->id()) continue;
    ServiceCredit c = CreditOf(root, source);
    const std::uint64_t c_end = c.start_ms + std::uint64_t{c.minutes} * 60'000;
    if (f.code == FindingCode::kOverlap && c.start_ms < end && start < c_end) return source;
    if (f.code == FindingCode::kDayCapExceeded && LocalDay(c.start_ms) == LocalDay(start)) {
      return source;
    }
  }
  return std::nullopt;
}

ServiceCredit LedgerState::Impl::CreditOf(const PublicKey& root, const EntryId& source) const {
  const Node* n = nodes_.at(source).get();
  ServiceCredit c{root, source, {}, 0, 0, 0};
  if (auto* r = n->As<ServiceRecord>()) {
    c.category = r->category;
    c.start_ms = r->start_ms;
    c.minutes = r->minutes;
  } else if (auto* v = n->As<RequestResolve>()) {
    c.category = nodes_.at(v->request)->As<RequestOpen>()->category;
    c.start_ms = v->start_ms;
    c.minutes = v->minutes;
  } else {
    const auto& claim = *n->As<ServiceClaim>();
    c.category = claim.category;
    c.start_ms = claim.start_ms;
    c.minutes = claim.minutes;
  }
  c.points = std::uint64_t{c.minutes} * rates_.at(c.category) / 60;
  return c;
}

void LedgerState::Impl::ForEachCredit(const std::function<void(const ServiceCredit&)>& fn) const {
  for (const auto& [root, a] : accounts_) {
    for (const auto& [source, volunteer] : a.credited) fn(CreditOf(root, source));
  }
}

std::vector<ServiceCredit> LedgerState::Impl::Credits(const PublicKey& key) const {
  std::vector<ServiceCredit> out;
  PublicKey root = AccountOf(key);
  auto it = accounts_.find(root);
  if (it == accounts_.end()) return out;
  for (const auto& [source, volunteer] : it->second.credited) {
    out.push_back(CreditOf(root, source));
  }
  std::sort(out.begin(), out.end(), [](const auto& x, const auto& y) {
    return std::tie(x.start_ms, x.source) < std::tie(y.start_ms, y.source);
  });
  return out;
}

LedgerState::Impl::ClaimState LedgerState::Impl::JudgeClaim(
    const Node* claim, const PublicKey& root,
    std::vector<std::pair<EntryId, Finding>>& findings) const {
  bool confirmed = false, rejected = false;
  auto it = verdicts_by_claim_.find(claim->id());
  if (it != verdicts_by_claim_.end()) {
    const auto& beneficiary = claim->As<ServiceClaim>()->beneficiary;
    for (const Node* v : it->second) {
      if (!Active(v)) continue;
      bool confirm = v->As<ServiceConfirm>() != nullptr;
      if (confirm && IsReversed(v, std::nullopt)) continue;
      PublicKey by = AccountOf(v->e().author);
      if (by == root) {
        findings.push_back({v->id(), {FindingCode::kSelfConfirmation, {}}});
        continue;
      }
      const bool coordinator = Authorised(v, Role::kCoordinator);
      const bool resident = beneficiary && AccountOf(*beneficiary) == by;
      if (!coordinator && !resident) {
        findings.push_back({v->id(), {FindingCode::kRoleMissing, {}}});
        continue;
      }
      if (!coordinator && !IsMember(by)) {
        findings.push_back({v->id(), {FindingCode::kNotMember, {}}});
        continue;
      }
      // Nobody confirms service before it began (both clocks would have to lie).
      if (confirm && claim->As<ServiceClaim>()->start_ms > v->e().timestamp_ms + kServiceSkewMs) {
        findings.push_back({v->id(), {FindingCode::kOutOfWindow, {}}});
        continue;
      }
      (confirm ? confirmed : rejected) = true;
    }
  }
  if (rejected) return ClaimState::kRejected;
  return confirmed ? ClaimState::kConfirmed : ClaimState::kAwaiting;
}

std::vector<EntryId> LedgerState::Impl::WaitingClaims(const std::optional<PublicKey>& judge) const {
  std::optional<PublicKey> judge_root;
  bool coordinator = false;
  if (judge) {
    judge_root = AccountOf(*judge);
    coordinator = HoldsRole(*judge, HeadSeq(*judge) + 1, Role::kCoordinator);
  }
  std::vector<const Node*> waiting;
  std::vector<std::pair<EntryId, Finding>> ignored;
  for (const auto& [key, sources] : sources_by_key_) {
    for (const auto& [node, index] : sources) {
      const auto* claim = node->As<ServiceClaim>();
      if (claim == nullptr || !Active(node) || IsReversed(node, std::nullopt)) continue;
      const PublicKey root = AccountOf(node->e().author);
      if (!IsMember(root)) continue;
      if (judge_root) {
        const bool helped = claim->beneficiary && AccountOf(*claim->beneficiary) == *judge_root;
        if (root == *judge_root || (!coordinator && !helped)) continue;
      }
      ignored.clear();
      if (JudgeClaim(node, root, ignored) == ClaimState::kAwaiting) waiting.push_back(node);
    }
  }
  std::sort(waiting.begin(), waiting.end(), [](const Node* a, const Node* b) {
    return std::tie(a->e().timestamp_ms, a->id()) < std::tie(b->e().timestamp_ms, b->id());
  });
  std::vector<EntryId> out;
  out.reserve(waiting.size());
  for (const Node* n : waiting) out.push_back(n->id());
  return out;
}

std::optional<FindingCode> LedgerState::Impl::RecordProblem(const Node* node,
                                                            const PublicKey& root) const {
  const auto& rec = *node->As<ServiceRecord>();
  if (!Authorised(node)) return FindingCode::kRoleMissing;
  if (AccountOf(node->e().author) == root) return FindingCode::kSelfRecord;
  if (!IsMember(root)) return FindingCode::kNotMember;
  return ServiceProblem(node, rec.category, rec.start_ms, rec.minutes);
}

std::optional<FindingCode> LedgerState::Impl::ServiceProblem(const Node* node,
                                                             const std::string& category,
                                                             std::uint64_t start_ms,
                                                             std::uint32_t minutes) const {
  if (!rates_.count(category)) return FindingCode::kUnknownCategory;
  if (genesis_.policy.max_minutes_per_entry != 0 &&
      minutes > genesis_.policy.max_minutes_per_entry) {
    return FindingCode::kEntryCapExceeded;
  }
  const std::uint64_t signed_at = node->e().timestamp_ms;
  if (start_ms > signed_at + kServiceSkewMs || start_ms + window_ms_ < signed_at) {
    return FindingCode::kOutOfWindow;
  }
  return std::nullopt;
}

std::int64_t LedgerState::Impl::LocalDay(std::uint64_t start_ms) const {
  std::int64_t local = static_cast<std::int64_t>(start_ms) +
                       std::int64_t{genesis_.policy.utc_offset_minutes} * 60'000;
  return local >= 0 ? local / kDayMs : (local - kDayMs + 1) / kDayMs;
}

bool LedgerState::Impl::Overlaps(const AccountState& a, std::uint64_t start, std::uint64_t end) {
  if (a.intervals.empty()) return false;
  // Service mostly arrives in time order: check the newest interval without a
  // tree walk, which at a million entries is a chain of cache misses.
  auto last = std::prev(a.intervals.end());
  if (last->first < start) return last->second > start;
  auto next = a.intervals.lower_bound(start);
  if (next != a.intervals.end() && next->first < end) return true;
  return next != a.intervals.begin() && std::prev(next)->second > start;
}

bool LedgerState::Impl::OverDayCap(const AccountState& a, std::int64_t day,
                                   std::uint32_t minutes) const {
  if (genesis_.policy.max_minutes_per_day == 0) return false;
  std::uint64_t used = 0;
  if (!a.day_minutes.empty() && a.day_minutes.rbegin()->first < day) {
    used = 0;  // a day after every credited one
  } else if (auto it = a.day_minutes.find(day); it != a.day_minutes.end()) {
    used = it->second;
  }
  return used + minutes > genesis_.policy.max_minutes_per_day;
}

void LedgerState::Impl::Credit(const PublicKey& root, AccountState& a, const Candidate& c) {
  const std::int64_t day = LocalDay(c.start_ms);
  if (AccountUndo* u = LightUndo(root)) {
    u->intervals.push_back(c.start_ms);  // a credit overlaps nothing: a new key
    auto d = a.day_minutes.find(day);
    u->days.emplace_back(day, d == a.day_minutes.end() ? std::nullopt : std::optional(d->second));
    auto k = a.by_category.find(*c.category);
    u->categories.emplace_back(*c.category,
                               k == a.by_category.end() ? std::nullopt : std::optional(k->second));
  }
  Slot(a.intervals, c.start_ms) = c.start_ms + std::uint64_t{c.minutes} * 60'000;
  Slot(a.day_minutes, day) += c.minutes;
  a.minutes += c.minutes;
  a.by_category[*c.category] += c.minutes;
  a.service_points += std::uint64_t{c.minutes} * rates_.at(*c.category) / 60;
  a.credited.push_back({c.id, c.volunteer});
}

bool LedgerState::Impl::TryCreditRecord(const Node* node, int index, const PublicKey& root) {
  if (!Active(node)) return true;
  AccountState& a = Acc(root);
  const auto& rec = *node->As<ServiceRecord>();
  const PublicKey& volunteer = rec.volunteers[static_cast<std::size_t>(index)];
  touched_accounts_.insert(root);
  if (auto problem = RecordProblem(node, root)) {
    a.service_findings.push_back({node->id(), {*problem, volunteer}});
    return true;
  }
  if (IsReversed(node, volunteer)) {
    a.service_findings.push_back({node->id(), {FindingCode::kReversed, volunteer}});
    return true;
  }
  std::uint64_t end = rec.start_ms + std::uint64_t{rec.minutes} * 60'000;
  if (Overlaps(a, rec.start_ms, end) || OverDayCap(a, LocalDay(rec.start_ms), rec.minutes)) {
    return false;
  }
  for (const auto& [start, stop] : a.refused) {
    if (start < end && rec.start_ms < stop) return false;
  }
  Credit(root, a, {rec.start_ms, node->id(), volunteer, rec.minutes, &rec.category});
  Enqueue(root);
  return true;
}

void LedgerState::Impl::RecomputeServices(const PublicKey& root, bool incremental) {
  AccountState& a = Acc(root);
  // This rewrites the account's services: a trial keeps a copy (the recompute costs
  // as much as the copy).
  if (trial_ && !trial_full_) {
    AccountUndo& u = account_undo_.at(root);
    if (u.existed && !u.copy) u.copy = a;
  }
  std::vector<std::pair<EntryId, Finding>> findings;
  std::vector<Candidate> eligible;
  std::map<EntryId, RequestJudgement> requests;  // each request judged once here
  for (const PublicKey& key : KeysOf(root)) {
    auto sources = sources_by_key_.find(key);
    if (sources == sources_by_key_.end()) continue;
    for (const auto& [node, index] : sources->second) {
      if (!Active(node)) continue;
      if (auto* rec = node->As<ServiceRecord>()) {
        const PublicKey& subject = rec->volunteers[static_cast<std::size_t>(index)];
        if (auto problem = RecordProblem(node, root)) {
          findings.push_back({node->id(), {*problem, subject}});
        } else if (IsReversed(node, subject)) {
          findings.push_back({node->id(), {FindingCode::kReversed, subject}});
        } else {
          eligible.push_back({rec->start_ms, node->id(), subject, rec->minutes, &rec->category});
        }
      } else if (auto* res = node->As<RequestResolve>()) {
        auto judged = requests.find(res->request);
        if (judged == requests.end()) {
          judged = requests.emplace(res->request, JudgeRequest(res->request)).first;
        }
        const RequestJudgement& j = judged->second;
        const bool confirmed = j.confirmed.count(node->id()) > 0 ||
                               std::find(assumed_.begin(), assumed_.end(), node) != assumed_.end();
        if (!j.open) {
          findings.push_back({node->id(), {FindingCode::kUnknownRequest, {}}});
        } else if (!Took(j, root)) {
          findings.push_back({node->id(), {FindingCode::kNotTaken, {}}});
        } else if (IsReversed(node, std::nullopt)) {
          findings.push_back({node->id(), {FindingCode::kReversed, {}}});
        } else if (confirmed) {
          const std::string& category = j.open->As<RequestOpen>()->category;
          if (auto problem = ServiceProblem(node, category, res->start_ms, res->minutes)) {
            findings.push_back({node->id(), {*problem, {}}});
          } else {
            eligible.push_back({res->start_ms, node->id(), key, res->minutes, &category});
          }
        }
      } else {
        const auto& claim = *node->As<ServiceClaim>();
        ClaimState state = JudgeClaim(node, root, findings);
        if (state == ClaimState::kAwaiting &&
            std::find(assumed_.begin(), assumed_.end(), node) != assumed_.end()) {
          state = ClaimState::kConfirmed;  // a trial judges a new claim as if confirmed
        }
        if (IsReversed(node, std::nullopt)) {
          findings.push_back({node->id(), {FindingCode::kReversed, {}}});
        } else if (state == ClaimState::kRejected) {
          findings.push_back({node->id(), {FindingCode::kRejected, {}}});
        } else if (!IsMember(root)) {
          findings.push_back({node->id(), {FindingCode::kNotMember, {}}});
        } else if (state == ClaimState::kConfirmed) {
          if (auto problem = ServiceProblem(node, claim.category, claim.start_ms, claim.minutes)) {
            findings.push_back({node->id(), {*problem, {}}});
          } else {
            eligible.push_back({claim.start_ms, node->id(), key, claim.minutes, &claim.category});
          }
        }
      }
    }
  }
  // Canonical order: by start, then id; the earlier interval keeps its place.
  std::sort(eligible.begin(), eligible.end(), [](const Candidate& x, const Candidate& y) {
    return std::tie(x.start_ms, x.id, x.volunteer) < std::tie(y.start_ms, y.id, y.volunteer);
  });
  const std::uint64_t old_points = a.service_points;
  auto old_credited = std::move(a.credited);
  a.credited.clear();
  a.intervals.clear();
  a.day_minutes.clear();
  a.refused.clear();
  a.by_category.clear();
  a.minutes = 0;
  a.service_points = 0;
  for (const auto& c : eligible) {
    std::optional<PublicKey> subject;
    if (nodes_.at(c.id)->As<ServiceRecord>()) subject = c.volunteer;
    std::uint64_t end = c.start_ms + std::uint64_t{c.minutes} * 60'000;
    if (Overlaps(a, c.start_ms, end)) {
      findings.push_back({c.id, {FindingCode::kOverlap, subject}});
      a.refused.push_back({c.start_ms, end});
    } else if (OverDayCap(a, LocalDay(c.start_ms), c.minutes)) {
      findings.push_back({c.id, {FindingCode::kDayCapExceeded, subject}});
      a.refused.push_back({c.start_ms, end});
    } else {
      Credit(root, a, c);
    }
  }
  if (incremental) {
    // A credit taken away can unfund debits anywhere downstream: start funding over.
    auto now_credited = a.credited;
    std::sort(now_credited.begin(), now_credited.end());
    std::sort(old_credited.begin(), old_credited.end());
    if (!std::includes(now_credited.begin(), now_credited.end(), old_credited.begin(),
                       old_credited.end())) {
      funding_dirty_ = true;
      if (trial_) {
        std::set_difference(old_credited.begin(), old_credited.end(), now_credited.begin(),
                            now_credited.end(), std::back_inserter(lost_credits_));
      }
    } else if (a.service_points > old_points) {
      Enqueue(root);
    }
  }
  a.service_findings = std::move(findings);
  touched_accounts_.insert(root);
}

void LedgerState::Impl::IndexServices(Node* n) {
  if (auto* rec = n->As<ServiceRecord>()) {
    for (std::size_t i = 0; i < rec->volunteers.size(); ++i) {
      sources_by_key_[rec->volunteers[i]].push_back({n, static_cast<int>(i)});
    }
  } else if (n->As<ServiceClaim>() || n->As<RequestResolve>()) {
    sources_by_key_[n->e().author].push_back({n, -1});
  } else if (auto* c = n->As<ServiceConfirm>()) {
    verdicts_by_claim_[c->claim].push_back(n);
  } else if (auto* r = n->As<ServiceReject>()) {
    verdicts_by_claim_[r->claim].push_back(n);
  }
}

void LedgerState::Impl::UnIndexServices(Node* n) {
  auto forget_source = [&](const PublicKey& key) {
    auto it = sources_by_key_.find(key);
    if (it == sources_by_key_.end()) return;
    std::erase_if(it->second, [n](const auto& s) { return s.first == n; });
    if (it->second.empty()) sources_by_key_.erase(it);
  };
  if (auto* rec = n->As<ServiceRecord>()) {
    for (const auto& v : rec->volunteers) forget_source(v);
  } else if (n->As<ServiceClaim>() || n->As<RequestResolve>()) {
    forget_source(n->e().author);
  } else if (auto* c = n->As<ServiceConfirm>()) {
    EraseFromList(verdicts_by_claim_, c->claim, n);
  } else if (auto* r = n->As<ServiceReject>()) {
    EraseFromList(verdicts_by_claim_, r->claim, n);
  }
}

void LedgerState::Impl::ApplyServices(Node* n) {
  if (auto* rec = n->As<ServiceRecord>()) {
    std::set<PublicKey> slow;
    for (std::size_t i = 0; i < rec->volunteers.size(); ++i) {
      PublicKey root = AccountOf(rec->volunteers[i]);
      if (slow.count(root) || !TryCreditRecord(n, static_cast<int>(i), root)) slow.insert(root);
    }
    for (const auto& root : slow) RecomputeServices(root, /*incremental=*/true);
  } else if (n->As<ServiceClaim>()) {
    RecomputeServices(AccountOf(n->e().author), /*incremental=*/true);
  } else if (n->As<ServiceConfirm>() || n->As<ServiceReject>()) {
    const EntryId& claim =
        n->As<ServiceConfirm>() ? n->As<ServiceConfirm>()->claim : n->As<ServiceReject>()->claim;
    if (const Node* c = FindAs<ServiceClaim>(claim)) {
      RecomputeServices(AccountOf(c->e().author), /*incremental=*/true);
    }
  }
}

void LedgerState::Impl::ServiceFindings(const Node* n, std::vector<Finding>& out) const {
  auto of_account = [&](const PublicKey& key) {
    if (auto it = accounts_.find(AccountOf(key)); it != accounts_.end()) {
      FindingsAt(n->id(), it->second.service_findings, out);
    }
  };
  if (auto* rec = n->As<ServiceRecord>()) {
    std::set<PublicKey> roots;
    for (const auto& v : rec->volunteers) roots.insert(AccountOf(v));
    for (const auto& root : roots) of_account(root);
  } else if (n->As<ServiceClaim>() || n->As<RequestResolve>()) {
    of_account(n->e().author);
  } else if (n->As<ServiceConfirm>() || n->As<ServiceReject>()) {
    const EntryId& claim_id =
        n->As<ServiceConfirm>() ? n->As<ServiceConfirm>()->claim : n->As<ServiceReject>()->claim;
    if (const Node* claim = FindAs<ServiceClaim>(claim_id)) of_account(claim->e().author);
  }
}

}  // namespace lovebank::ledger
