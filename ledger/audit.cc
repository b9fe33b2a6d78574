#include "ledger/audit.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <thread>
#include <tuple>

#include "base/hex.h"
#include "ledger/ingest.h"

namespace lovebank::ledger {
namespace {

constexpr std::size_t kBatch = 8192;

std::string Short(ByteView bytes) { return ToHex(bytes).substr(0, 16); }

// One record after the signature pool: the verified entry, or why it failed.
struct Checked {
  std::optional<VerifiedEntry> entry;
  std::optional<AuditFailure> failure;
};

struct Batch {
  std::vector<Checked> checked;
  std::uint64_t first_record = 0;
  std::optional<ExportProblem> problem;  // the reader stopped here
};

AuditFailure DescribeRejection(ByteView envelope, const Rejection& r, std::uint64_t record) {
  AuditFailure f;
  f.code = std::string(RejectCodeName(r.code));
  f.record = record;
  f.entry = EnvelopeId(envelope);
  std::string who;
  if (auto e = PeekEntry(envelope)) {
    who = fmt::format(", author {} seq {}", Short(e->author.view()), e->seq);
  }
  f.message = fmt::format("entry #{} (id {}{}) fails verification: {}", record,
                          f.entry ? Short(f.entry->view()) : std::string("unreadable"), who,
                          r.message);
  return f;
}

// Reads the next batch and verifies it on `threads` threads.
Batch ReadAndVerify(ExportReader& reader, const NetworkId& network, unsigned threads,
                    bool keep_envelopes) {
  Batch batch;
  batch.first_record = reader.records();
  std::vector<Bytes> envelopes;
  envelopes.reserve(kBatch);
  auto read = reader.Next(envelopes, kBatch);
  if (!read) batch.problem = read.error();
  batch.checked.resize(envelopes.size());
  ParallelFor(envelopes.size(), threads, [&](std::size_t i) {
    // The rvalue form takes the bytes over only on success, so a failure can still
    // be described from them.
    auto v = VerifyEnvelope(std::move(envelopes[i]), network);
    if (v) {
      if (!keep_envelopes) Bytes().swap(v->envelope);
      batch.checked[i].entry = std::move(v).value();
    } else {
      batch.checked[i].failure = DescribeRejection(envelopes[i], v.error(), batch.first_record + i);
    }
    Bytes().swap(envelopes[i]);
  });
  return batch;
}

class Auditor {
 public:
  Auditor(AuditResult& out, const AuditOptions& options) : out_(out), options_(options) {}

  void Fail(AuditFailure f) {
    ++out_.failure_count;
    if (out_.failures.size() < kMaxAuditFailures) out_.failures.push_back(std::move(f));
  }
  void Fail(std::string code, std::string message, std::optional<EntryId> entry = {},
            std::optional<std::uint64_t> record = {}) {
    Fail(AuditFailure{std::move(code), std::move(message), entry, record});
  }

  void Run(const std::string& path) {
    auto opened = ExportReader::Open(path);
    if (!opened) {
      Fail(opened.error().code, opened.error().message, {}, opened.error().record);
      return;
    }
    ExportReader& reader = **opened;
    out_.header = reader.header();
    const NetworkId network = reader.header().network;
    if (!StartWithGenesis(reader, network)) return;

    unsigned threads = options_.threads ? options_.threads
                                        : std::max(1u, std::thread::hardware_concurrency());
    auto launch = [&] {
      return std::async(std::launch::async, [&reader, &network, threads, this] {
        return ReadAndVerify(reader, network, threads, options_.keep_envelopes);
      });
    };
    auto next = launch();
    for (;;) {
      Batch batch = next.get();
      bool more = !batch.problem && !reader.done() && !batch.checked.empty();
      if (more) next = launch();
      Apply(batch);
      if (options_.progress) {
        options_.progress(AuditProgress{out_.entries, reader.offset(), reader.file_bytes()});
      }
      if (batch.problem) {
        Fail(batch.problem->code, batch.problem->message, {}, batch.problem->record);
      }
      if (!more) break;
    }
    out_.state->Settle();
    ReportBrokenChains();
  }

