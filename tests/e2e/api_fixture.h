// The fixture of the HTTP API tests: a real lovebank-node process on a loopback port,
// a real HTTP client, and helpers that send raw bytes.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "base/hex.h"
#include "crypto/secret_file.h"
#include "tests/support/process.h"
#include "tests/support/test_support.h"
#include "wallet-cli/client.h"

namespace lovebank {

class Api : public ::testing::Test {
 protected:
  void SetUp() override {
    {
      std::ofstream genesis(dir_.Sub("genesis.entry"), std::ios::binary);
      genesis << community_.genesis().envelope;
    }
    ASSERT_TRUE(crypto::WriteSecretFile(dir_.Sub("network.key"),
                                        ToHex(crypto::RandomBytes(32)) + "\n", "network key"));
    auto init = testing::RunProcess({LOVEBANK_NODE_BIN, "init", "--data", DataDir(), "--genesis",
                                     dir_.Sub("genesis.entry"), "--network-key",
                                     dir_.Sub("network.key")});
    ASSERT_EQ(init.exit_code, 0) << init.err;
    std::ofstream(DataDir() + "/node.toml") << NodeConfig();
    node_ = std::make_unique<testing::NodeProcess>(LOVEBANK_NODE_BIN, DataDir());
    ASSERT_TRUE(node_->WaitReady()) << node_->Log();
    auto client = wallet::NodeClient::Create(node_->url());
    ASSERT_TRUE(client);
    client_.emplace(std::move(*client));
  }

  // Where the node keeps its data, and its node.toml; subclasses change them.
  virtual std::string DataDir() const { return dir_.Sub("node"); }
  virtual std::string NodeConfig() const { return ""; }

  // Signs `kind` by `who` dated now.
  ledger::VerifiedEntry Sign(const std::string& who, ledger::EntryKind kind) {
    return community_.Sign(who, std::move(kind), testing::NowMs());
  }
  wallet::ApiResult<boost::json::value> Post(const ledger::VerifiedEntry& v) {
    return client_->Post("/v1/entries", boost::json::object{{"envelope", ToHex(v.envelope)}});
  }
  void PostOk(const ledger::VerifiedEntry& v) {
    auto r = Post(v);
    ASSERT_TRUE(r) << r.error().code << ": " << r.error().message;
  }
  // Sends raw bytes and returns the whole response (until the node closes or 5 s).
  std::string RawResponse(const std::string& request) {
    boost::asio::io_context io;
    boost::asio::ip::tcp::socket socket(io);
    socket.connect({boost::asio::ip::make_address("127.0.0.1"),
                    static_cast<unsigned short>(node_->port())});
    boost::system::error_code ec;
    // The node may answer and close before it has read a request it refuses.
    boost::asio::write(socket, boost::asio::buffer(request), ec);
    std::string response;
    socket.non_blocking(true);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    char buffer[4096];
    while (std::chrono::steady_clock::now() < deadline) {
      std::size_t n = socket.read_some(boost::asio::buffer(buffer), ec);
      if (ec == boost::asio::error::would_block) {
        // A whole response to a keep-alive request: stop there.
        auto end = response.find("\r\n\r\n");
        auto length = response.find("Content-Length: ");
        if (end != std::string::npos && length != std::string::npos &&
            response.size() >= end + 4 + std::stoul(response.substr(length + 16))) {
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        continue;
      }
      response.append(buffer, n);
      if (ec) break;
    }
    return response;
  }
  // The HTTP status code of the response to raw `request`.
  int RawStatus(const std::string& request) {
    std::string response = RawResponse(request);
    return response.size() > 12 ? std::atoi(response.c_str() + 9) : 0;
  }
  std::string Metrics() { return RawResponse("GET /metrics HTTP/1.0\r\n\r\n"); }

  testing::TempDir dir_;
  testing::TestCommunity community_{testing::TestPolicy()};
  std::unique_ptr<testing::NodeProcess> node_;
  std::optional<wallet::NodeClient> client_;
};

}  // namespace lovebank
