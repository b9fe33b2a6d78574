// HOST:PORT as people write it, and the source a listener budgets by.
#include "net/address.h"

#include <gtest/gtest.h>

namespace lovebank::net {
namespace {

TEST(HostPort, PortsAreDigitsUpTo65535) {
  auto ok = ParseHostPort("127.0.0.1:7800");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->host, "127.0.0.1");
  EXPECT_EQ(ok->port, 7800);
  auto v6 = ParseHostPort("[::1]:65535");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->ToString(), "[::1]:65535");
  EXPECT_TRUE(ParseHostPort("node.example:0"));
  for (const char* bad : {"127.0.0.1:abc", "127.0.0.1:70000", "127.0.0.1:65536", "127.0.0.1:",
                          ":7800", "127.0.0.1", "127.0.0.1:-1", "127.0.0.1:+80", "::1:7800",
                          "127.0.0.1:0007800", "[]:80"}) {
    EXPECT_FALSE(ParseHostPort(bad)) << bad;
  }
  std::string problem;
  EXPECT_FALSE(ParseListenAddress("localhost:7800", "--listen", &problem));
  EXPECT_NE(problem.find("not an IP address"), std::string::npos) << problem;
  EXPECT_TRUE(ParseListenAddress("0.0.0.0:7800", "--listen", &problem));
}

TEST(HostPort, SourcesGroupAnIPv6Slash64AndMappedIPv4) {
  using boost::asio::ip::make_address;
  EXPECT_EQ(SourceKey(make_address("192.168.1.20")), "192.168.1.20");
  EXPECT_EQ(SourceKey(make_address("::ffff:192.168.1.20")), "192.168.1.20");
  EXPECT_EQ(SourceKey(make_address("2001:db8:1:2:aaaa::1")),
            SourceKey(make_address("2001:db8:1:2:bbbb::9")));
  EXPECT_NE(SourceKey(make_address("2001:db8:1:2::1")), SourceKey(make_address("2001:db8:1:3::1")));
}

}  // namespace
}  // namespace lovebank::net
