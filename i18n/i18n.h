// The languages Lovebank speaks to people: English, as the source is written, and
// Simplified Chinese (zh-CN), from the gettext catalogue i18n/po/zh_CN.po compiled
// into the program. One catalogue serves the wallet, the node's messages and its pages.
//
// Source strings are marked for xgettext (scripts/i18n-check) by the functions below:
// T and F take the process's language (the wallet's --lang or LANG), Tr and TrF take it
// as their first argument (the node answers each request in its Accept-Language), and
// N_ marks a string kept in a table and translated where it is shown.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lovebank::i18n {

enum class Lang : std::uint8_t { kEn, kZh };

// "zh", "zh-CN", "zh_CN.UTF-8", "zh_TW" name Chinese; "en", "en_US.UTF-8", "C", "POSIX"
// name English; anything else is nullopt.
std::optional<Lang> ParseLang(std::string_view tag);
// The language of messages as POSIX chooses it: the first of LC_ALL, LC_MESSAGES and
// LANG that is set and not empty; English if none names a language we speak.
Lang FromEnvironment();
// The preferred language of an HTTP Accept-Language header ("zh-CN,zh;q=0.9,en;q=0.8"),
// by q-value; `fallback` if it names none we speak.
Lang FromAcceptLanguage(std::string_view header, Lang fallback);
// "en" or "zh-CN", for Content-Language and <html lang>.
std::string_view Tag(Lang lang);

// `msgid` in `lang`: the catalogue's translation, or `msgid` itself (English, or a
// message the catalogue lacks).
std::string Tr(Lang lang, const char* msgid);

// The translation of `msgid` with fmt's {} filled in. A translation whose placeholders
// do not fit the arguments (scripts/i18n-check refuses such a catalogue) falls back to
// the English text rather than failing.
template <class... Args>
std::string TrF(Lang lang, const char* msgid, const Args&... args) {
  try {
    return fmt::format(fmt::runtime(Tr(lang, msgid)), args...);
  } catch (const fmt::format_error&) {
    return fmt::format(fmt::runtime(msgid), args...);
  }
}

// The process's language: set once at start (the wallet from --lang or the
// environment); English until then.
void SetProcessLang(Lang lang);
Lang ProcessLang();

inline std::string T(const char* msgid) { return Tr(ProcessLang(), msgid); }
template <class... Args>
std::string F(const char* msgid, const Args&... args) {
  return TrF(ProcessLang(), msgid, args...);
}

}  // namespace lovebank::i18n

// Marks a string for the catalogue without translating it here (a table of names
// translated where they are shown).
#define N_(text) text
