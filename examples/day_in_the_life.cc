// A day in the life of a small neighbourhood, played on the ledger core: founding,
// enrolment, service recorded and claimed, points given, a gift redeemed and handed
// over, and the two mistakes the rules exist for. Every act is a signed entry stored
// in a real RocksDB ledger; the balances printed are what any node would compute.
//
// `make demo` runs it until the node and wallet (issue 3) take over that job.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <string>

#include "base/hex.h"
#include "ledger/store.h"

using namespace lovebank;
using namespace lovebank::ledger;

namespace {

constexpr std::uint64_t kMorning = 1'780'275'600'000;  // 2026-06-01 09:00 at UTC+8, in ms
constexpr std::uint64_t kHour = 3'600'000;

// One person: a key and the head of their chain.
struct Person {
  explicit Person(std::string person_name) : name(std::move(person_name)) {}
  std::string name;
  crypto::SecretKey key = crypto::SecretKey::Generate();
  std::uint64_t seq = 0;
  std::optional<EntryId> head;
};

class Neighbourhood {
 public:
  explicit Neighbourhood(const std::string& dir) {
    for (auto name : {"Director Wang", "Coordinator Li", "Gift station", "Grandma Zhao",
                      "Student Chen", "Mr. Sun", "Auntie Liu", "Little Ma"}) {
      people_.emplace(name, Person(name));
    }
    Genesis g;
    g.community = "Sunflower Community";
    g.admins.push_back(Key("Director Wang"));
    g.policy.categories = {{"care", 10}, {"medical", 12}, {"cleaning", 6}};
    g.policy.max_minutes_per_entry = 240;
    g.policy.max_minutes_per_day = 480;
    g.policy.utc_offset_minutes = 8 * 60;
    auto genesis = Sign("Director Wang", g, std::nullopt);
    network_ = genesis.id;
    auto store = Store::Create({dir}, genesis);
    if (!store) {
      std::fprintf(stderr, "demo: %s\n", store.error().message.c_str());
      std::exit(1);
    }
    store_ = std::move(*store);
  }

  const PublicKey& Key(const std::string& name) { return people_.at(name).key.public_key(); }

  // Signs and stores one act; returns its id.
  EntryId Act(const std::string& who, EntryKind kind) {
    auto entry = Sign(who, std::move(kind), network_);
    EntryId id = entry.id;
    auto results = store_->Ingest({std::move(entry)});
    if (!results || (*results)[0].outcome == AddOutcome::kInvalid) {
      std::fprintf(stderr, "demo: the ledger refused an act: %s\n",
                   results ? (*results)[0].reason.c_str() : results.error().message.c_str());
      std::exit(1);
    }
    return id;
  }

  std::string Findings(const EntryId& id) {
    std::string out;
    for (const auto& f : store_->state().FindingsFor(id)) {
      out += (out.empty() ? "" : ", ") + std::string(FindingName(f.code));
    }
    return out.empty() ? "counts" : out;
  }

  void Table() {
    std::printf("\n  %-16s %8s %8s %8s\n", "member", "minutes", "points", "spent");
    for (const auto& [name, person] : people_) {
      auto account = store_->state().Account(person.key.public_key());
      if (!account || (account->minutes == 0 && account->balance == 0 &&
                       account->spent_points == 0)) {
        continue;
      }
      std::printf("  %-16s %8llu %8llu %8llu\n", name.c_str(),
                  static_cast<unsigned long long>(account->minutes),
                  static_cast<unsigned long long>(account->balance),
                  static_cast<unsigned long long>(account->spent_points));
    }
    std::printf("\n");
  }

  Store& store() { return *store_; }

 private:
  VerifiedEntry Sign(const std::string& who, EntryKind kind, std::optional<NetworkId> network) {
    Person& p = people_.at(who);
    Entry e;
    e.author = p.key.public_key();
    e.seq = ++p.seq;
    e.prev = p.head;
    e.network = network;
    e.timestamp_ms = kMorning + p.seq;
    e.kind = std::move(kind);
    auto signed_entry = SignEntry(e, p.key);
    p.head = signed_entry.id;
    return signed_entry;
  }

