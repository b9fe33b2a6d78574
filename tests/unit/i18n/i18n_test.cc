#include "i18n/i18n.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "i18n/collate.h"
#include "i18n/width.h"

namespace lovebank::i18n {
namespace {

TEST(DisplayWidth, ChineseTakesTwoColumnsLatinOne) {
  EXPECT_EQ(DisplayWidth(""), 0U);
  EXPECT_EQ(DisplayWidth("Chen"), 4U);
  EXPECT_EQ(DisplayWidth("陈阿姨"), 6U);
  EXPECT_EQ(DisplayWidth("陈阿姨 (3栋)"), 12U);
  // Fullwidth punctuation is wide; a combining accent takes no column of its own.
  EXPECT_EQ(DisplayWidth("（3 栋）"), 8U);
  EXPECT_EQ(DisplayWidth("e\xCC\x81"), 1U);
  // Bytes that are not UTF-8 count one column each rather than vanishing.
  EXPECT_EQ(DisplayWidth("\xFF\xFE"), 2U);
}

TEST(DisplayWidth, TruncateNeverSplitsACharacter) {
  EXPECT_EQ(Truncate("陈阿姨", 6), "陈阿姨");
  EXPECT_EQ(Truncate("陈阿姨", 5), "陈阿…");
  // 4 columns: one wide character and the ellipsis; a second wide one would make 5.
  EXPECT_EQ(Truncate("陈阿姨", 4), "陈…");
  EXPECT_EQ(Truncate("Volunteer", 5), "Volu…");
  EXPECT_EQ(Truncate("abc", 0), "");
  for (std::size_t c = 1; c <= 8; ++c) EXPECT_LE(DisplayWidth(Truncate("张三丰Zhang", c)), c);
}

TEST(DisplayWidth, PadByColumns) {
  EXPECT_EQ(Pad("陈", 4), "陈  ");
  EXPECT_EQ(Pad("7", 3, true), "  7");
  EXPECT_EQ(Pad("陈阿姨", 4), "陈阿姨");
}

TEST(Lang, ParsesPosixLocalesAndBcp47Tags) {
  EXPECT_EQ(ParseLang("zh"), Lang::kZh);
  EXPECT_EQ(ParseLang("zh-CN"), Lang::kZh);
  EXPECT_EQ(ParseLang("zh_CN.UTF-8"), Lang::kZh);
  EXPECT_EQ(ParseLang("en_US.UTF-8"), Lang::kEn);
  EXPECT_EQ(ParseLang("C"), Lang::kEn);
  EXPECT_EQ(ParseLang("POSIX"), Lang::kEn);
  EXPECT_EQ(ParseLang("fr_FR.UTF-8"), std::nullopt);
  EXPECT_EQ(ParseLang(""), std::nullopt);
}

TEST(Lang, AcceptLanguageByQuality) {
  EXPECT_EQ(FromAcceptLanguage("zh-CN,zh;q=0.9,en;q=0.8", Lang::kEn), Lang::kZh);
  EXPECT_EQ(FromAcceptLanguage("en;q=0.5, zh;q=0.9", Lang::kEn), Lang::kZh);
  EXPECT_EQ(FromAcceptLanguage("zh;q=0.2, en", Lang::kZh), Lang::kEn);
  EXPECT_EQ(FromAcceptLanguage("fr, de", Lang::kZh), Lang::kZh);
  EXPECT_EQ(FromAcceptLanguage("", Lang::kEn), Lang::kEn);
  // q=0 means "not this one".
  EXPECT_EQ(FromAcceptLanguage("zh;q=0, en;q=0.1", Lang::kZh), Lang::kEn);
  EXPECT_EQ(Tag(Lang::kZh), "zh-CN");
  EXPECT_EQ(Tag(Lang::kEn), "en");
}

TEST(Lang, EnvironmentFollowsPosixPrecedence) {
  ::setenv("LANG", "zh_CN.UTF-8", 1);
  ::unsetenv("LC_ALL");
  ::unsetenv("LC_MESSAGES");
  EXPECT_EQ(FromEnvironment(), Lang::kZh);
  ::setenv("LC_MESSAGES", "en_GB.UTF-8", 1);
  EXPECT_EQ(FromEnvironment(), Lang::kEn);
  ::setenv("LC_ALL", "zh_CN.UTF-8", 1);
  EXPECT_EQ(FromEnvironment(), Lang::kZh);
  ::unsetenv("LC_ALL");
  ::unsetenv("LC_MESSAGES");
  ::unsetenv("LANG");
  EXPECT_EQ(FromEnvironment(), Lang::kEn);
}

TEST(Catalogue, TranslatesFromTheEmbeddedCatalogue) {
  // A message the catalogue holds, in both languages.
  EXPECT_EQ(Tr(Lang::kEn, "{} min"), "{} min");
  EXPECT_EQ(TrF(Lang::kZh, "{} min", 45), "45 分钟");
  // A message it lacks comes back as written.
  EXPECT_EQ(Tr(Lang::kZh, "no such message in the catalogue"), "no such message in the catalogue");
}

TEST(NameLess, ChineseByPinyinThenLatinAlphabetically) {
  // chén, lǐ, wáng, zhōu by pinyin; the strokes or the code points would give another
  // order (王 U+738B < 陈 U+9648 < 周 U+5468 is not even sorted by code point).
  std::vector<std::string> names{"周爷爷", "王建国", "Xiao Mei", "陈阿姨", "李伟", "anna"};
  std::sort(names.begin(), names.end(), NameLess);
  EXPECT_EQ(names,
            (std::vector<std::string>{"陈阿姨", "李伟", "王建国", "周爷爷", "anna", "Xiao Mei"}));
  // A strict weak order: nothing is less than itself, and equal text under the collator
  // still has an order.
  EXPECT_FALSE(NameLess("陈阿姨", "陈阿姨"));
  EXPECT_NE(NameLess("a", "A"), NameLess("A", "a"));
}

}  // namespace
}  // namespace lovebank::i18n
