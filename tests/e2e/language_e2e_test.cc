// The wallet in Chinese and in English, through the real binary and a real node: the
// language chosen by LANG, LC_ALL and --lang; refusals in Chinese that keep the node's
// facts; tables aligned by display width and fitted to an 80-column terminal; colour
// only on a terminal and never with NO_COLOR.
#include <sstream>

#include "base/clock.h"
#include "i18n/width.h"
#include "tests/e2e/community_fixture.h"

namespace lovebank {
namespace {

const std::map<std::string, std::string> kChinese{{"LANG", "zh_CN.UTF-8"}};

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST_F(Community, SpeaksChineseByLangAndByFlag) {
  Member("coord", "coordinator");
  Member("LiWei");
  auto zh = WalletWith(kChinese, "LiWei", {"balance"});
  ASSERT_EQ(zh.exit_code, 0) << zh.err;
  EXPECT_NE(zh.out.find("积分"), std::string::npos) << zh.out;
  EXPECT_NE(zh.out.find("0 分钟"), std::string::npos) << zh.out;
  EXPECT_EQ(zh.out.find("points"), std::string::npos) << zh.out;
  // --lang wins over the environment, both ways.
  auto en = WalletWith(kChinese, "LiWei", {"--lang", "en", "balance"});
  EXPECT_NE(en.out.find("points"), std::string::npos) << en.out;
  EXPECT_EQ(en.out.find("积分"), std::string::npos) << en.out;
  EXPECT_NE(Wallet("LiWei", {"balance", "--lang=zh-CN"}).out.find("积分"), std::string::npos);
  // LC_ALL over LANG, as POSIX orders them; LC_MESSAGES over LANG.
  EXPECT_NE(WalletWith({{"LANG", "en_US.UTF-8"}, {"LC_ALL", "zh_CN.UTF-8"}}, "LiWei", {"balance"})
                .out.find("积分"),
            std::string::npos);
  EXPECT_NE(
      WalletWith({{"LANG", "zh_CN.UTF-8"}, {"LC_MESSAGES", "en_GB.UTF-8"}}, "LiWei", {"balance"})
          .out.find("points"),
      std::string::npos);
  // Help, and what a claim says, in Chinese.
  auto help = WalletWith(kChinese, "LiWei", {"help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("用法: lovebank [选项] 命令"), std::string::npos) << help.out;
  EXPECT_NE(help.out.find("把积分转给另一名成员"), std::string::npos) << help.out;
  auto claim = WalletWith(kChinese, "LiWei",
                          {"service", "claim", "--activity", "陪周爷爷买菜", "--category", "care",
                           "--minutes", "90", "--start", "2026-11-20T10:00"});
  ASSERT_EQ(claim.exit_code, 0) << claim.err;
  EXPECT_NE(claim.out.find("已申报 1 小时 30 分钟 的“陪周爷爷买菜”"), std::string::npos)
      << claim.out;
  auto pending = WalletWith(kChinese, "coord", {"service", "pending"});
  EXPECT_NE(pending.out.find("申报人"), std::string::npos) << pending.out;
  EXPECT_NE(pending.out.find("1 小时 30 分钟"), std::string::npos) << pending.out;
  // Roles are words for people, codes for scripts.
  EXPECT_NE(WalletWith(kChinese, "LiWei", {"role", "list"}).out.find("协调员"), std::string::npos);
  auto roles = Ok("LiWei", {"role", "list"});
  EXPECT_NE(json::serialize(roles).find("\"coordinator\""), std::string::npos);
}

TEST_F(Community, RefusalsInChineseKeepTheNodesFacts) {
  Member("LiWei");
  Member("Nana");
  auto refused = WalletWith(kChinese, "LiWei", {"transfer", "Nana", "5"});
  EXPECT_EQ(refused.exit_code, 5) << refused.err;
  // The node words its refusal in the wallet's language (Accept-Language), with its
  // numbers and the next step, and says so (Content-Language): no English is left.
  EXPECT_NE(refused.err.find("积分不足：可用 0，需要 5"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("未保存任何内容"), std::string::npos) << refused.err;
  EXPECT_EQ(refused.err.find("available"), std::string::npos) << refused.err;
  // Codes stay English for scripts; the message follows the language.
  auto as_json = WalletWith(kChinese, "LiWei", {"--json", "transfer", "Nana", "5"});
  auto error = Json(as_json);
  EXPECT_EQ(Str(error.at("error")), "insufficient_points");
  EXPECT_NE(Str(error.at("message")).find("积分不足"), std::string::npos);
  // Argument errors too, and a typo is named with what was meant.
  auto fraction = WalletWith(kChinese, "LiWei", {"transfer", "Nana", "2.5"});
  EXPECT_EQ(fraction.exit_code, 2);
  EXPECT_NE(fraction.err.find("须是整数"), std::string::npos) << fraction.err;
  auto typo = WalletWith(kChinese, "LiWei", {"transfr"});
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_NE(typo.err.find("您是不是想用 `lovebank transfer`"), std::string::npos) << typo.err;
  // In English the node's sentence is the message itself.
  auto english = Wallet("LiWei", {"transfer", "Nana", "5"});
  EXPECT_NE(english.err.find("insufficient points: 0 available, 5 needed"), std::string::npos)
      << english.err;
  // A refusal that names the entry it conflicts with names it in Chinese too.
  Member("coord", "coordinator");
  std::string start = LocalTime(NowMs() - 24 * 3'600'000ULL, 0);
  start[10] = 'T';
  const std::vector<std::string> record{"service",     "record",     "--activity", "陪周爷爷买菜",
                                        "--category",  "care",       "--minutes",  "60",
                                        "--volunteer", Key("LiWei"), "--start",    start};
  ASSERT_EQ(WalletWith(kChinese, "coord", record).exit_code, 0);
  // The same afternoon recorded twice is "already there", not an overlap.
  auto again = WalletWith(kChinese, "coord", record);
  EXPECT_NE(again.exit_code, 0);
  EXPECT_NE(again.err.find("这次服务已经记在账本上"), std::string::npos) << again.err;
  EXPECT_NE(again.err.find("服务记录"), std::string::npos) << again.err;
  EXPECT_NE(again.err.find("起 60 分钟"), std::string::npos) << again.err;
  EXPECT_EQ(again.err.find("already"), std::string::npos) << again.err;
  auto again_json = Json(WalletWith(kChinese, "coord", [&] {
    auto args = record;
    args.insert(args.begin(), "--json");
    return args;
  }()));
  EXPECT_EQ(Str(again_json.at("error")), "no_effect");
  // Half an hour later, for an hour, is another service that overlaps it.
  std::string later = LocalTime(NowMs() - 24 * 3'600'000ULL + 30 * 60'000ULL, 0);
  later[10] = 'T';
  auto shifted = record;
  shifted.back() = later;
  auto overlap = WalletWith(kChinese, "coord", shifted);
  EXPECT_NE(overlap.exit_code, 0);
  EXPECT_NE(overlap.err.find("重叠"), std::string::npos) << overlap.err;
  EXPECT_NE(overlap.err.find("服务记录"), std::string::npos) << overlap.err;
  EXPECT_EQ(overlap.err.find("overlaps"), std::string::npos) << overlap.err;
  EXPECT_EQ(overlap.err.find("已经记在账本上"), std::string::npos) << overlap.err;
  // The same afternoon with Nana added is not "already there": her part is new.
  auto with_nana = record;
  with_nana.insert(with_nana.end(), {"--volunteer", Key("Nana")});
  auto added = Wallet("coord", with_nana);
  EXPECT_NE(added.exit_code, 0);
  // Which of the two records wins the overlap is the tie-break by id: the refusal
  // says it overlaps, or that it would take the first one's credit by overlapping.
  EXPECT_NE(added.err.find("overlap"), std::string::npos) << added.err;
  EXPECT_EQ(added.err.find("already on the ledger"), std::string::npos) << added.err;
  // In English too, and nothing of either was stored.
  auto twice = Wallet("coord", record);
  EXPECT_NE(twice.err.find("this service is already on the ledger as service record"),
            std::string::npos)
      << twice.err;
  EXPECT_EQ(U64(Account("LiWei").at("minutes")), 60u);
}

TEST_F(Community, TablesAlignByDisplayWidthAndFitEightyColumns) {
  const std::vector<std::pair<std::string, std::string>> people{
      {"陈阿姨", "3栋"},
      {"Li Wei", "Building 12, east gate"},
      {"欧阳娜娜Nana", "十二号楼东门旁边的老年活动中心"},
      {"王建国（红色小管家，第四网格）", "4"}};
  std::vector<std::string> keys;
  for (const auto& [name, building] : people) {
    keys.push_back(Member(name, {}, {"--building", building}));
  }
  for (const auto& env : {kChinese, std::map<std::string, std::string>{{"LANG", "C"}}}) {
    auto with = env;
    with["COLUMNS"] = "80";
    auto listed = WalletWith(with, "admin", {"member", "list"});
    ASSERT_EQ(listed.exit_code, 0) << listed.err;
    const auto lines = Lines(listed.out);
    ASSERT_GE(lines.size(), people.size() + 2) << listed.out;
    std::optional<std::size_t> key_column;
    for (const auto& line : lines) {
      EXPECT_LE(i18n::DisplayWidth(line), 80U) << line;
      for (const auto& key : keys) {
        const auto at = line.find(key.substr(0, 12));
        if (at == std::string::npos) continue;
        // Every short key starts at the same terminal column, whatever the names' bytes.
        const std::size_t column = i18n::DisplayWidth(line.substr(0, at));
        if (!key_column) key_column = column;
        EXPECT_EQ(column, *key_column) << listed.out;
      }
    }
    EXPECT_TRUE(key_column.has_value()) << listed.out;
    // The long name was cut to fit, and says so.
    EXPECT_NE(listed.out.find("\u2026"), std::string::npos) << listed.out;
  }
  // Into a file nothing is cut: every name whole.
  auto whole = Wallet("admin", {"member", "list"});
  for (const auto& [name, building] : people) {
    EXPECT_NE(whole.out.find(name), std::string::npos) << whole.out;
  }
}

TEST_F(Community, ErrorsInColourOnlyOnATerminalAndNeverWithNoColor) {
  Member("LiWei");
  Member("Nana");
  const std::string line = std::string(LOVEBANK_WALLET_BIN) + " --keystore " +
                           dir_.Sub("keys/LiWei") + " --node " + Url() + " transfer Nana 5";
  auto at_terminal = [&](std::map<std::string, std::string> env) {
    env["LOVEBANK_PASSPHRASE"] = kPassphrase;
    env.insert({"NO_COLOR", ""});
    return RunProcess({"/usr/bin/script", "-qec", line, "/dev/null"}, env, "", 30);
  };
  auto coloured = at_terminal({});
  EXPECT_EQ(coloured.exit_code, 5) << coloured.out;
  EXPECT_NE(coloured.out.find("\033[1;31mlovebank: "), std::string::npos) << coloured.out;
  auto plain = at_terminal({{"NO_COLOR", "1"}});
  EXPECT_EQ(plain.exit_code, 5) << plain.out;
  EXPECT_NE(plain.out.find("lovebank: "), std::string::npos) << plain.out;
  EXPECT_EQ(plain.out.find('\033'), std::string::npos) << plain.out;
  // Not a terminal: no colour either.
  auto piped = Wallet("LiWei", {"transfer", "Nana", "5"});
  EXPECT_EQ(piped.err.find('\033'), std::string::npos) << piped.err;
}

// The node speaks the same languages: its --help and its messages to the operator.
TEST_F(Community, TheNodeSpeaksChineseToo) {
  auto help = RunProcess({LOVEBANK_NODE_BIN, "--help"}, {{"LANG", "zh_CN.UTF-8"}, {"LC_ALL", ""}});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("运行节点，直到收到 SIGINT 或 SIGTERM"), std::string::npos) << help.out;
  EXPECT_NE(help.out.find("用法: lovebank-node [选项] 命令"), std::string::npos) << help.out;
  auto english = RunProcess({LOVEBANK_NODE_BIN, "--lang", "en", "--help"},
                            {{"LANG", "zh_CN.UTF-8"}, {"LC_ALL", ""}});
  EXPECT_NE(english.out.find("run the node until SIGINT or SIGTERM"), std::string::npos);
  auto typo = RunProcess({LOVEBANK_NODE_BIN, "rn"}, {{"LANG", "zh_CN.UTF-8"}, {"LC_ALL", ""}});
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_NE(typo.err.find("您是不是想用 `lovebank-node run`"), std::string::npos) << typo.err;
  auto twice = RunProcess(
      {LOVEBANK_NODE_BIN, "init", "--data", dir_.Sub("office"), "--genesis",
       dir_.Sub("community/genesis.entry"), "--network-key", dir_.Sub("community/network.key")},
      {{"LANG", "zh_CN.UTF-8"}, {"LC_ALL", ""}});
  EXPECT_EQ(twice.exit_code, 1);
  EXPECT_NE(twice.err.find("里已经有一个节点；请换一个 --data 目录"), std::string::npos)
      << twice.err;
}

// A community founded with its zone's name: the offset comes from the tz database, the
// genesis carries the name, and times are labelled by it in the person's language.
// Names that do not exist, zones with summer time and a disagreeing offset are usage
// errors before anything is signed.
TEST_F(Community, TimesCarryTheCommunitysNamedZone) {
  auto found = [&](std::vector<std::string> extra, const std::string& out) {
    std::vector<std::string> args{"--json",     "community", "found", "--name",     "东湖社区",
                                  "--category", "care=10",   "--out", dir_.Sub(out)};
    args.insert(args.end(), extra.begin(), extra.end());
    return Wallet("admin", args);
  };
  EXPECT_EQ(found({"--time-zone", "Asia/Shanghia"}, "typo").exit_code, 2);
  auto dst = found({"--time-zone", "Europe/Berlin"}, "berlin");
  EXPECT_EQ(dst.exit_code, 2);
  EXPECT_NE(dst.err.find("summer time"), std::string::npos) << dst.err;
  EXPECT_EQ(found({"--time-zone", "Asia/Shanghai", "--utc-offset-minutes", "0"}, "both").exit_code,
            2);
  EXPECT_FALSE(std::filesystem::exists(dir_.Sub("typo/genesis.entry")));
  // "PRC" is an old alias: the genesis records the canonical name.
  auto ok = found({"--time-zone", "PRC", "--utc-offset-minutes", "480"}, "donghu");
  ASSERT_EQ(ok.exit_code, 0) << ok.err;

  std::string data = dir_.Sub("donghu-node");
  auto init = RunProcess({LOVEBANK_NODE_BIN, "init", "--data", data, "--genesis",
                          dir_.Sub("donghu/genesis.entry"), "--network-key",
                          dir_.Sub("donghu/network.key")});
  ASSERT_EQ(init.exit_code, 0) << init.err;
  NodeProcess node(LOVEBANK_NODE_BIN, data);
  ASSERT_TRUE(node.WaitReady()) << node.Log();
  auto status = Wallet("admin", {"--json", "status"}, node.url());
  ASSERT_EQ(status.exit_code, 0) << status.err;
  const json::value answer = Json(status);
  const auto& policy = answer.at("policy");
  EXPECT_EQ(Str(policy.at("time_zone")), "Asia/Shanghai");
  EXPECT_EQ(I64(policy.at("utc_offset_minutes")), 480);
  EXPECT_NE(Wallet("admin", {"--lang", "en", "status"}, node.url())
                .out.find("China Standard Time (UTC+08:00)"),
            std::string::npos);
  auto zh = Wallet("admin", {"--lang", "zh-CN", "history"}, node.url());
  EXPECT_NE(zh.out.find("时间均为中国标准时间 (UTC+08:00)。"), std::string::npos) << zh.out;
  // A community founded without a name shows its offset alone.
  EXPECT_NE(Wallet("admin", {"history"}).out.find("Times are UTC+00:00."), std::string::npos);
}

}  // namespace
}  // namespace lovebank