  std::map<std::string, Person> people_;
  NetworkId network_;
  std::unique_ptr<Store> store_;
};

void Say(const char* text) { std::printf("%s\n", text); }

}  // namespace

int main() {
  crypto::InitCrypto();
  auto dir = std::filesystem::temp_directory_path() / ("lovebank-demo-" + std::to_string(::getpid()));
  {
    Neighbourhood n(dir.string());
    Say("== A day in the Sunflower Community ==");
    Say("Director Wang founds the community ledger: care earns 10 points an hour,");
    Say("medical help 12, cleaning 6; at most 4 hours an entry and 8 hours a day.");

    n.Act("Director Wang", RoleGrant{n.Key("Coordinator Li"), Role::kCoordinator, 0});
    n.Act("Director Wang", RoleGrant{n.Key("Gift station"), Role::kStation, 0});
    for (auto [name, grid, team] : {std::tuple{"Grandma Zhao", "Grid 3", "warm-help"},
                                    {"Student Chen", "Grid 1", "medical"},
                                    {"Mr. Sun", "Grid 3", "sanitation"},
                                    {"Auntie Liu", "Grid 2", "medical"},
                                    {"Little Ma", "Grid 1", "sanitation"}}) {
      n.Act("Director Wang", Enrol{n.Key(name), name, grid, "Building 7", {team}});
    }
    Say("She makes Li a coordinator, opens the gift station, and enrols five neighbours.");

    ServiceRecord clinic{"Blood-pressure morning at the clinic", "medical", kMorning, 180, {}};
    for (auto name : {"Student Chen", "Auntie Liu", "Mr. Sun"}) clinic.volunteers.push_back(n.Key(name));
    std::sort(clinic.volunteers.begin(), clinic.volunteers.end());
    n.Act("Coordinator Li", clinic);
    Say("Coordinator Li records three hours at the clinic for Chen, Liu and Sun.");

    auto claim = n.Act("Grandma Zhao", ServiceClaim{"Shopping for Mr. Sun", "care",
                                                   kMorning + 5 * kHour, 90, n.Key("Mr. Sun")});
    n.Act("Mr. Sun", ServiceConfirm{claim, "She carried the rice too"});
    Say("Grandma Zhao claims 90 minutes of shopping for Mr. Sun; Mr. Sun confirms it.");

    n.Act("Student Chen", Transfer{n.Key("Little Ma"), 10, "for your first gift"});
    Say("Student Chen gives 10 points to Little Ma.");

    auto rice = n.Act("Gift station", CatalogItem{"Rice, 5 kg", 30, 4});
    Say("The gift station lists rice at 30 points, four bags on the shelf.");
    auto voucher = n.Act("Auntie Liu", Redeem{rice, n.Key("Gift station"), 30, "liu-1"});
    n.Act("Gift station", Fulfil{voucher});
    Say("Auntie Liu redeems a bag of rice; the station fulfils her voucher and hands it over.");

    Say("\nTwo mistakes, and what the ledger says about them:");
    auto overdraft = n.Act("Little Ma", Redeem{rice, n.Key("Gift station"), 30, "ma-1"});
    std::printf("  Little Ma tries to redeem rice with 10 points: %s (kept, not paid out).\n",
                n.Findings(overdraft).c_str());
    auto own = n.Act("Coordinator Li", ServiceClaim{"Paperwork", "care", kMorning, 120, {}});
    auto self_confirm = n.Act("Coordinator Li", ServiceConfirm{own, ""});
    std::printf("  Coordinator Li confirms her own claim: %s.\n", n.Findings(self_confirm).c_str());

    Say("\nBalances at the end of the day:");
    n.Table();
    auto items = n.store().state().Items();
    std::printf("Rice left on the shelf: %llu bag(s).\n",
                static_cast<unsigned long long>(items.empty() ? 0 : items[0].stock));
    auto hash = n.store().state().StateHash();
    std::printf("State hash: %s\n", ToHex(hash.view()).c_str());
    auto rebuilt = n.store().Rebuild();
    bool same = rebuilt && *rebuilt == hash;
    std::printf("Rebuilt from the signed entries alone: %s.\n",
                same ? "the same state hash" : "A DIFFERENT HASH");
    if (!same) return 1;
  }
  std::filesystem::remove_all(dir);
  return 0;
}
