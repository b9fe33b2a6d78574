#include "net/address.h"

#include <charconv>

namespace lovebank::net {

std::string HostPort::ToString() const {
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::optional<HostPort> ParseHostPort(std::string_view text) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) {
    return std::nullopt;
  }
  std::string_view host = text.substr(0, colon);
  std::string_view digits = text.substr(colon + 1);
  if (digits.size() > 5) return std::nullopt;
  unsigned port = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (ec != std::errc() || end != digits.data() + digits.size() || port > 65535) {
    return std::nullopt;
  }
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return std::nullopt;  // an IPv6 host needs its brackets: "[::1]:7800"
  }
  if (host.empty()) return std::nullopt;
  return HostPort{std::string(host), static_cast<std::uint16_t>(port)};
}

std::optional<HostPort> ParseListenAddress(std::string_view text, std::string_view what,
                                           std::string* problem) {
  auto parsed = ParseHostPort(text);
  if (!parsed) {
    if (problem) {
      *problem = std::string(what) + " must be HOST:PORT with a port from 0 to 65535, e.g. "
                 "127.0.0.1:7800 or [::1]:7800 (got '" + std::string(text) + "')";
    }
    return std::nullopt;
  }
  boost::system::error_code ec;
  boost::asio::ip::make_address(parsed->host, ec);
  if (ec) {
    if (problem) {
      *problem = std::string(what) + ": '" + parsed->host +
                 "' is not an IP address; listen on one of this computer's addresses, e.g. "
                 "0.0.0.0 for all of them or 127.0.0.1 for this computer only";
    }
    return std::nullopt;
  }
  return parsed;
}

std::string SourceKey(const boost::asio::ip::address& address) {
  if (address.is_v4()) return address.to_string();
  auto v6 = address.to_v6();
  if (v6.is_v4_mapped()) return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6).to_string();
  auto bytes = v6.to_bytes();
  for (std::size_t i = 8; i < bytes.size(); ++i) bytes[i] = 0;
  return boost::asio::ip::address_v6(bytes).to_string() + "/64";
}

}  // namespace lovebank::net
