// The pre-authentication budget of a listener: how many connections may be open at
// once, in all and from one source address. Every listener of a node (the HTTP API,
// the peer-to-peer port before the handshake) admits a connection only with a ticket
// from one of these, and gives it back when the connection ends.
//
// A source is whatever key the caller groups connections by (net/address.h SourceKey:
// an IPv4 address, an IPv6 /64). Thread-safe: Admit() and a ticket's release may run
// on any thread. A budget must outlive its tickets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace lovebank {

struct ListenerBudgetOptions {
  std::size_t max_open = 512;        // connections open at once, all sources together
  std::size_t max_per_source = 64;   // connections open at once from one source
};

class ListenerBudget {
 public:
  enum class Verdict {
    kAdmitted,
    kFull,        // max_open connections are open
    kSourceFull,  // max_per_source connections from this source are open
  };

  // Held for as long as the connection is open; movable, releases on destruction.
  class Ticket {
   public:
    Ticket() = default;
    Ticket(Ticket&& other) noexcept;
    Ticket& operator=(Ticket&& other) noexcept;
    ~Ticket() { Release(); }
    explicit operator bool() const { return budget_ != nullptr; }
    void Release();

   private:
    friend class ListenerBudget;
    Ticket(ListenerBudget* budget, std::string source)
        : budget_(budget), source_(std::move(source)) {}
    ListenerBudget* budget_ = nullptr;
    std::string source_;
  };

  explicit ListenerBudget(ListenerBudgetOptions options) : options_(options) {}
  ListenerBudget(const ListenerBudget&) = delete;
  ListenerBudget& operator=(const ListenerBudget&) = delete;

  // A ticket when there is room for one more connection from `source`; an empty ticket
  // and the reason otherwise.
  Ticket Admit(const std::string& source, Verdict* verdict = nullptr);

  std::size_t open() const;
  std::size_t open_from(const std::string& source) const;
  std::uint64_t refused() const;  // connections refused since start, for metrics
  const ListenerBudgetOptions& options() const { return options_; }

 private:
  void Give(const std::string& source);
  const ListenerBudgetOptions options_;
  mutable std::mutex mutex_;
  std::size_t open_ = 0;
  std::uint64_t refused_ = 0;
  std::map<std::string, std::size_t> by_source_;
};

}  // namespace lovebank
