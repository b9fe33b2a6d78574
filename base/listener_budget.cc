#include "base/listener_budget.h"

#include <utility>

namespace lovebank {

ListenerBudget::Ticket::Ticket(Ticket&& other) noexcept
    : budget_(std::exchange(other.budget_, nullptr)), source_(std::move(other.source_)) {}

ListenerBudget::Ticket& ListenerBudget::Ticket::operator=(Ticket&& other) noexcept {
  if (this != &other) {
    Release();
    budget_ = std::exchange(other.budget_, nullptr);
    source_ = std::move(other.source_);
  }
  return *this;
}

void ListenerBudget::Ticket::Release() {
  if (budget_ != nullptr) std::exchange(budget_, nullptr)->Give(source_);
}

ListenerBudget::Ticket ListenerBudget::Admit(const std::string& source, Verdict* verdict) {
  std::lock_guard lock(mutex_);
  Verdict v = Verdict::kAdmitted;
  auto it = by_source_.find(source);
  if (open_ >= options_.max_open) {
    v = Verdict::kFull;
  } else if (it != by_source_.end() && it->second >= options_.max_per_source) {
    v = Verdict::kSourceFull;
  }
  if (verdict) *verdict = v;
  if (v != Verdict::kAdmitted) {
    ++refused_;
    return Ticket();
  }
  ++open_;
  ++by_source_[source];
  return Ticket(this, source);
}

void ListenerBudget::Give(const std::string& source) {
  std::lock_guard lock(mutex_);
  --open_;
  auto it = by_source_.find(source);
  if (it != by_source_.end() && --it->second == 0) by_source_.erase(it);
}

std::size_t ListenerBudget::open() const {
  std::lock_guard lock(mutex_);
  return open_;
}

std::size_t ListenerBudget::open_from(const std::string& source) const {
  std::lock_guard lock(mutex_);
  auto it = by_source_.find(source);
  return it == by_source_.end() ? 0 : it->second;
}

std::uint64_t ListenerBudget::refused() const {
  std::lock_guard lock(mutex_);
  return refused_;
}

}  // namespace lovebank
