// Governance: roles from the genesis admins through grants and revocations, key moves
// and fences, fork paths, the roster and reversals (docs/ledger-rules.md, "Authority").
#include <algorithm>
#include <map>
#include <utility>

#include "ledger/internal/state/impl.h"

namespace lovebank::ledger {

bool LedgerState::Impl::HasRoleFor(const Entry& e) const {
  auto roles = RolesFor(e.kind);
  if (roles.empty()) return true;
  for (Role role : roles) {
    if (HoldsRole(e.author, e.seq, role)) return true;
  }
  return false;
}

PublicKey LedgerState::Impl::AccountOf(const PublicKey& key) const {
  auto it = gov_.root_of.find(key);
  return it == gov_.root_of.end() ? key : it->second;
}

std::vector<PublicKey> LedgerState::Impl::KeysOf(const PublicKey& root) const {
  auto it = gov_.keys_of.find(root);
  if (it == gov_.keys_of.end()) return {root};
  return it->second;
}

std::uint32_t LedgerState::Impl::KeyIndex(const PublicKey& key) const {
  auto it = gov_.keys_of.find(AccountOf(key));
  if (it == gov_.keys_of.end()) return 0;
  auto pos = std::find(it->second.begin(), it->second.end(), key);
  return static_cast<std::uint32_t>(pos - it->second.begin());
}

bool LedgerState::Impl::HoldsRole(const RoleBook& book, const PublicKey& key, std::uint64_t seq,
                                  Role role) const {
  return book.Holds(AccountOf(key), KeyIndex(key), seq, role);
}

bool LedgerState::Impl::HoldsRole(const PublicKey& key, std::uint64_t seq, Role role) const {
  return HoldsRole(gov_.roles, key, seq, role);
}

bool LedgerState::Impl::Fenced(const Node* n) const {
  auto it = gov_.fence.find(n->e().author);
  return it != gov_.fence.end() && n->e().seq > it->second;
}

bool LedgerState::Impl::Active(const Node* n) const {
  return n->connected && (n->on_path || !Forked(n)) && !Fenced(n);
}

EntryStatus LedgerState::Impl::Status(const EntryId& id) const {
  auto it = nodes_.find(id);
  if (it == nodes_.end()) return EntryStatus::kUnknown;
  const Node* n = it->second.get();
  if (!n->connected) return EntryStatus::kPending;
  if (Fenced(n)) return EntryStatus::kFenced;
  if (Forked(n) && !n->on_path) return EntryStatus::kSuspended;
  return EntryStatus::kActive;
}

bool LedgerState::Impl::IsReversed(const Node* n, const std::optional<PublicKey>& volunteer) const {
  auto it = gov_.reversed.find(n->id());
  if (it == gov_.reversed.end()) return false;
  for (const auto& who : it->second) {
    if (!who || (volunteer && *who == *volunteer)) return true;
  }
  return false;
}

void LedgerState::Impl::EvaluateGovernance() {
  gov_ = Governance();
  std::vector<Node*> sorted = governance_;
  std::sort(sorted.begin(), sorted.end(),
            [](const Node* a, const Node* b) { return a->id() < b->id(); });
  ApplyPaths();
  for (int round = 0; round < 2; ++round) {
    gov_.roles = ComputeRoles(sorted);
    gov_.findings.clear();  // the last round's findings are the ones that stand
    ComputeMovesAndResolutions(sorted);
    ApplyPaths();
  }
  gov_.roles = ComputeRoles(sorted);
  for (Node* n : sorted) {
    if (!Active(n)) continue;
    bool admin = Authorised(n, Role::kAdmin);
    if (auto* g = n->As<NodeGrant>()) {
      if (admin) gov_.roster.insert(g->node);
    } else if (auto* v = n->As<Reversal>()) {
      if (admin) gov_.reversed[v->target].push_back(v->volunteer);
    }
    if (!n->As<Enrol>() && !Authorised(n)) {
      gov_.findings.push_back({n->id(), {FindingCode::kRoleMissing, {}}});
    }
  }
  for (Node* n : sorted) {
    if (auto* r = n->As<NodeRevoke>(); r && Active(n) && Authorised(n, Role::kAdmin)) {
      gov_.roster.erase(r->node);  // a revoked node key is never re-admitted
    }
  }
}

RoleBook LedgerState::Impl::ComputeRoles(const std::vector<Node*>& sorted) const {
  RoleBook base;
  for (const auto& admin : genesis_.admins) {
    base.Add(AccountOf(admin), Role::kAdmin, {KeyIndex(admin), 0, true, {}, 0, 0});
  }
  std::vector<const Node*> grants, revokes;
  for (const Node* n : sorted) {
    if (!Active(n)) continue;
    if (n->As<RoleGrant>()) grants.push_back(n);
    if (n->As<RoleRevoke>()) revokes.push_back(n);
  }
  auto add_event = [this](RoleBook& book, const Node* act, const PublicKey& subject, Role role,
                          std::uint64_t boundary, bool grant) {
    const PublicKey& by = act->e().author;
    book.Add(AccountOf(subject), role,
             {KeyIndex(subject), boundary + 1, grant, AccountOf(by), KeyIndex(by), act->e().seq});
  };
  // Grants are monotone: the least fixpoint from the genesis admins is unique.
  auto close_grants = [&](RoleBook book) {
    std::vector<bool> taken(grants.size(), false);
    for (bool changed = true; changed;) {
      changed = false;
      for (std::size_t i = 0; i < grants.size(); ++i) {
        const Node* g = grants[i];
        if (taken[i] || !HoldsRole(book, g->e().author, g->e().seq, Role::kAdmin)) continue;
        const auto& c = *g->As<RoleGrant>();
        add_event(book, g, c.subject, c.role, c.boundary_seq, true);
        taken[i] = true;
        changed = true;
      }
    }
    return book;
  };
  RoleBook grants_only = close_grants(base);
  // Revocations in two rounds: first judged against grants alone, then against
  // grants plus the first round, so a revoked admin's later revocations fail.
  RoleBook with_first = grants_only;
  for (const Node* r : revokes) {
    if (HoldsRole(grants_only, r->e().author, r->e().seq, Role::kAdmin)) {
      const auto& c = *r->As<RoleRevoke>();
      add_event(with_first, r, c.subject, c.role, c.boundary_seq, false);
    }
  }
  RoleBook final_base = base;
  for (const Node* r : revokes) {
    if (HoldsRole(with_first, r->e().author, r->e().seq, Role::kAdmin)) {
      const auto& c = *r->As<RoleRevoke>();
      add_event(final_base, r, c.subject, c.role, c.boundary_seq, false);
    }
  }
  return close_grants(std::move(final_base));
}

void LedgerState::Impl::ComputeMovesAndResolutions(const std::vector<Node*>& sorted) {
  KeyMap<PublicKey> next, from;
  KeyMap<std::uint64_t> fence;
  std::map<std::pair<PublicKey, std::uint64_t>, EntryId> resolutions;
  for (const Node* n : sorted) {
    if (!Active(n)) continue;
    if (auto* f = n->As<ForkResolution>()) {
      if (Authorised(n, Role::kAdmin)) resolutions.emplace(std::pair(f->author, f->seq), f->chosen);
      continue;
    }
    const PublicKey* old_key = nullptr;
    const PublicKey* new_key = nullptr;
    std::uint64_t boundary = 0;
    if (auto* k = n->As<KeyRotate>()) {
      old_key = &k->old_key, new_key = &k->new_key, boundary = k->boundary_seq;
    } else if (auto* r = n->As<Recover>()) {
      if (!Authorised(n, Role::kAdmin)) continue;
      old_key = &r->old_key, new_key = &r->new_key, boundary = r->boundary_seq;
    } else {
      continue;
    }
    bool cycle = false;
    for (auto k = next.find(*new_key); k != next.end(); k = next.find(k->second)) {
      if (k->second == *old_key) cycle = true;
    }
    if (next.count(*old_key) || from.count(*new_key) || cycle) {
      gov_.findings.push_back({n->id(), {FindingCode::kConflictingKeyMove, {}}});
      continue;
    }
    next[*old_key] = *new_key;
    from[*new_key] = *old_key;
    fence[*old_key] = boundary;
  }
  gov_.root_of.clear();
  gov_.keys_of.clear();
  for (const auto& [old_key, new_key] : next) {
    if (from.count(old_key)) continue;  // not a root
    std::vector<PublicKey> keys{old_key};
    for (auto k = next.find(old_key); k != next.end(); k = next.find(k->second)) {
      keys.push_back(k->second);
      gov_.root_of[k->second] = old_key;
    }
    gov_.keys_of[old_key] = std::move(keys);
  }
  gov_.fence = std::move(fence);
  gov_.resolutions = std::move(resolutions);
}

void LedgerState::Impl::ApplyPaths() {
  for (auto& [author, chain] : chains_) {
    if (chain.fork_seqs.empty()) continue;
    for (Node* n : chain.by_seq) n->on_path = false;
    const Node* prev = nullptr;
    for (std::uint64_t seq = 1;; ++seq) {
      auto at = chain.by_seq.At(seq);
      if (at.empty()) break;
      std::vector<Node*> next;
      for (Node* n : at) {
        if (n->connected && (seq == 1 || *n->e().prev == prev->id())) next.push_back(n);
      }
      Node* chosen = nullptr;
      if (next.size() == 1) {
        chosen = next[0];
      } else if (next.size() > 1) {
        auto r = gov_.resolutions.find({author, seq});
        if (r != gov_.resolutions.end()) {
          for (Node* n : next) {
            if (n->id() == r->second) chosen = n;
          }
        }
      }
      if (chosen == nullptr) break;
      chosen->on_path = true;
      prev = chosen;
    }
  }
}

void LedgerState::Impl::IndexGovernance(Node* n) {
  if (IsGovernance(n->e().kind)) {
    governance_.push_back(n);
    full_needed_ = true;
  } else if (n->As<AuditCheckpoint>()) {
    checkpoints_.push_back(n);
  }
}

void LedgerState::Impl::UnIndexGovernance(Node* n) {
  if (IsGovernance(n->e().kind)) {
    std::erase(governance_, n);
  } else if (n->As<AuditCheckpoint>()) {
    std::erase(checkpoints_, n);
  }
}

void LedgerState::Impl::GovernanceFindings(const Node* n, std::vector<Finding>& out) const {
  FindingsAt(n->id(), gov_.findings, out);
  if (n->As<AuditCheckpoint>() && Active(n) && !Authorised(n)) {
    out.push_back({FindingCode::kRoleMissing, {}});
  }
}

}  // namespace lovebank::ledger
