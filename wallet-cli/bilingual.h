// Printed pages in both languages at once (certificates, vouchers): Chinese first,
// English beneath, each sentence from the catalogue and escaped for HTML.
#pragma once

#include <fmt/format.h>

#include <string>

#include "i18n/i18n.h"
#include "wallet-cli/output.h"

namespace lovebank::wallet {

// `msgid` in `lang`, escaped, with `args` (HTML already) filled in.
template <class... Args>
std::string Say(i18n::Lang lang, const char* msgid, const Args&... args) {
  try {
    return fmt::format(fmt::runtime(HtmlEscape(i18n::Tr(lang, msgid))), args...);
  } catch (const fmt::format_error&) {
    return fmt::format(fmt::runtime(HtmlEscape(msgid)), args...);
  }
}

// A label in Chinese with its English beneath.
inline std::string Label(const char* msgid) {
  return fmt::format("{}<span class=\"en\" lang=\"en\">{}</span>", Say(i18n::Lang::kZh, msgid),
                     Say(i18n::Lang::kEn, msgid));
}

}  // namespace lovebank::wallet
