// The wall clock and the way a moment is shown to people: the few time helpers every
// program shares. Ledger rules never read a clock (DESIGN.md); programs do.
#pragma once

#include <cstdint>
#include <string>

namespace lovebank {

// Milliseconds since 1970-01-01T00:00Z, the unit of every timestamp on the ledger.
std::uint64_t NowMs();

// "2026-12-01 14:00": `ms` in a community's local time (UTC plus `utc_offset_minutes`).
std::string LocalTime(std::uint64_t ms, std::int32_t utc_offset_minutes);

}  // namespace lovebank
