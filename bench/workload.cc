#include "bench/workload.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

#include "crypto/hashing.h"
#include "crypto/signing.h"

namespace lovebank::bench {
namespace {

using namespace ledger;

struct Author {
  crypto::SecretKey secret;
  std::uint64_t seq = 0;
  std::optional<EntryId> head;
  std::uint64_t next_start_ms = 1'767'225'600'000;  // volunteers: next free minute
  std::int64_t points = 0;                          // volunteers: a lower bound
};

class Builder {
 public:
  Builder(std::size_t volunteers) : rng_(2026) {
    for (int i = 0; i < 3; ++i) admins_.push_back(NewAuthor());
    for (int i = 0; i < 20; ++i) coordinators_.push_back(NewAuthor());
    for (std::size_t i = 0; i < volunteers; ++i) volunteers_.push_back(NewAuthor());
    station_ = NewAuthor();
  }

  Workload Build(std::size_t count, unsigned threads, const std::vector<PublicKey>& nodes) {
    Genesis g;
    g.community = "Benchmark Community";
    g.admins.push_back(authors_[admins_[0]].secret.public_key());
    g.policy.categories = {{"care", 10}, {"medical", 12}};
    g.policy.max_minutes_per_entry = 240;
    g.policy.max_minutes_per_day = 480;
    Add(admins_[0], g, std::nullopt);
    network_ = pending_[0].id;
    for (auto c : coordinators_) Add(admins_[0], RoleGrant{Key(c), Role::kCoordinator, 0});
    Add(admins_[0], RoleGrant{Key(station_), Role::kStation, 0});
    for (const auto& node : nodes) Add(admins_[0], NodeGrant{node, "bench node"});
    for (std::size_t i = 0; i < volunteers_.size(); ++i) {  // only members earn
      Add(admins_[0], Enrol{Key(volunteers_[i]), "Volunteer " + std::to_string(i), "", "", {}});
    }
    std::vector<EntryId> items;
    for (int i = 0; i < 5; ++i) {
      items.push_back(Add(station_, CatalogItem{"Gift " + std::to_string(i), 20, 1'000'000}));
    }
    std::uniform_int_distribution<std::size_t> pick_volunteer(0, volunteers_.size() - 1);
    while (pending_.size() < count) {
      int roll = static_cast<int>(rng_() % 100);
      if (roll < 60) {
        ServiceRecord r{"Community service", roll % 2 ? "care" : "medical", 0, 60, {}};
        std::vector<std::size_t> who;
        for (int i = 0, n = 1 + static_cast<int>(rng_() % 3); i < n; ++i) {
          who.push_back(volunteers_[pick_volunteer(rng_)]);
        }
        std::sort(who.begin(), who.end());
        who.erase(std::unique(who.begin(), who.end()), who.end());
        // One shared start after every volunteer's last interval: nothing overlaps.
        // Never older than a day before the community's clock, so inside the window.
        std::uint64_t start = clock_ms_ > kDayMs ? clock_ms_ - kDayMs : 0;
        for (auto v : who) start = std::max(start, authors_[v].next_start_ms);
        r.start_ms = start;
        clock_ms_ = std::max(clock_ms_, start + 60 * 60'000);  // signed once it ended
        for (auto v : who) {
          authors_[v].next_start_ms = start + 12 * 3'600'000;  // at most two a day
          authors_[v].points += 10;
          r.volunteers.push_back(Key(v));
        }
        std::sort(r.volunteers.begin(), r.volunteers.end());
        Add(coordinators_[rng_() % coordinators_.size()], r);
      } else {
        std::size_t from = volunteers_[pick_volunteer(rng_)];
        if (authors_[from].points < 20) continue;
        if (roll < 90) {
          std::size_t to = volunteers_[pick_volunteer(rng_)];
          if (to == from) continue;  // giving oneself points changes nothing: refused
          authors_[from].points -= 5;
          authors_[to].points += 5;
          Add(from, Transfer{Key(to), 5, "thanks"});
        } else {
          authors_[from].points -= 20;
          Add(from, Redeem{items[rng_() % items.size()], Key(station_), 20,
                           std::to_string(pending_.size())});
        }
      }
    }
    SignAll(threads);
    Workload out;
    out.genesis = std::move(pending_[0]);
    out.entries.assign(std::make_move_iterator(pending_.begin() + 1),
                       std::make_move_iterator(pending_.end()));
    return out;
  }

 private:
  std::size_t NewAuthor() {
    authors_.push_back(Author{crypto::SecretKey::Generate(), 0, std::nullopt, 1'767'225'600'000, 0});
    return authors_.size() - 1;
  }
  const PublicKey& Key(std::size_t a) { return authors_[a].secret.public_key(); }

  // Encodes the entry and computes its id now (the next entry's prev needs it);
  // signing waits for SignAll.
  EntryId Add(std::size_t a, EntryKind kind, std::optional<NetworkId> network) {
    Author& author = authors_[a];
    Entry e;
    e.author = Key(a);
    e.seq = ++author.seq;
    e.prev = author.head;
    e.network = network;
    e.timestamp_ms = ++clock_ms_;
    e.kind = std::move(kind);
    Bytes body = EncodeEntryBody(e);
    EntryId id = EntryId::From(crypto::Blake2b256(body));
    author.head = id;
    pending_.push_back(VerifiedEntry{id, std::move(e), std::move(body)});
    signer_.push_back(a);
    return id;
  }
  EntryId Add(std::size_t a, EntryKind kind) { return Add(a, std::move(kind), network_); }

  // Replaces each body with its signed envelope, on `threads` threads.
  void SignAll(unsigned threads) {
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t) {
      pool.emplace_back([this, t, threads] {
        for (std::size_t i = t; i < pending_.size(); i += threads) {
          auto& v = pending_[i];
          auto signature = crypto::SignEntryBody(authors_[signer_[i]].secret, v.envelope);
          v.envelope = EncodeEnvelope(v.envelope, signature);
        }
      });
    }
    for (auto& t : pool) t.join();
  }

