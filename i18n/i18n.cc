#include "i18n/i18n.h"

#include <algorithm>
#include <atomic>
#include <boost/locale/gnu_gettext.hpp>
#include <boost/locale/message.hpp>
#include <cctype>
#include <cstdlib>
#include <locale>
#include <vector>

// The compiled zh_CN catalogue (i18n/po/zh_CN.po through msgfmt; embed.cmake).
extern const unsigned char kLovebankZhCnMo[];
extern const std::size_t kLovebankZhCnMoSize;

namespace lovebank::i18n {
namespace {

std::atomic<Lang> g_process_lang{Lang::kEn};

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// A std::locale whose messages facet reads the embedded catalogue: built once, shared
// read-only by every thread (Boost's gettext facet does not change after loading).
const std::locale& ChineseLocale() {
  static const std::locale loc = [] {
    namespace gg = boost::locale::gnu_gettext;
    gg::messages_info info;
    info.language = "zh";
    info.country = "CN";
    info.encoding = "UTF-8";
    info.domains.emplace_back("lovebank");
    info.paths.emplace_back("embedded");
    info.callback = [](const std::string& file, const std::string&) -> std::vector<char> {
      if (file != "embedded/zh_CN/LC_MESSAGES/lovebank.mo") return {};
      const auto* begin = reinterpret_cast<const char*>(kLovebankZhCnMo);
      return {begin, begin + kLovebankZhCnMoSize};
    };
    return std::locale(std::locale::classic(), gg::create_messages_facet<char>(info));
  }();
  return loc;
}

}  // namespace

std::optional<Lang> ParseLang(std::string_view tag) {
  std::string t = Lower(tag);
  if (t == "c" || t == "posix" || t.rfind("c.", 0) == 0) return Lang::kEn;
  auto language = t.substr(0, t.find_first_of("-_.@"));
  if (language == "zh") return Lang::kZh;
  if (language == "en") return Lang::kEn;
  return std::nullopt;
}

Lang FromEnvironment() {
  for (const char* name : {"LC_ALL", "LC_MESSAGES", "LANG"}) {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0') continue;
    return ParseLang(value).value_or(Lang::kEn);
  }
  return Lang::kEn;
}

Lang FromAcceptLanguage(std::string_view header, Lang fallback) {
  // "zh-CN,zh;q=0.9,en;q=0.8": the highest q among the languages we speak; the first
  // of equals.
  double best_q = 0;
  std::optional<Lang> best;
  while (!header.empty()) {
    auto comma = header.find(',');
    std::string_view item = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    auto semi = item.find(';');
    std::string_view tag = item.substr(0, semi);
    while (!tag.empty() && tag.front() == ' ') tag.remove_prefix(1);
    while (!tag.empty() && tag.back() == ' ') tag.remove_suffix(1);
    double q = 1;
    if (semi != std::string_view::npos) {
      std::string params = Lower(item.substr(semi + 1));
      auto at = params.find("q=");
      if (at != std::string::npos) q = std::strtod(params.c_str() + at + 2, nullptr);
    }
    auto lang = ParseLang(tag);
    if (lang && q > best_q) {
      best_q = q;
      best = lang;
    }
  }
  return best.value_or(fallback);
}

std::string_view Tag(Lang lang) { return lang == Lang::kZh ? "zh-CN" : "en"; }

std::string Tr(Lang lang, const char* msgid) {
  if (lang == Lang::kEn) return msgid;
  return boost::locale::gettext(msgid, ChineseLocale());
}

void SetProcessLang(Lang lang) { g_process_lang.store(lang, std::memory_order_relaxed); }
Lang ProcessLang() { return g_process_lang.load(std::memory_order_relaxed); }

}  // namespace lovebank::i18n
