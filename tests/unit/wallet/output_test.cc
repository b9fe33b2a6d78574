#include "wallet-cli/output.h"

#include <gtest/gtest.h>

#include <sstream>

#include "i18n/i18n.h"
#include "i18n/width.h"

namespace lovebank::wallet {
namespace {

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The display column at which `cell` starts in `line`.
std::size_t ColumnOf(const std::string& line, const std::string& cell) {
  const auto at = line.find(cell);
  EXPECT_NE(at, std::string::npos) << cell << " not in: " << line;
  return i18n::DisplayWidth(line.substr(0, at));
}

TEST(Table, AlignsMixedChineseAndLatinNamesByDisplayWidth) {
  Table table({"Name", "Building", "Points"});
  table.Add({"陈阿姨", "3栋", "40"});
  table.Add({"Li Wei", "Building 12", "5"});
  table.Add({"欧阳Nana", "十二号楼", "1200"});
  const auto lines = Lines(table.Render(0));
  ASSERT_EQ(lines.size(), 5U);
  // Every second column starts at the same terminal column, whatever the names' bytes.
  const std::size_t building = ColumnOf(lines[0], "Building");
  EXPECT_EQ(ColumnOf(lines[2], "3栋"), building);
  EXPECT_EQ(ColumnOf(lines[3], "Building 12"), building);
  EXPECT_EQ(ColumnOf(lines[4], "十二号楼"), building);
  // Numbers are right-aligned: every row ends at the same column.
  EXPECT_EQ(i18n::DisplayWidth(lines[2]), i18n::DisplayWidth(lines[4]));
  EXPECT_EQ(i18n::DisplayWidth(lines[3]), i18n::DisplayWidth(lines[4]));
}

TEST(Table, FitsAnEightyColumnTerminal) {
  Table table({"Volunteer", "Activity", "Minutes", "Confirmed by"});
  table.Add({"陈阿姨（3 栋 2 单元 401 室，独居老人，需要每周上门）",
             "楼道杂物清理以及垃圾分类宣传和协助老人搬运重物上楼", "120",
             "红色小管家 王建国 (community office, grid 4)"});
  table.Add({"Zhang Wei", "reading to children at the library", "45", "李"});
  const auto text = table.Render(80);
  for (const auto& line : Lines(text)) EXPECT_LE(i18n::DisplayWidth(line), 80U) << line;
  // What was cut says so, and the numbers are whole.
  EXPECT_NE(text.find("\u2026"), std::string::npos);
  EXPECT_NE(text.find("120"), std::string::npos);
  // Without a limit nothing is cut (files keep every character).
  EXPECT_EQ(table.Render(0).find("\u2026"), std::string::npos);
}

TEST(Table, NeverCutsNumbersOrIds) {
  Table table({"name", "points", "key"});
  table.Add({"王建国（红色小管家，第四网格）", "1200", "08900f12af85"});
  const auto text = table.Render(30);
  EXPECT_NE(text.find("08900f12af85"), std::string::npos) << text;
  EXPECT_NE(text.find("1200"), std::string::npos) << text;
  EXPECT_NE(text.find("王建国"), std::string::npos) << text;
  EXPECT_EQ(text.find("第四网格"), std::string::npos) << text;
}

TEST(Table, NeverCutsDaysOrTimes) {
  Table table({"claimed", "what", "when"});
  table.Add({"2026-12-06", "陪周爷爷买菜以及帮忙打扫厨房和阳台", "2026-03-05 10:00"});
  const auto text = table.Render(44);
  EXPECT_NE(text.find("2026-12-06"), std::string::npos) << text;
  EXPECT_NE(text.find("2026-03-05 10:00"), std::string::npos) << text;
  EXPECT_NE(text.find("\u2026"), std::string::npos) << text;  // the activity was cut
  for (const auto& line : Lines(text)) EXPECT_LE(i18n::DisplayWidth(line), 44U) << line;
}

TEST(Table, LeavesOutAnEmptyColumnBeforeCuttingText) {
  Table table({"by", "what", "helped", "claim"});
  table.Add({"陈阿姨", "陪周爷爷买菜", "", "08900f12af85"});
  // 6 + 12 + 6 + 12 and three gaps: 42 columns; without "helped" 34.
  EXPECT_NE(table.Render(0).find("helped"), std::string::npos);
  const auto text = table.Render(36);
  EXPECT_EQ(text.find("helped"), std::string::npos) << text;
  EXPECT_EQ(text.find("\u2026"), std::string::npos) << text;  // nothing needed cutting
  EXPECT_NE(text.find("陪周爷爷买菜  08900f12af85"), std::string::npos) << text;
  // A column with something in it stays, cut if it must be.
  table.Add({"Li", "x", "周爷爷", "08900f12af86"});
  EXPECT_NE(table.Render(36).find("helped"), std::string::npos);
}

TEST(Table, CsvBomAndFormulaGuard) {
  Table table({"name", "points"});
  table.Add({"=HYPERLINK(\"x\")", "-5"});
  const auto csv = table.Csv(true);
  EXPECT_EQ(csv.rfind("\xEF\xBB\xBF", 0), 0U);
  EXPECT_NE(csv.find("\"'=HYPERLINK(\"\"x\"\")\",-5"), std::string::npos);
  EXPECT_EQ(table.Csv(false).rfind("name,points", 0), 0U);
}

TEST(Hours, InTheProcessLanguage) {
  i18n::SetProcessLang(i18n::Lang::kEn);
  EXPECT_EQ(Hours(45), "45 min");
  EXPECT_EQ(Hours(150), "2 h 30 min");
  i18n::SetProcessLang(i18n::Lang::kZh);
  EXPECT_EQ(Hours(150), "2 小时 30 分钟");
  EXPECT_EQ(Hours(120), "2 小时");
  i18n::SetProcessLang(i18n::Lang::kEn);
}

}  // namespace
}  // namespace lovebank::wallet