  static constexpr std::uint64_t kDayMs = 24 * 3'600'000;
  // When the next entry is signed: after the service it records, like a person's clock.
  std::uint64_t clock_ms_ = 1'767'225'600'000;
  std::mt19937_64 rng_;
  std::vector<Author> authors_;
  std::vector<std::size_t> admins_, coordinators_, volunteers_;
  std::size_t station_ = 0;
  std::optional<NetworkId> network_;
  std::vector<VerifiedEntry> pending_;
  std::vector<std::size_t> signer_;
};

}  // namespace

Workload MakeWorkload(std::size_t count, std::size_t volunteers, unsigned threads,
                      const std::vector<ledger::PublicKey>& nodes) {
  return Builder(volunteers).Build(count, threads, nodes);
}

// crypto_sign_verify_detached on `threads` threads over entry-sized messages, for
// about two seconds: signatures per second.
double RawVerifyRate(unsigned threads) {
  constexpr int kDistinct = 512;
  std::vector<crypto::SecretKey> keys;
  std::vector<Bytes> messages;
  std::vector<crypto::Signature> signatures;
  for (int i = 0; i < kDistinct; ++i) {
    keys.push_back(crypto::SecretKey::Generate());
    messages.push_back(Bytes(200, static_cast<char>(i)));
    signatures.push_back(crypto::SignDetachedForBenchmark(keys.back(), messages.back()));
  }
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> total{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> pool;
  auto start = std::chrono::steady_clock::now();
  for (unsigned t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      std::uint64_t done = 0;
      for (std::size_t i = t; !stop.load(std::memory_order_relaxed); ++i, ++done) {
        std::size_t k = i % kDistinct;
        if (!crypto::VerifyDetachedForBenchmark(keys[k].public_key(), messages[k],
                                                signatures[k])) {
          ++failures;
        }
      }
      total += done;
    });
  }
  std::this_thread::sleep_for(std::chrono::seconds(2));
  stop = true;
  for (auto& t : pool) t.join();
  if (failures) std::fprintf(stderr, "bench: %d verify failures\n", failures.load());
  return static_cast<double>(total) / std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace lovebank::bench
