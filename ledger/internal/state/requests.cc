// Help requests (docs/ledger-rules.md, "Help requests"; decision 0012): who took a
// request, the path of its state, its level, and which resolves a confirmation
// credits. A request is judged from its acts whenever it is asked about, so no
// arrival order can change the answer; the services family credits the resolves.
#include <algorithm>
#include <set>
#include <tuple>

#include "ledger/internal/state/impl.h"

namespace lovebank::ledger {

namespace {

bool ById(const Node* a, const Node* b) { return a->id() < b->id(); }

// Whether a state act of this kind may follow the state `from`: a confirmation or a
// close follows an open request, a reopen or a close follows a confirmation, and only
// a reopen follows a close.
bool MayFollow(const Node* from, const Node* act) {
  const bool open = from->As<RequestOpen>() || from->As<RequestReopen>();
  if (act->As<RequestConfirm>()) return open;
  if (act->As<RequestClose>()) return open || from->As<RequestConfirm>();
  return !open;  // a reopen
}

const EntryId& AfterOf(const Node* act) {
  if (auto* c = act->As<RequestConfirm>()) return c->after;
  if (auto* r = act->As<RequestReopen>()) return r->after;
  return act->As<RequestClose>()->after;
}

}  // namespace

EntryId LedgerState::Impl::RequestIdOf(const Node* n) {
  const EntryId* id = RequestOf(n->e().kind);
  return id ? *id : n->id();
}

std::optional<FindingCode> LedgerState::Impl::OpenProblem(const Node* open) const {
  const auto& o = *open->As<RequestOpen>();
  const PublicKey opener = AccountOf(open->e().author);
  const PublicKey resident = o.resident ? AccountOf(*o.resident) : opener;
  // Only a coordinator opens a request on someone else's behalf.
  if (resident != opener && !Authorised(open, Role::kCoordinator)) return FindingCode::kRoleMissing;
  if (!IsMember(resident)) return FindingCode::kNotMember;
  if (!rates_.count(o.category)) return FindingCode::kUnknownCategory;
  return std::nullopt;
}

LedgerState::Impl::RequestJudgement LedgerState::Impl::JudgeRequest(
    const EntryId& request) const {
  RequestJudgement j;
  auto it = requests_.find(request);
  if (it == requests_.end()) return j;
  const RequestActs& acts = it->second;
  auto note = [&](const Node* n, FindingCode code) { j.findings.push_back({n->id(), {code, {}}}); };
  auto active = [&](const std::vector<Node*>& list) {
    std::vector<const Node*> out;
    for (const Node* n : list) {
      if (Active(n)) out.push_back(n);
    }
    std::sort(out.begin(), out.end(), ById);
    return out;
  };
  const auto takes = active(acts.takes);
  const auto states = active(acts.states);
  const auto escalations = active(acts.escalations);

  bool counts = false;
  if (acts.open && Active(acts.open)) {
    if (auto problem = OpenProblem(acts.open)) {
      note(acts.open, *problem);
    } else {
      counts = true;
    }
  }
  if (!counts) {
    // Every act waits for an open that counts; it may count when one arrives.
    for (const auto* list : {&takes, &states, &escalations}) {
      for (const Node* n : *list) note(n, FindingCode::kUnknownRequest);
    }
    return j;
  }
  const Node* open = acts.open;
  const auto& o = *open->As<RequestOpen>();
  j.open = open;
  const PublicKey opener = AccountOf(open->e().author);
  const PublicKey resident = o.resident ? AccountOf(*o.resident) : opener;

  // Takes: the first N counting ones by id, one per account.
  for (const Node* t : takes) {
    const PublicKey root = AccountOf(t->e().author);
    if (!IsMember(root)) {
      note(t, FindingCode::kNotMember);
    } else if (root == opener || root == resident) {
      note(t, FindingCode::kOwnRequest);
    } else if (Took(j, root)) {
      note(t, FindingCode::kAlreadyTaken);
    } else if (j.takes.size() >= o.volunteers) {
      note(t, FindingCode::kRequestFull);
    } else {
      j.takes.push_back(t);
      j.taker_accounts.push_back(root);
    }
  }

  // State acts: who may make them, then the path of `after` references from the open.
  const bool by_phone = o.channel == Channel::kPhone || o.channel == Channel::kVisit;
  std::vector<const Node*> valid;
  for (const Node* s : states) {
    const PublicKey root = AccountOf(s->e().author);
    const bool coordinator = Authorised(s, Role::kCoordinator);
    std::optional<FindingCode> problem;
    if (s->As<RequestConfirm>()) {
      if (IsReversed(s, std::nullopt)) {
        problem = FindingCode::kReversed;
      } else if (root != resident) {
        // A steward confirms for a resident who phoned or was visited, never their own work.
        if (!coordinator || !by_phone) {
          problem = FindingCode::kNotResident;
        } else if (Took(j, root)) {
          problem = FindingCode::kSelfConfirmation;
        }
      }
    } else if (s->As<RequestReopen>()) {
      if (root != resident && !coordinator) problem = FindingCode::kNotResident;
    } else if (root != resident && root != opener && !coordinator) {
      problem = FindingCode::kNotResident;  // a close
    }
    if (problem) {
      note(s, *problem);
    } else {
      valid.push_back(s);
    }
  }
  IdSet on_path;
  j.state = open;
  for (bool moved = true; moved;) {
    moved = false;
    for (const Node* s : valid) {  // by id: the first that follows wins
      if (AfterOf(s) == j.state->id() && MayFollow(j.state, s) && !on_path.count(s->id())) {
        j.path.push_back(s);
        on_path.insert(s->id());
        j.state = s;
        moved = true;
        break;
      }
    }
  }
  for (const Node* s : valid) {
    if (!on_path.count(s->id())) note(s, FindingCode::kStaleRequest);
  }
  for (const Node* s : j.path) {
    if (auto* c = s->As<RequestConfirm>()) j.confirmed.insert(c->resolves.begin(), c->resolves.end());
  }

  // Levels only rise: the highest counting escalation.
  for (const Node* e : escalations) {
    if (!Authorised(e)) {
      note(e, FindingCode::kRoleMissing);
    } else {
      j.level = std::max(j.level, e->As<RequestEscalate>()->level);
    }
  }
  return j;
}

std::optional<RequestView> LedgerState::Impl::Request(const EntryId& id) const {
  auto it = requests_.find(id);
  if (it == requests_.end() || !it->second.open || !it->second.open->connected) {
    return std::nullopt;
  }
  const RequestActs& acts = it->second;
  const Node* open = acts.open;
  RequestView v;
  v.id = id;
  v.opener = open->e().author;
  v.open = *open->As<RequestOpen>();
  v.resident = v.open.resident.value_or(v.opener);
  v.opened_ms = open->e().timestamp_ms;
  const RequestJudgement j = JudgeRequest(id);
  v.counts = j.open != nullptr;
  v.state_entry = id;
  if (v.counts) {
    for (const Node* t : j.takes) {
      v.takers.push_back(t->e().author);
      v.taken_ms.push_back(t->e().timestamp_ms);
    }
    v.state_entry = j.state->id();
    v.level = j.level;
    for (const Node* s : j.path) {
      if (auto* c = s->As<RequestConfirm>()) {
        v.state = RequestView::State::kConfirmed;
        v.rating = c->rating;
        v.confirmed_by_steward = AccountOf(s->e().author) != AccountOf(v.resident);
        v.confirmed_ms = s->e().timestamp_ms;
      } else if (auto* close = s->As<RequestClose>()) {
        v.state = RequestView::State::kClosed;
        v.close_reason = close->reason_code;
        v.closed_ms = s->e().timestamp_ms;
      } else {
        v.state = RequestView::State::kOpen;
        v.reopened = true;
      }
    }
  }
  std::vector<const Node*> all{open};
  for (const auto* list : {&acts.takes, &acts.resolves, &acts.states, &acts.escalations}) {
    all.insert(all.end(), list->begin(), list->end());
  }
  std::sort(all.begin(), all.end(), [](const Node* a, const Node* b) {
    return std::tie(a->e().timestamp_ms, a->id()) < std::tie(b->e().timestamp_ms, b->id());
  });
  for (const Node* n : all) {
    if (!n->connected) continue;
    v.acts.push_back(n->id());
    if (n->As<RequestResolve>() && Active(n)) {
      v.resolves.push_back(n->id());
      if (ClaimCredited(n)) v.credited.push_back(n->id());
    }
  }
  return v;
}

std::vector<RequestView> LedgerState::Impl::Requests() const {
  std::vector<RequestView> out;
  for (const auto& [id, acts] : requests_) {
    if (auto v = Request(id)) out.push_back(std::move(*v));
  }
  std::sort(out.begin(), out.end(), [](const RequestView& a, const RequestView& b) {
    return std::tie(a.opened_ms, a.id) < std::tie(b.opened_ms, b.id);
  });
  return out;
}

void LedgerState::Impl::IndexRequests(Node* n) {
  if (n->As<RequestOpen>()) {
    requests_[n->id()].open = n;
  } else if (n->As<RequestTake>()) {
    requests_[RequestIdOf(n)].takes.push_back(n);
  } else if (n->As<RequestResolve>()) {
    requests_[RequestIdOf(n)].resolves.push_back(n);
  } else if (n->As<RequestConfirm>() || n->As<RequestReopen>() || n->As<RequestClose>()) {
    requests_[RequestIdOf(n)].states.push_back(n);
  } else if (n->As<RequestEscalate>()) {
    requests_[RequestIdOf(n)].escalations.push_back(n);
  }
}

void LedgerState::Impl::UnIndexRequests(Node* n) {
  if (!n->As<RequestOpen>() && !RequestOf(n->e().kind)) return;
  auto it = requests_.find(RequestIdOf(n));
  if (it == requests_.end()) return;
  RequestActs& acts = it->second;
  if (acts.open == n) acts.open = nullptr;
  for (auto* list : {&acts.takes, &acts.resolves, &acts.states, &acts.escalations}) {
    std::erase(*list, n);
  }
  if (!acts.open && acts.takes.empty() && acts.resolves.empty() && acts.states.empty() &&
      acts.escalations.empty()) {
    requests_.erase(it);
  }
}

void LedgerState::Impl::ApplyRequests(Node* n) {
  if (n->As<RequestEscalate>() || (!n->As<RequestOpen>() && !RequestOf(n->e().kind))) return;
  // Any act can change which resolves count: its request's resolvers are judged again.
  auto it = requests_.find(RequestIdOf(n));
  if (it == requests_.end()) return;
  std::set<PublicKey> roots;
  for (const Node* r : it->second.resolves) roots.insert(AccountOf(r->e().author));
  for (const auto& root : roots) RecomputeServices(root, /*incremental=*/true);
}

void LedgerState::Impl::RequestFindings(const Node* n, std::vector<Finding>& out) const {
  if (n->As<RequestResolve>()) return;  // with its author's service (services.cc)
  if (!n->As<RequestOpen>() && !RequestOf(n->e().kind)) return;
  FindingsAt(n->id(), JudgeRequest(RequestIdOf(n)).findings, out);
}

}  // namespace lovebank::ledger
