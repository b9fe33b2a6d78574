// Network addresses as people write them: "HOST:PORT", "[::1]:7800". Pure parsing, no
// name resolution; the port must be digits from 0 to 65535 (nothing wraps, nothing is
// read as a service name).
#pragma once

#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lovebank::net {

struct HostPort {
  std::string host;  // without IPv6 brackets
  std::uint16_t port = 0;
  std::string ToString() const;  // brackets back around an IPv6 host
};

// nullopt if `text` is not HOST:PORT with a non-empty host and a port from 0 to 65535.
std::optional<HostPort> ParseHostPort(std::string_view text);

// Like ParseHostPort, and HOST must be an IPv4 or IPv6 address (what a listener binds).
// On failure, a message for a person naming `what` ("--listen") and an example.
std::optional<HostPort> ParseListenAddress(std::string_view text, std::string_view what,
                                           std::string* problem);

// What a listener budgets connections by (base/listener_budget.h): an IPv4 address
// (an IPv4-mapped IPv6 address counts as its IPv4 one), or the /64 of an IPv6 address,
// the block one household or one machine usually holds.
std::string SourceKey(const boost::asio::ip::address& address);

}  // namespace lovebank::net
