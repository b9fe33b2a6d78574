#include "wallet-cli/output.h"

#include <gtest/gtest.h>

#include <sstream>

#include "base/bytes.h"
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

// ---- QR codes ---------------------------------------------------------------------

std::uint32_t Be32(const std::string& s, std::size_t at) {
  return ReadBigEndian32(std::string_view(s).substr(at, 4));
}

std::uint32_t Crc(const std::string& s) {
  std::uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : s) {
    c ^= b;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
  }
  return c ^ 0xFFFFFFFFu;
}

TEST(Qr, PngIsAWellFormedImageOfTheCode) {
  const std::string text = "lbv1:" + std::string(300, 'A');
  const std::string png = QrPng(text, 4);
  ASSERT_EQ(png.substr(0, 8), "\x89PNG\r\n\x1a\n");
  // Chunks: each with a CRC that holds; the IDAT is a zlib stream of stored blocks.
  std::size_t at = 8;
  std::uint32_t width = 0, height = 0;
  std::string idat;
  std::vector<std::string> types;
  while (at + 12 <= png.size()) {
    const std::uint32_t len = Be32(png, at);
    const std::string type = png.substr(at + 4, 4);
    const std::string data = png.substr(at + 8, len);
    EXPECT_EQ(Be32(png, at + 8 + len), Crc(type + data)) << type;
    if (type == "IHDR") {
      width = Be32(data, 0);
      height = Be32(data, 4);
      EXPECT_EQ(data[8], 8);  // 8-bit
      EXPECT_EQ(data[9], 0);  // greyscale
    }
    if (type == "IDAT") idat += data;
    types.push_back(type);
    at += 12 + len;
  }
  EXPECT_EQ(at, png.size());
  EXPECT_EQ(types, (std::vector<std::string>{"IHDR", "IDAT", "IEND"}));
  const QrSize size = QrCodeSize(text);
  const std::size_t modules = size.columns - 2 * kTerminalQuiet;
  EXPECT_EQ(width, (modules + 8) * 4);
  EXPECT_EQ(height, width);
  // Inflate the stored blocks and look at the pixels.
  std::string raw;
  std::size_t p = 2;
  for (bool last = false; !last;) {
    last = (idat[p] & 1) != 0;
    const std::size_t len =
        static_cast<unsigned char>(idat[p + 1]) |
        (static_cast<std::size_t>(static_cast<unsigned char>(idat[p + 2])) << 8);
    raw += idat.substr(p + 5, len);
    p += 5 + len;
  }
  ASSERT_EQ(raw.size(), static_cast<std::size_t>(height) * (width + 1));
  auto pixel = [&](std::size_t x, std::size_t y) {
    return static_cast<unsigned char>(raw[y * (width + 1) + 1 + x]);
  };
  EXPECT_EQ(pixel(0, 0), 0xFF);                  // the quiet zone is white
  EXPECT_EQ(pixel(16, 16), 0x00);                // the finder pattern's corner is black
  EXPECT_EQ(pixel(16 + 4, 16 + 4), 0xFF);        // and its white ring
  EXPECT_EQ(pixel(16 + 8, 16 + 8), 0x00);        // and its black centre
  EXPECT_EQ(QrPng(std::string(5000, 'x')), "");  // too much for any QR code
}

TEST(Qr, TerminalCodeHasASizeAndAPolarity) {
  const std::string text = "lbc1:hello";
  const QrSize size = QrCodeSize(text);
  const auto plain = Lines(QrCode(text, false));
  EXPECT_EQ(plain.size(), size.lines);
  for (const auto& line : plain) EXPECT_EQ(i18n::DisplayWidth(line), size.columns);
  // With colours: black on white set explicitly, and dark modules drawn as blocks, so
  // every cell is the other way round from the dark-terminal drawing.
  const auto coloured = Lines(QrCode(text, true));
  ASSERT_EQ(coloured.size(), plain.size());
  const std::string on = "\x1b[30;107m", off = "\x1b[0m";
  for (std::size_t i = 0; i < plain.size(); ++i) {
    std::string line = coloured[i];
    ASSERT_EQ(line.rfind(on, 0), 0u);
    ASSERT_EQ(line.substr(line.size() - off.size()), off);
    line = line.substr(on.size(), line.size() - on.size() - off.size());
    std::string flipped;
    for (std::size_t at = 0; at < plain[i].size();) {
      if (plain[i][at] == ' ') {
        flipped += "\u2588";
        ++at;
        continue;
      }
      const std::string cell = plain[i].substr(at, 3);
      flipped += cell == "\u2588" ? " " : cell == "\u2580" ? "\u2584" : "\u2580";
      at += 3;
    }
    EXPECT_EQ(line, flipped) << "line " << i;
  }
}

}  // namespace
}  // namespace lovebank::wallet