 private:
  bool StartWithGenesis(ExportReader& reader, const NetworkId& network) {
    std::vector<Bytes> first;
    auto read = reader.Next(first, 1);
    if (!read || first.empty()) {
      Fail(read ? "no_genesis" : read.error().code,
           read ? "the file holds no entries; an export starts with the community's genesis"
                : read.error().message,
           {}, 0);
      return false;
    }
    ++out_.entries;
    auto g = VerifyEnvelope(ByteView(first[0]), std::nullopt);
    if (!g) {
      Fail(DescribeRejection(first[0], g.error(), 0));
      return false;
    }
    if (!std::holds_alternative<Genesis>(g->entry.kind) || g->id != network) {
      Fail("not_genesis",
           fmt::format("entry #0 (id {}) is not the genesis of community {} that the header "
                       "names; the file cannot be checked against that community",
                       Short(g->id.view()), Short(network.view())),
           g->id, 0);
      return false;
    }
    ++out_.verified;
    genesis_ = g->id;
    if (!options_.keep_envelopes) Bytes().swap(g->envelope);
    out_.state = std::make_unique<LedgerState>(*g);
    // Entries average well over 200 bytes on file, so this is room enough.
    out_.state->Reserve(static_cast<std::size_t>(reader.file_bytes() / 200));
    return true;
  }

  void Apply(Batch& batch) {
    for (std::size_t i = 0; i < batch.checked.size(); ++i) {
      Checked& c = batch.checked[i];
      std::uint64_t record = batch.first_record + i;
      ++out_.entries;
      if (c.failure) {
        Fail(std::move(*c.failure));
        continue;
      }
      ++out_.verified;
      VerifiedEntry& v = *c.entry;
      auto key = std::make_tuple(v.entry.author, v.entry.seq, v.id);
      if (v.id == genesis_) {
        Fail("duplicate", fmt::format("entry #{} repeats the genesis", record), v.id, record);
        continue;
      }
      if (last_ && !(*last_ < key)) {
        Fail("out_of_order",
             fmt::format("entry #{} (id {}, author {} seq {}) comes after author {} seq {}: an "
                         "export lists chains by author key and each chain by seq, so entries "
                         "were moved or spliced in",
                         record, Short(v.id.view()), Short(v.entry.author.view()), v.entry.seq,
                         Short(std::get<0>(*last_).view()), std::get<1>(*last_)),
             v.id, record);
      } else {
        last_ = key;
      }
      EntryId id = v.id;
      PublicKey author = v.entry.author;
      std::uint64_t seq = v.entry.seq;
      AddResult r = out_.state->Add(std::move(v));
      if (r.outcome == AddOutcome::kDuplicate) {
        Fail("duplicate", fmt::format("entry #{} (author {} seq {}) appears twice", record,
                                      Short(author.view()), seq),
             id, record);
      } else if (r.outcome == AddOutcome::kInvalid) {
        Fail("broken_link", fmt::format("entry #{} (id {}, author {} seq {}): {}", record,
                                        Short(id.view()), Short(author.view()), seq, r.reason),
             id, record);
      }
    }
    // Settling batch by batch keeps the rules' work inside the pipeline, where the
    // signature threads overlap it, instead of one long pass at the end.
    out_.state->Settle();
  }

  // Entries still waiting for their prev after the whole file: a chain with a hole.
  void ReportBrokenChains() {
    if (out_.state->pending_count() == 0) return;  // every chain is whole
    struct Gap {
      const VerifiedEntry* first = nullptr;
      std::uint64_t count = 0;
    };
    std::map<PublicKey, Gap> gaps;
    out_.state->ForEachEntry([&](const VerifiedEntry& v, bool connected) {
      if (connected) return;
      Gap& g = gaps[v.entry.author];
      ++g.count;
      if (g.first == nullptr || v.entry.seq < g.first->entry.seq) g.first = &v;
    });
    for (const auto& [author, gap] : gaps) {
      const Entry& e = gap.first->entry;
      std::string later = gap.count > 1
                              ? fmt::format("; {} later entries of that chain hang on it",
                                            gap.count - 1)
                              : std::string();
      Fail("chain_gap",
           fmt::format("the chain of {} breaks before seq {} (entry {}): its prev {} is not in "
                       "the file, so an entry was removed or altered{}",
                       Short(author.view()), e.seq, Short(gap.first->id.view()),
                       e.prev ? Short(e.prev->view()) : std::string("(none)"), later),
           gap.first->id);
    }
  }

