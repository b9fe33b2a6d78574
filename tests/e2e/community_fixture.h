// The e2e fixture shared by the wallet and audit tests: a founded community with one
// running node, and helpers that run the real `lovebank` wallet against it.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/process.h"
#include "tests/support/test_support.h"

namespace lovebank {

namespace json = boost::json;
using testing::NodeProcess;
using testing::ProcessResult;
using testing::RunProcess;

inline constexpr char kPassphrase[] = "e2e-passphrase";

inline json::value Json(const ProcessResult& r) {
  json::error_code ec;
  auto v = json::parse(r.out, ec);
  EXPECT_FALSE(ec) << "not JSON: " << r.out << r.err;
  return v;
}
inline std::uint64_t U64(const json::value& v) { return v.to_number<std::uint64_t>(); }
inline std::int64_t I64(const json::value& v) { return v.to_number<std::int64_t>(); }
inline std::string Str(const json::value& v) { return std::string(v.as_string()); }

class Community : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(Wallet("admin", {"key", "new"}).exit_code == 0);
    auto found = Wallet("admin", {"--json", "community", "found", "--name", "Test Street",
                                  "--category", "care=10", "--category", "cleaning=6",
                                  "--max-minutes-per-entry", "240",
                                  // The tests' services happen on fixed days of 2026.
                                  "--service-window-days", "3000", "--out", dir_.Sub("community")});
    ASSERT_EQ(found.exit_code, 0) << found.err;
    network_ = Str(Json(found).at("network"));
    node_ = StartNode("office");
    ASSERT_TRUE(node_);
  }

  std::unique_ptr<NodeProcess> StartNode(const std::string& name,
                                         std::vector<std::string> extra = {}) {
    std::string data = dir_.Sub(name);
    if (!std::filesystem::exists(data)) {
      auto init = RunProcess({LOVEBANK_NODE_BIN, "init", "--data", data, "--genesis",
                              dir_.Sub("community/genesis.entry"), "--network-key",
                              dir_.Sub("community/network.key")});
      EXPECT_EQ(init.exit_code, 0) << init.err;
      node_keys_[name] = init.out.substr(0, 64);
    }
    auto node = std::make_unique<NodeProcess>(LOVEBANK_NODE_BIN, data, extra);
    if (!node->WaitReady()) {
      ADD_FAILURE() << "node did not start: " << node->Log();
      return nullptr;
    }
    return node;
  }

  ProcessResult Wallet(const std::string& who, std::vector<std::string> args,
                       const std::string& node_url = {}) {
    return WalletWith({}, who, std::move(args), node_url);
  }
  // The same with `env` set. Without it the wallet speaks English whatever the machine
  // running the tests is set to (LANG=C, LC_ALL and LC_MESSAGES empty).
  ProcessResult WalletWith(std::map<std::string, std::string> env, const std::string& who,
                           std::vector<std::string> args, const std::string& node_url = {}) {
    std::vector<std::string> argv{LOVEBANK_WALLET_BIN, "--keystore", dir_.Sub("keys/" + who),
                                  "--node", node_url.empty() ? Url() : node_url};
    argv.insert(argv.end(), args.begin(), args.end());
    env.insert({{"LOVEBANK_PASSPHRASE", kPassphrase},
                {"LANG", "C"},
                {"LC_ALL", ""},
                {"LC_MESSAGES", ""},
                {"COLUMNS", ""}});
    return RunProcess(argv, env);
  }
  std::string Url() const { return node_ ? node_->url() : "http://127.0.0.1:1"; }

  // Runs a command that must succeed and returns its --json output.
  json::value Ok(const std::string& who, std::vector<std::string> args) {
    args.insert(args.begin(), "--json");
    auto r = Wallet(who, args);
    EXPECT_EQ(r.exit_code, 0) << who << ": " << r.err << r.out;
    return Json(r);
  }
  // Runs a command that must fail with `exit_code`; returns its stderr.
  std::string Refused(int exit_code, const std::string& who, std::vector<std::string> args) {
    auto r = Wallet(who, args);
    EXPECT_EQ(r.exit_code, exit_code) << who << ": " << r.err << r.out;
    return r.err;
  }

  std::string Key(const std::string& who) {
    if (!std::filesystem::exists(dir_.Sub("keys/" + who))) {
      EXPECT_EQ(Wallet(who, {"key", "new"}).exit_code, 0);
    }
    auto r = Wallet(who, {"key", "show"});
    return r.out.substr(0, 64);
  }

  // Enrols `who` (creating their key) and grants them `role` if given.
  std::string Member(const std::string& who, const std::string& role = {},
                     std::vector<std::string> profile = {}) {
    std::string key = Key(who);
    std::vector<std::string> args{"member", "enrol", key, "--name", who};
    args.insert(args.end(), profile.begin(), profile.end());
    Ok("admin", args);
    if (!role.empty()) Ok("admin", {"role", "grant", key, role});
    return key;
  }

  json::value Account(const std::string& who) { return Ok(who, {"balance"}); }

  testing::TempDir dir_;
  std::string network_;
  std::map<std::string, std::string> node_keys_;
  std::unique_ptr<NodeProcess> node_;
};

}  // namespace lovebank
