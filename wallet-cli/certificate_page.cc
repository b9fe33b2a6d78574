#include "wallet-cli/certificate_page.h"

#include <fmt/format.h>

#include "base/hex.h"
#include "i18n/i18n.h"
#include "wallet-cli/bilingual.h"
#include "wallet-cli/output.h"

namespace lovebank::wallet {
namespace {

using i18n::Lang;

std::string Activities(std::size_t n, Lang lang) {
  return n == 1 ? i18n::TrF(lang, "{} activity", n) : i18n::TrF(lang, "{} activities", n);
}

std::string Day(std::uint64_t ms, std::int32_t offset) {
  return LocalTime(ms, offset).substr(0, 10);
}

// "UTC+08:00": the community's offset, beside the times it qualifies.
std::string Zone(std::int32_t offset) {
  const std::int32_t minutes = offset < 0 ? -offset : offset;
  return fmt::format("UTC{}{:02}:{:02}", offset < 0 ? '-' : '+', minutes / 60, minutes % 60);
}

constexpr const char* kLead =
    N_("This certifies that {0} gave {1} of volunteer service in {2} from {3} to {4}, each one "
       "confirmed by the community.");
constexpr const char* kVerified =
    N_("Every entry, signature and authority on this certificate was verified when this page "
       "was made.");
constexpr const char* kNotVerified =
    N_("This page was made from a certificate that did NOT verify: it proves nothing.");
constexpr const char* kHowToCheck =
    N_("To check it, scan the QR code and run: lovebank certificate verify --qr TEXT (or give the "
       "certificate file to lovebank certificate verify FILE).");

constexpr const char* kStyle = R"(
@page { size: A4; margin: 16mm; }
body { font-family: "Noto Serif CJK SC", "Source Han Serif SC", "Songti SC", SimSun, Georgia, serif;
       color: #111; max-width: 178mm; margin: 0 auto; font-size: 12pt; line-height: 1.5; }
.en { display: block; font-size: 0.72em; color: #444; font-family: Georgia, serif; }
h1 { font-size: 30pt; text-align: center; letter-spacing: 0.3em; margin: 6mm 0 0; }
h1 .en { font-size: 13pt; letter-spacing: 0.05em; }
.community { text-align: center; font-size: 15pt; margin: 4mm 0 6mm; }
.lead { font-size: 14pt; margin: 0 0 2mm; text-indent: 2em; }
.lead.en { text-indent: 0; font-size: 11pt; margin-bottom: 6mm; }
table { border-collapse: collapse; width: 100%; margin: 0 0 5mm; }
th, td { border-bottom: 1px solid #999; padding: 1.2mm 3mm; text-align: left; vertical-align: top; }
th { font-weight: bold; }
td.n, th.n { text-align: right; }
tfoot td { font-weight: bold; border-top: 2px solid #111; }
.sign { display: flex; justify-content: space-between; align-items: flex-end; margin-top: 8mm;
        page-break-inside: avoid; }
.seal { width: 42mm; height: 42mm; border: 1px dashed #888; border-radius: 50%; display: flex;
        align-items: center; justify-content: center; text-align: center; color: #666; }
.signature { width: 95mm; }
.line { border-bottom: 1px solid #111; height: 12mm; margin-bottom: 2mm; }
.foot { display: flex; justify-content: space-between; align-items: flex-end; gap: 6mm;
        margin-top: 8mm; font-size: 9pt; page-break-inside: avoid; }
.mono { font-family: monospace; word-break: break-all; }
.warn { color: #a00; font-weight: bold; }
)";

}  // namespace

std::string CertificateHtml(const CertificatePage& page) {
  const ledger::Certificate& c = *page.certificate;
  const std::int32_t offset = page.utc_offset_minutes;
  const std::string serial = ledger::SerialText(c.serial);
  const std::string name = HtmlEscape(
      c.volunteer_name.empty() ? ToHex(c.volunteer.view()).substr(0, 16) : c.volunteer_name);
  const std::string from = Day(c.from_ms, offset), to = Day(c.to_ms - 1, offset);

  auto lead = [&](Lang lang) {
    return Say(lang, kLead, "<b>" + name + "</b>",
               "<b>" + HtmlEscape(Hours(c.total_minutes, lang)) + "</b>",
               HtmlEscape(Activities(c.lines.size(), lang)), from, to);
  };

  std::string rows;
  for (const auto& line : c.lines) {
    rows += fmt::format("<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td></tr>\n",
                        Day(line.start_ms, offset), HtmlEscape(line.category), line.minutes);
  }
  std::string categories;
  for (const auto& [category, minutes] : c.by_category) {
    categories +=
        fmt::format("<tr><td>{}</td><td class=\"n\">{}<span class=\"en\">{}</span></td></tr>\n",
                    HtmlEscape(category), HtmlEscape(Hours(minutes, Lang::kZh)),
                    HtmlEscape(Hours(minutes, Lang::kEn)));
  }
  std::string teams;
  for (const auto& [team, minutes] : c.by_team) {
    teams +=
        fmt::format("<tr><td>{}</td><td class=\"n\">{}<span class=\"en\">{}</span></td></tr>\n",
                    HtmlEscape(team), HtmlEscape(Hours(minutes, Lang::kZh)),
                    HtmlEscape(Hours(minutes, Lang::kEn)));
  }
  std::string teams_table;
  if (!teams.empty()) {
    teams_table = fmt::format(
        "<table><thead><tr><th>{}</th><th class=\"n\">{}</th></tr></thead>"
        "<tbody>{}</tbody></table>\n",
        Label(N_("Team")), Label(N_("Time")), teams);
  }

  const char* role = page.issuer_role == ledger::Role::kAdmin ? N_("admin") : N_("coordinator");
  std::string issuer =
      page.issuer_name.empty()
          ? "<span class=\"mono\">" + ToHex(c.issuer.view()).substr(0, 16) + "</span>"
          : HtmlEscape(page.issuer_name);
  if (page.issuer_role) {
    issuer += fmt::format("（{} / {}）", Say(Lang::kZh, role), Say(Lang::kEn, role));
  }

  const std::string qr_text = page.statement.empty() ? serial : page.statement;
  const std::string status =
      page.verified ? fmt::format("{}<span class=\"en\">{}</span>", Say(Lang::kZh, kVerified),
                                  Say(Lang::kEn, kVerified))
                    : fmt::format("<span class=\"warn\">{}<span class=\"en\">{}</span></span>",
                                  Say(Lang::kZh, kNotVerified), Say(Lang::kEn, kNotVerified));

  std::string html;
  html += "<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\n";
  html += fmt::format("<title>{} {}</title>\n<style>{}</style></head><body>\n",
                      Say(Lang::kZh, N_("Certificate of Volunteer Service")), serial, kStyle);
  html += fmt::format("<h1>{}</h1>\n", Label(N_("Certificate of Volunteer Service")));
  html += fmt::format("<div class=\"community\">{}</div>\n", HtmlEscape(page.community));
  html += fmt::format("<p class=\"lead\">{}</p>\n<p class=\"lead en\" lang=\"en\">{}</p>\n",
                      lead(Lang::kZh), lead(Lang::kEn));
  html += fmt::format(
      "<table><thead><tr><th>{}</th><th>{}</th><th class=\"n\">{}</th></tr></thead>\n"
      "<tbody>\n{}</tbody>\n<tfoot><tr><td colspan=\"2\">{}</td><td class=\"n\">{}</td></tr>"
      "</tfoot></table>\n",
      Label(N_("Date")), Label(N_("Activity category")), Label(N_("Minutes")), rows,
      Label(N_("Total")), c.total_minutes);
  html += fmt::format(
      "<table><thead><tr><th>{}</th><th class=\"n\">{}</th></tr></thead>"
      "<tbody>{}</tbody></table>\n",
      Label(N_("Activity category")), Label(N_("Time")), categories);
  html += teams_table;
  html += fmt::format(
      "<div class=\"sign\"><div class=\"signature\"><div>{}: {}</div><div>{}: {} ({})</div>"
      "<div class=\"line\"></div><div>{}</div></div>\n<div class=\"seal\"><div>{}</div></div></div>\n",
      Say(Lang::kZh, N_("Issued by")) + " / " + Say(Lang::kEn, N_("Issued by")), issuer,
      Say(Lang::kZh, N_("Issued on")) + " / " + Say(Lang::kEn, N_("Issued on")),
      LocalTime(c.issued_at_ms, offset), Zone(offset), Label(N_("Signature")),
      Label(N_("Seal of the community")));
  html += fmt::format(
      "<div class=\"foot\"><div><p>{} / {}: <b class=\"mono\">{}</b><br>{} / {}: <span "
      "class=\"mono\">{}</span><br>{} / {}: <span class=\"mono\">{}</span></p>\n<p>{}</p>\n"
      "<p>{}<span class=\"en\">{}</span></p></div>\n<div>{}</div></div>\n",
      Say(Lang::kZh, N_("Serial")), Say(Lang::kEn, N_("Serial")), serial,
      Say(Lang::kZh, N_("Volunteer key")), Say(Lang::kEn, N_("Volunteer key")),
      ToHex(c.volunteer.view()), Say(Lang::kZh, N_("Issuer key")), Say(Lang::kEn, N_("Issuer key")),
      ToHex(c.issuer.view()), status, Say(Lang::kZh, kHowToCheck), Say(Lang::kEn, kHowToCheck),
      QrSvg(qr_text, 3));
  html += "</body></html>\n";
  return html;
}

}  // namespace lovebank::wallet