  AuditResult& out_;
  const AuditOptions& options_;
  EntryId genesis_;
  std::optional<std::tuple<PublicKey, std::uint64_t, EntryId>> last_;
};

}  // namespace

AuditResult AuditExport(const std::string& path, const AuditOptions& options) {
  auto start = std::chrono::steady_clock::now();
  AuditResult out;
  Auditor(out, options).Run(path);
  out.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

std::uint64_t AuditSummary::attention() const {
  std::uint64_t n = forks.size();
  for (const auto& [name, list] : findings) {
    if (name != "reversed" && name != "rejected") n += list.size();
  }
  return n;
}

AuditSummary Summarize(const LedgerState& state) {
  AuditSummary s;
  s.entries = state.connected_count();
  state.ForEachChain([&](const PublicKey&, const ChainSummary&) { ++s.chains; });
  for (const auto& a : state.Accounts()) {
    ++s.accounts;
    if (a.profile) ++s.members;
    s.total_minutes += a.minutes;
    s.total_balance += a.balance;
    s.total_spent += a.spent_points;
  }
  s.forks = state.Forks();
  auto finding_of = [&](const EntryId& id) {
    AuditFinding f;
    f.entry = id;
    if (const VerifiedEntry* v = state.Find(id)) {
      f.author = v->entry.author;
      f.seq = v->entry.seq;
      f.kind = std::string(KindName(v->entry.kind));
    }
    return f;
  };
  for (const auto& [id, list] : state.Findings()) {
    for (const Finding& finding : list) {
      if (finding.code == FindingCode::kFork) continue;  // listed with the forks
      AuditFinding f = finding_of(id);
      f.subject = finding.subject;
      s.findings[std::string(FindingName(finding.code))].push_back(std::move(f));
    }
  }
  state.ForEachEntry([&](const VerifiedEntry& v, bool connected) {
    const auto* r = std::get_if<Reversal>(&v.entry.kind);
    if (!connected || r == nullptr || state.Status(v.id) != EntryStatus::kActive ||
        !state.FindingsFor(v.id).empty()) {
      return;
    }
    s.reversals.emplace_back(finding_of(v.id), r->target);
  });
  std::sort(s.reversals.begin(), s.reversals.end(),
            [](const auto& a, const auto& b) { return a.first.entry < b.first.entry; });
  s.items = state.Items();
  s.state_hash = state.StateHash();
  return s;
}

std::vector<AuditFailure> CompareWithNode(const LedgerState& state, const NodeView& node) {
  std::vector<AuditFailure> out;
  auto fail = [&](std::string message) {
    out.push_back(AuditFailure{"node_mismatch", std::move(message), std::nullopt, std::nullopt});
  };
  if (node.entries != state.connected_count()) {
    fail(fmt::format("the node reports {} entries; its export holds {}", node.entries,
                     state.connected_count()));
  }
  if (node.state_hash != ToHex(state.StateHash().view())) {
    fail(fmt::format("the node reports state hash {}; the entries give {}",
                     node.state_hash.substr(0, 16), Short(state.StateHash().view())));
  }
  std::map<PublicKey, AccountView> mine;
  for (auto& a : state.Accounts()) mine.emplace(a.id, std::move(a));
  for (const AccountView& theirs : node.stored_accounts) {
    auto it = mine.find(theirs.id);
    if (it == mine.end()) {
      fail(fmt::format("the node stores account {} that the entries do not give",
                       Short(theirs.id.view())));
      continue;
    }
    const AccountView& a = it->second;
    auto field = [&](const char* name, std::uint64_t node_value, std::uint64_t recomputed) {
      if (node_value != recomputed) {
        fail(fmt::format("account {}: the node has {} {} stored; the entries give {}",
                         Short(a.id.view()), name, node_value, recomputed));
      }
    };
    field("balance", theirs.balance, a.balance);
    field("minutes", theirs.minutes, a.minutes);
    field("service points", theirs.service_points, a.service_points);
    field("received points", theirs.received_points, a.received_points);
    field("spent points", theirs.spent_points, a.spent_points);
    field("unfunded points", theirs.unfunded_points, a.unfunded_points);
    if (theirs.minutes_by_category != a.minutes_by_category) {
      fail(fmt::format("account {}: the node's minutes by category differ from the entries'",
                       Short(a.id.view())));
    }
    mine.erase(it);
  }
  for (const auto& [id, a] : mine) {
    fail(fmt::format("account {} (balance {}) is missing from the node's stored state",
                     Short(id.view()), a.balance));
  }
  std::map<EntryId, ItemView> items;
  for (auto& i : state.Items()) items.emplace(i.id, std::move(i));
  for (const ItemView& theirs : node.stored_items) {
    auto it = items.find(theirs.id);
    if (it == items.end()) {
      fail(fmt::format("the node stores gift {} that the entries do not give",
                       Short(theirs.id.view())));
      continue;
    }
    if (theirs.stock != it->second.stock || theirs.fulfilled != it->second.fulfilled) {
      fail(fmt::format("gift '{}': the node has stock {} ({} fulfilled) stored; the entries give "
                       "{} ({} fulfilled)",
                       it->second.name, theirs.stock, theirs.fulfilled, it->second.stock,
                       it->second.fulfilled));
    }
    items.erase(it);
  }
  for (const auto& [id, item] : items) {
    fail(fmt::format("gift '{}' is missing from the node's stored state", item.name));
  }
  return out;
}

}  // namespace lovebank::ledger
