// TryAdmit, the one judgement of a submission (decision 0007), and the journal that
// undoes a refused trial exactly.
#include <algorithm>
#include <iterator>
#include <set>
#include <type_traits>
#include <variant>

#include "ledger/internal/state/impl.h"

namespace lovebank::ledger {

Trial LedgerState::Impl::TryAdmit(std::vector<VerifiedEntry> entries, const TrialOptions& options) {
  Apply();  // what earlier, unjudged additions changed is not part of this trial
  struct Submitted {
    EntryId id;
    Entry entry;
    Bytes before;
    Node* node = nullptr;
    bool stored = false;  // held before this trial: a retry, or a voucher's history
    std::vector<EntryId> counted;  // a request act: the takes and path that counted before
  };
  std::vector<Submitted> cands;
  for (const auto& v : entries) {
    cands.push_back({v.id, v.entry, Effect(v.entry), nullptr, false, CountedActs(v.entry)});
  }
  trial_ = true;
  trial_full_ = false;
  trial_connected_mark_ = connected_from_pending_.size();
  const std::size_t not_member_mark = not_member_transfers_.size();
  Trial result;
  // The role table first: an act by someone without the role is refused before
  // anything is added, so strangers cannot make the node re-evaluate the ledger.
  for (std::size_t i = 0; i < cands.size(); ++i) {
    if (!nodes_.count(cands[i].id) && !HasRoleFor(cands[i].entry)) {
      trial_ = false;
      result.admitted = false;
      result.index = i;
      result.problem = TrialProblem::kFinding;
      result.finding = Finding{FindingCode::kRoleMissing, {}};
      result.about = cands[i].id;
      return result;
    }
  }
  auto refuse = [&](std::size_t index, TrialProblem problem) {
    result.admitted = false;
    result.index = index;
    result.problem = problem;
  };
  std::vector<Node*> added;
  for (std::size_t i = 0; i < entries.size() && result.admitted; ++i) {
    if (auto held = nodes_.find(cands[i].id); held != nodes_.end()) {
      // Already stored: a retry or a known fact, judged below by how it stands now.
      cands[i].node = held->second.get();
      cands[i].stored = true;
      continue;
    }
    if (cands[i].entry.seq <= HeadSeq(cands[i].entry.author)) {
      refuse(i, TrialProblem::kChain);  // a second entry at a seq already used: a fork
      result.reason = "this node already holds a different entry " +
                      std::to_string(cands[i].entry.seq) + " of the chain";
      break;
    }
    AddResult add = Add(std::move(entries[i]));
    if (add.outcome == AddOutcome::kInvalid) {
      refuse(i, TrialProblem::kChain);
      result.reason = add.reason;
      break;
    }
    Node* n = nodes_.at(cands[i].id).get();
    cands[i].node = n;
    added.push_back(n);
    if (add.outcome == AddOutcome::kPending && !options.allow_pending) {
      refuse(i, TrialProblem::kPending);
    }
    if (n->As<ServiceClaim>() || n->As<RequestResolve>()) assumed_.push_back(n);
  }
  if (result.admitted) {
    Apply();
    for (std::size_t i = 0; i < cands.size() && result.admitted; ++i) {
      const Node* n = cands[i].node;
      if (n == nullptr || (options.allow_pending && !n->connected)) continue;
      result.status = Status(n->id());
      if (result.status == EntryStatus::kPending) {
        refuse(i, TrialProblem::kPending);  // a retry of an entry still waiting for its prev
        break;
      }
      if (result.status != EntryStatus::kActive) {
        refuse(i, TrialProblem::kInactive);
        break;
      }
      // A stored entry before the last is context (a voucher's history): it must stand,
      // and what it found is the business of the act it supports. The last one is the
      // act a retry repeats, so it is admitted again only if it still counts.
      const bool last = i + 1 == cands.size();
      if (cands[i].stored && !last) continue;
      bool forgiven = false;  // a forgiven finding stands for the effect it stops
      for (const Finding& f : FindingsOfEntry(n)) {
        if (options.forgive && options.forgive(n->v, f)) {
          forgiven = true;
          continue;
        }
        refuse(i, TrialProblem::kFinding);
        result.finding = f;
        result.conflict = ConflictOf(n, f);
        break;
      }
      if (!result.admitted) break;
      if (forgiven || cands[i].stored) continue;
      if (auto problem = TargetProblem(*n, cands[i].before, options, result)) {
        refuse(i, *problem);
      } else if (auto pushed = DisplacedAct(*n, cands[i].counted)) {
        // A take or state act that would push out one already told it counts.
        refuse(i, TrialProblem::kFinding);
        result.finding = Finding{
            n->As<RequestTake>() ? FindingCode::kRequestFull : FindingCode::kStaleRequest, {}};
        result.about = *pushed;
      }
    }
    for (const auto& [source, volunteer] : lost_credits_) {
      if (!result.admitted) break;
      if (Intends(cands, source)) continue;
      refuse(cands.size() - 1, TrialProblem::kTakesCredit);
      result.about = source;
      auto lost = FindingsOfEntry(nodes_.at(source).get());
      if (!lost.empty()) result.finding = lost.front();
      result.conflict = cands.back().id;
    }
  }
  trial_ = false;
  const bool restore = !result.admitted || !assumed_.empty();
  // Funding flags first: the journal may point at entries the retraction deletes.
  if (restore && !trial_full_) {
    for (Node* d : funded_undo_) d->funded = false;
  }
  if (!result.admitted) {
    // Entries the trial connected out of the pending pool go back to it first.
    while (connected_from_pending_.size() > trial_connected_mark_) {
      auto* v = connected_from_pending_.back();
      connected_from_pending_.pop_back();
      Disconnect(nodes_.at(v->id).get());
    }
    for (auto it = added.rbegin(); it != added.rend(); ++it) Retract(*it);
  }
  std::vector<Node*> assumed = std::move(assumed_);
  assumed_.clear();
  if (restore) {
    if (trial_full_) {
      full_needed_ = true;  // exact by construction: the same full evaluation
      Apply();
    } else {
      RestoreAccounts();
      not_member_transfers_.resize(not_member_mark);
      for (auto& [id, saved] : item_undo_) {
        if (saved) {
          items_[id] = std::move(*saved);
        } else {
          items_.erase(id);
        }
      }
      // A kept claim counts nothing until confirmed, unless verdicts or a reversal
      // naming it arrived before it did: then its account is settled for real.
      if (result.admitted) {
        std::set<PublicKey> roots;
        for (Node* claim : assumed) {
          if (auto* res = claim->As<RequestResolve>()) {
            // A resolve counts when a confirmation names it, which may have come
            // first; and the resolvers of its request are settled for real again.
            for (const Node* r : requests_.at(res->request).resolves) {
              roots.insert(AccountOf(r->e().author));
            }
          } else if (verdicts_by_claim_.count(claim->id()) || gov_.reversed.count(claim->id())) {
            roots.insert(AccountOf(claim->e().author));
          }
        }
        for (const auto& root : roots) RecomputeServices(root, /*incremental=*/true);
        Apply();
      }
    }
  }
  account_undo_.clear();
  item_undo_.clear();
  funded_undo_.clear();
  lost_credits_.clear();
  trial_full_ = false;
  findings_dirty_ = true;
  if (!result.admitted && result.problem == TrialProblem::kFinding && !result.about) {
    result.about = cands[result.index].id;
  }
  return result;
}

AccountState& LedgerState::Impl::Acc(const PublicKey& root) {
  if (trial_ && !trial_full_ && !account_undo_.count(root)) {
    AccountUndo u;
    if (auto it = accounts_.find(root); it != accounts_.end()) {
      const AccountState& a = it->second;
      u.existed = true;
      u.minutes = a.minutes, u.service_points = a.service_points, u.debit_sum = a.debit_sum;
      u.received = a.received, u.funded_sum = a.funded_sum, u.funded = a.funded;
      u.queued = a.queued;
      u.credited = a.credited.size(), u.debits = a.debits.size();
      u.service_findings = a.service_findings.size();
    }
    account_undo_.emplace(root, std::move(u));
  }
  return accounts_[root];
}

AccountUndo* LedgerState::Impl::LightUndo(const PublicKey& root) {
  if (!trial_ || trial_full_) return nullptr;
  auto it = account_undo_.find(root);
  return it == account_undo_.end() || it->second.copy ? nullptr : &it->second;
}

void LedgerState::Impl::RestoreAccounts() {
  for (auto& [root, u] : account_undo_) {
    if (!u.existed) {
      accounts_.erase(root);
      continue;
    }
    AccountState& a = accounts_[root];
    if (u.copy) a = std::move(*u.copy);  // taken after the appends noted below
    for (auto start : u.intervals) a.intervals.erase(start);
    for (auto it = u.days.rbegin(); it != u.days.rend(); ++it) {
      if (it->second) {
        a.day_minutes[it->first] = *it->second;
      } else {
        a.day_minutes.erase(it->first);
      }
    }
    for (auto it = u.categories.rbegin(); it != u.categories.rend(); ++it) {
      if (it->second) {
        a.by_category[it->first] = *it->second;
      } else {
        a.by_category.erase(it->first);
      }
    }
    a.credited.resize(u.credited);
    a.debits.resize(u.debits);
    a.service_findings.resize(u.service_findings);
    a.minutes = u.minutes, a.service_points = u.service_points, a.debit_sum = u.debit_sum;
    a.received = u.received, a.funded_sum = u.funded_sum, a.funded = u.funded;
    a.queued = u.queued;
  }
}

bool LedgerState::Impl::ClaimCredited(const Node* claim) const {
  auto it = accounts_.find(AccountOf(claim->e().author));
  if (it == accounts_.end()) return false;
  for (const auto& [source, volunteer] : it->second.credited) {
    if (source == claim->id()) return true;
  }
  return false;
}

Bytes LedgerState::Impl::Effect(const Entry& e) const {
  Writer w;
  std::visit(
      [&](const auto& k) {
        using K = std::decay_t<decltype(k)>;
        if constexpr (std::is_same_v<K, RoleGrant> || std::is_same_v<K, RoleRevoke>) {
          w.U64(HoldsRole(k.subject, k.boundary_seq + 1, k.role));
        } else if constexpr (std::is_same_v<K, NodeGrant> || std::is_same_v<K, NodeRevoke>) {
          w.U64(gov_.roster.count(k.node));
        } else if constexpr (std::is_same_v<K, KeyRotate> || std::is_same_v<K, Recover>) {
          w.U64(AccountOf(k.new_key) == AccountOf(k.old_key));
        } else if constexpr (std::is_same_v<K, Enrol>) {
          auto it = accounts_.find(AccountOf(k.member));
          const Node* profile = it == accounts_.end() ? nullptr : it->second.profile;
          w.Fixed(profile ? profile->id() : EntryId());
        } else if constexpr (std::is_same_v<K, ServiceConfirm>) {
          const Node* claim = FindAs<ServiceClaim>(k.claim);
          w.U64(claim && ClaimCredited(claim));
        } else if constexpr (std::is_same_v<K, ServiceReject>) {
          const Node* claim = FindAs<ServiceClaim>(k.claim);
          w.U64(claim && Has(FindingsOfEntry(claim), FindingCode::kRejected));
        } else if constexpr (std::is_same_v<K, Reversal>) {
          auto it = nodes_.find(k.target);
          if (it == nodes_.end()) return;
          for (const auto& f : FindingsOfEntry(it->second.get())) {
            w.U64(static_cast<std::uint64_t>(f.code));
            w.Fixed(f.subject.value_or(PublicKey()));
          }
          if (auto* c = it->second->template As<ServiceConfirm>()) {
            const Node* claim = FindAs<ServiceClaim>(c->claim);
            w.U64(claim && ClaimCredited(claim));
          }
        } else if constexpr (std::is_same_v<K, ForkResolution>) {
          auto it = nodes_.find(k.chosen);
          w.U64(it != nodes_.end() && it->second->on_path);
        } else if constexpr (std::is_same_v<K, RequestConfirm> ||
                             std::is_same_v<K, RequestReopen> || std::is_same_v<K, RequestClose>) {
          RequestJudgement j = JudgeRequest(k.request);
          w.Fixed(j.state ? j.state->id() : EntryId());
        } else if constexpr (std::is_same_v<K, RequestEscalate>) {
          w.U64(static_cast<std::uint64_t>(JudgeRequest(k.request).level));
        } else if constexpr (std::is_same_v<K, Restock>) {
          auto it = items_.find(k.item);
          w.U64(it == items_.end() ? 0 : it->second.stock);
        } else if constexpr (std::is_same_v<K, CatalogWithdraw>) {
          auto it = items_.find(k.item);
          w.U64(it != items_.end() && it->second.withdrawn);
        } else if constexpr (std::is_same_v<K, Fulfil>) {
          const Node* redeem = FindAs<Redeem>(k.redeem);
          auto it = redeem ? items_.find(redeem->template As<Redeem>()->item) : items_.end();
          w.U64(it == items_.end() ? 0 : it->second.fulfilled);
        }
      },
      e.kind);
  return w.out;
}

std::vector<EntryId> LedgerState::Impl::CountedActs(const Entry& e) const {
  std::vector<EntryId> out;
  if (!std::holds_alternative<RequestTake>(e.kind) &&
      !std::holds_alternative<RequestConfirm>(e.kind) &&
      !std::holds_alternative<RequestReopen>(e.kind) &&
      !std::holds_alternative<RequestClose>(e.kind)) {
    return out;
  }
  const RequestJudgement j = JudgeRequest(*RequestOf(e.kind));
  for (const auto* list : {&j.takes, &j.path}) {
    for (const Node* n : *list) out.push_back(n->id());
  }
  return out;
}

std::optional<EntryId> LedgerState::Impl::DisplacedAct(const Node& n,
                                                       const std::vector<EntryId>& counted) const {
  if (counted.empty()) return std::nullopt;
  const RequestJudgement j = JudgeRequest(*RequestOf(n.e().kind));
  IdSet now;
  for (const auto* list : {&j.takes, &j.path}) {
    for (const Node* a : *list) now.insert(a->id());
  }
  for (const EntryId& id : counted) {
    if (!now.count(id)) return id;
  }
  return std::nullopt;
}

bool LedgerState::Impl::NeedsChange(const EntryKind& kind) {
  return !(std::holds_alternative<ServiceRecord>(kind) ||
           std::holds_alternative<ServiceClaim>(kind) || std::holds_alternative<Transfer>(kind) ||
           std::holds_alternative<CatalogItem>(kind) || std::holds_alternative<Redeem>(kind) ||
           std::holds_alternative<AuditCheckpoint>(kind) ||
           std::holds_alternative<RequestOpen>(kind) || std::holds_alternative<RequestTake>(kind) ||
           std::holds_alternative<RequestResolve>(kind));
}

std::optional<TrialProblem> LedgerState::Impl::TargetProblem(const Node& n, const Bytes& before,
                                                             const TrialOptions& options,
                                                             Trial& r) const {
  auto missing = [&](const EntryId& id) {
    r.about = id;
    return std::optional(TrialProblem::kNotFound);
  };
  std::optional<TrialProblem> problem = std::visit(
      [&](const auto& k) -> std::optional<TrialProblem> {
        using K = std::decay_t<decltype(k)>;
        if constexpr (std::is_same_v<K, Enrol>) {
          if (k.replaces && !FindAs<Enrol>(*k.replaces)) return missing(*k.replaces);
          // A second first enrolment could take the profile over by its id: a person
          // changes a profile with an update that names it.
          if (!k.replaces && before != Bytes(EntryId().view())) {
            r.finding = Finding{FindingCode::kAlreadyEnrolled, {}};
            r.about = *EntryId::FromView(before);
            return TrialProblem::kFinding;
          }
        } else if constexpr (std::is_same_v<K, ServiceConfirm> ||
                             std::is_same_v<K, ServiceReject>) {
          const Node* claim = FindAs<ServiceClaim>(k.claim);
          if (!claim) return missing(k.claim);
          if constexpr (std::is_same_v<K, ServiceConfirm>) {
            if (!ClaimCredited(claim) && Effect(n.e()) == before) {
              // Not credited, and was not before: the claim's own finding says why.
              auto findings = FindingsOfEntry(claim);
              if (!findings.empty()) {
                r.finding = findings.front();
                r.about = claim->id();
                return TrialProblem::kFinding;
              }
            }
          }
        } else if constexpr (std::is_same_v<K, RequestTake> || std::is_same_v<K, RequestResolve> ||
                             std::is_same_v<K, RequestConfirm> ||
                             std::is_same_v<K, RequestReopen> || std::is_same_v<K, RequestClose> ||
                             std::is_same_v<K, RequestEscalate>) {
          if (!FindAs<RequestOpen>(k.request)) return missing(k.request);
          RequestJudgement j = JudgeRequest(k.request);
          if constexpr (std::is_same_v<K, RequestTake> || std::is_same_v<K, RequestResolve>) {
            // Confirmed or closed: nobody takes it or says they did it until it is
            // reopened (their act would stand, but never count).
            if (j.state && j.state != &n && !Accepting(j.state)) {
              r.finding = Finding{FindingCode::kStaleRequest, {}};
              r.about = j.state->id();
              return TrialProblem::kFinding;
            }
          }
          if constexpr (std::is_same_v<K, RequestConfirm>) {
            // Every resolve it names is of this request and is credited by it: a
            // confirmation credits exactly the work it lists.
            for (const EntryId& id : k.resolves) {
              const Node* res = FindAs<RequestResolve>(id);
              if (!res || res->template As<RequestResolve>()->request != k.request) {
                return missing(id);
              }
              if (!ClaimCredited(res)) {
                auto findings = FindingsOfEntry(res);
                r.finding =
                    findings.empty() ? Finding{FindingCode::kNotTaken, {}} : findings.front();
                r.about = id;
                r.conflict = ConflictOf(res, *r.finding);
                return TrialProblem::kFinding;
              }
            }
          }
        } else if constexpr (std::is_same_v<K, Reversal>) {
          if (!nodes_.count(k.target)) return missing(k.target);
        } else if constexpr (std::is_same_v<K, ForkResolution>) {
          if (!nodes_.count(k.chosen)) return missing(k.chosen);
        } else if constexpr (std::is_same_v<K, Restock> || std::is_same_v<K, CatalogWithdraw>) {
          if (!items_.count(k.item) || !items_.at(k.item).listed) return missing(k.item);
          // Gone from the catalogue: no more stock for it, and once is enough. (This
          // is judged with the entry applied, so a withdrawal asks what was before it.)
          bool withdrawn = items_.at(k.item).withdrawn;
          if constexpr (std::is_same_v<K, CatalogWithdraw>) {
            Writer was;
            was.U64(1);
            withdrawn = before == was.out;
          }
          if (withdrawn) {
            r.finding = Finding{FindingCode::kItemWithdrawn, {}};
            r.about = k.item;
            return TrialProblem::kFinding;
          }
        } else if constexpr (std::is_same_v<K, Fulfil>) {
          if (auto others = fulfils_by_redeem_.find(k.redeem); others != fulfils_by_redeem_.end()) {
            for (const Node* other : others->second) {
              if (other != &n && Active(other)) {  // a voucher is handed over once
                r.finding = Finding{FindingCode::kAlreadyFulfilled, {}};
                r.about = other->id();
                return TrialProblem::kFinding;
              }
            }
          }
          if (!FindAs<Redeem>(k.redeem)) {
            auto it = nodes_.find(k.redeem);
            if (it == nodes_.end() || !it->second->template As<Redeem>()) {
              return missing(k.redeem);
            }
            // The voucher waits here for earlier entries of its chain: unproven, which
            // only the node's offline limit may let through.
            Finding unproven{FindingCode::kUnfunded, {}};
            if (options.forgive && options.forgive(n.v, unproven)) return kForgiven;
            r.finding = unproven;
            return TrialProblem::kFinding;
          }
        } else if constexpr (std::is_same_v<K, Transfer>) {
          if (AccountOf(k.to) == AccountOf(n.e().author)) return TrialProblem::kNoEffect;
        } else if constexpr (std::is_same_v<K, Redeem>) {
          auto it = items_.find(k.item);
          if (it == items_.end() || !it->second.listed) return missing(k.item);
          const ItemState& item = it->second;
          r.about = k.item;
          if (item.withdrawn) {
            r.finding = Finding{FindingCode::kItemWithdrawn, {}};
            return TrialProblem::kFinding;
          }
          if (AccountOf(item.node->e().author) != AccountOf(k.station)) {
            return TrialProblem::kUnlisted;
          }
          if (k.points < item.node->template As<CatalogItem>()->price) {
            return TrialProblem::kPriceNotMet;
          }
          if (item.stock == 0) return TrialProblem::kOutOfStock;
          r.about.reset();
        }
        return std::nullopt;
      },
      n.e().kind);
  if (problem == kForgiven) return std::nullopt;
  if (problem) return problem;
  if (NeedsChange(n.e().kind) && Effect(n.e()) == before) return TrialProblem::kNoEffect;
  return std::nullopt;
}

}  // namespace lovebank::ledger
