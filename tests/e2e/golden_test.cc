// Golden output: what the wallet prints for the commands people use every day, in
// English and in Chinese, compared with reviewed files in tests/golden/{en,zh-CN}. A
// change to a message, a table or an alignment shows up here as a diff a person reads.
//
// Keys, ids and signing times differ on every run; they are masked to the same width
// (every run of 12 or more hex digits becomes x's, every local time YYYY-MM-DD hh:mm,
// every day YYYY-MM-DD),
// so that alignment is still compared. Service times are fixed in the script.
//
// After an intended change: LOVEBANK_UPDATE_GOLDEN=1 build/tests/wallet_e2e_test
// --gtest_filter='Golden*', then read the diff before committing it.
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string_view>

#include "tests/e2e/community_fixture.h"

namespace lovebank {
namespace {

bool IsHexDigit(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Whether `text` holds a day (YYYY-MM-DD) at `at`.
bool DayAt(const std::string& text, std::size_t at) {
  static constexpr std::string_view kShape = "dddd-dd-dd";
  if (at + kShape.size() > text.size()) return false;
  for (std::size_t i = 0; i < kShape.size(); ++i) {
    if (kShape[i] == 'd' ? !IsDigit(text[at + i]) : text[at + i] != kShape[i]) return false;
  }
  return true;
}

// Whether `text` holds a time of day (" hh:mm", or "Thh:mm" as in CSV) at `at`.
bool TimeAt(const std::string& text, std::size_t at) {
  return at + 6 <= text.size() && (text[at] == ' ' || text[at] == 'T') && IsDigit(text[at + 1]) &&
         IsDigit(text[at + 2]) && text[at + 3] == ':' && IsDigit(text[at + 4]) &&
         IsDigit(text[at + 5]);
}

// (Hand-written rather than std::regex, which GCC 12 with the sanitizers cannot
// compile under -Werror.)
std::string Mask(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    if (DayAt(text, i)) {
      const bool with_time = TimeAt(text, i + 10);
      out += with_time ? std::string("YYYY-MM-DD") + text[i + 10] + "hh:mm" : "YYYY-MM-DD";
      i += with_time ? 16 : 10;
      continue;
    }
    std::size_t run = 0;
    while (i + run < text.size() && IsHexDigit(text[i + run])) ++run;
    if (run >= 12) {
      out += std::string(run, 'x');
    } else {
      out += text.substr(i, run == 0 ? 1 : run);
    }
    i += run == 0 ? 1 : run;
  }
  return out;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

class Golden : public Community {
 protected:
  // Members with Chinese and Latin names, service recorded and claimed, a gift.
  void Story() {
    Member("coord", "coordinator", {"--grid", "一网格"});
    Member("station", "station");
    Member("chen", {}, {"--grid", "一网格", "--building", "3栋", "--team", "助老队"});
    Member("zhou", {}, {"--grid", "一网格", "--building", "5栋", "--team", "助老队"});
    Member("mei", {}, {"--grid", "二网格", "--team", "river"});
    // Renamed after enrolment so that Chinese names sit beside Latin ones.
    Ok("admin", {"member", "update", "chen", "--name", "陈阿姨"});
    Ok("admin", {"member", "update", "zhou", "--name", "周爷爷"});
    Ok("admin", {"member", "update", "mei", "--name", "Xiao Mei"});
    Ok("coord",
       {"service", "record", "--activity", "楼道清理", "--category", "cleaning", "--minutes", "120",
        "--volunteer", "陈阿姨", "--volunteer", "Xiao Mei", "--start", "2026-03-02T09:00"});
    Ok("coord", {"service", "record", "--activity", "Visit", "--category", "care", "--minutes",
                 "90", "--volunteer", "周爷爷", "--start", "2026-03-03T14:00"});
    Ok("chen", {"service", "claim", "--activity", "陪周爷爷买菜", "--category", "care", "--minutes",
                "45", "--start", "2026-03-05T10:00"});
    Ok("station", {"catalog", "add", "--item", "大米5公斤", "--price", "12", "--stock", "10"});
    Ok("station", {"catalog", "add", "--item", "Soap", "--price", "3", "--stock", "40"});
  }

  // Every command of the script in `lang`: what a person saw.
  using Script = std::vector<std::pair<std::string, std::vector<std::string>>>;
  std::string Transcript(const std::string& lang) {
    return Run(lang,
               {
                   {"chen", {"balance"}},
                   {"coord", {"service", "pending"}},
                   {"chen", {"history"}},
                   {"coord", {"member", "list"}},
                   {"coord", {"role", "list"}},
                   {"chen", {"catalog", "list"}},
                   {"coord", {"report", "hours", "--by", "category"}},
                   {"coord", {"report", "hours", "--by", "team"}},
                   {"coord", {"report", "leaderboard", "--period", "month", "--at", "2026-03-15"}},
                   {"chen", {"transfer", "周爷爷", "500"}},
                   {"chen", {"servce", "claim"}},
                   {"chen", {"help", "transfer"}},
               });
  }

  // The commands people use less often, and the acts: a confirmation, a restock, a
  // transfer, a statement, a reversal asked without --yes.
  std::string MoreTranscript(const std::string& lang) {
    // The pending claim's id, by the 12 digits the wallet prints.
    auto pending = Ok("coord", {"service", "pending"});
    std::string claim = Str(pending.at("claims").as_array().at(0).at("id")).substr(0, 12);
    return Run(lang, {
                         {"coord", {"member", "show", "陈阿姨"}},
                         {"coord", {"role", "list", "station"}},
                         {"admin", {"node", "list"}},
                         {"coord", {"service", "confirm", claim}},
                         {"station", {"catalog", "restock", "大米5公斤", "5"}},
                         {"chen", {"transfer", "周爷爷", "5", "--memo", "买菜钱"}},
                         {"chen", {"statement", "--month", "2026-03"}},
                         {"coord", {"report", "hours", "--by", "month"}},
                         {"chen", {"history", "--csv"}},
                         {"admin", {"reverse", claim, "--reason", "录错了"}},
                         {"coord", {"agent", "status"}},
                         {"coord", {"member", "show", "nobody-called-this"}},
                     });
  }

  std::string Run(const std::string& lang, const Script& script) {
    std::string out;
    for (const auto& [who, args] : script) {
      std::vector<std::string> argv{"--lang", lang};
      argv.insert(argv.end(), args.begin(), args.end());
      auto r = WalletWith({{"COLUMNS", "80"}}, who, argv);
      std::string command = "lovebank";
      for (const auto& a : args) command += " " + a;
      out += "$ " + command + "   (" + who + ", exit " + std::to_string(r.exit_code) + ")\n";
      out += r.out;
      if (!r.err.empty()) out += "[stderr]\n" + r.err;
      out += "\n";
    }
    return Mask(out);
  }

  void Compare(const std::string& lang, const std::string& got,
               const std::string& file = "common-commands.txt") {
    std::string path = std::string(LOVEBANK_GOLDEN_DIR) + "/" + lang + "/" + file;
    if (const char* update = std::getenv("LOVEBANK_UPDATE_GOLDEN"); update && *update) {
      std::filesystem::create_directories(std::filesystem::path(path).parent_path());
      std::ofstream(path, std::ios::binary) << got;
      return;
    }
    std::string want = ReadAll(path);
    ASSERT_FALSE(want.empty()) << path << " is missing; see the top of " << __FILE__;
    // Line by line, so that a failure names the first line that differs.
    std::istringstream a(want), b(got);
    std::string wl, gl;
    for (int line = 1;; ++line) {
      bool more_w = static_cast<bool>(std::getline(a, wl));
      bool more_g = static_cast<bool>(std::getline(b, gl));
      if (!more_w && !more_g) break;
      ASSERT_EQ(more_w ? wl : "<end>", more_g ? gl : "<end>")
          << path << " line " << line << " differs; whole output:\n"
          << got;
    }
  }
};

TEST_F(Golden, CommonCommandsInEnglish) {
  Story();
  Compare("en", Transcript("en"));
}

TEST_F(Golden, CommonCommandsInChinese) {
  Story();
  Compare("zh-CN", Transcript("zh"));
}

TEST_F(Golden, MoreCommandsInEnglish) {
  Story();
  Compare("en", MoreTranscript("en"), "more-commands.txt");
}

TEST_F(Golden, MoreCommandsInChinese) {
  Story();
  Compare("zh-CN", MoreTranscript("zh"), "more-commands.txt");
}

}  // namespace
}  // namespace lovebank
