#include "wallet-cli/voucher_page.h"

#include <fmt/format.h>

#include "wallet-cli/bilingual.h"
#include "wallet-cli/output.h"

namespace lovebank::wallet {
namespace {

using i18n::Lang;

constexpr const char* kHandOver = N_("Give {0} to {1} at {2}. Valid once.");
constexpr const char* kStation =
    N_("At the station: scan the code (or type the text under it) with `lovebank fulfil`, and "
       "hand the gift over only when it says so.");

constexpr const char* kStyle = R"(
@page { size: A5; margin: 12mm; }
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei",
       sans-serif; color: #000; max-width: 120mm; margin: 0 auto; font-size: 16pt; }
.en { display: block; font-size: 0.7em; color: #333; }
h1 { font-size: 26pt; text-align: center; margin: 4mm 0; }
.gift { font-size: 24pt; font-weight: bold; text-align: center; margin: 2mm 0; }
.qr { text-align: center; margin: 4mm 0; }
.text { font-family: monospace; font-size: 7pt; word-break: break-all; color: #333; }
p { margin: 2mm 0; }
)";

}  // namespace

std::string VoucherHtml(const VoucherPage& page) {
  const std::string gift = "<b>" + HtmlEscape(page.gift) + "</b>";
  const std::string who = "<b>" + HtmlEscape(page.volunteer) + "</b>";
  const std::string where = HtmlEscape(page.station);
  std::string html = "<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\n";
  html += fmt::format("<title>{} {}</title>\n<style>{}</style></head><body>\n",
                      Say(Lang::kZh, N_("Voucher")), HtmlEscape(page.gift), kStyle);
  html += fmt::format("<h1>{}</h1>\n", Label(N_("Voucher")));
  html += fmt::format("<div class=\"gift\">{}</div>\n", HtmlEscape(page.gift));
  html += fmt::format("<p>{}<span class=\"en\" lang=\"en\">{}</span></p>\n",
                      Say(Lang::kZh, kHandOver, gift, who, where),
                      Say(Lang::kEn, kHandOver, gift, who, where));
  auto both = [](const char* msgid) {
    return Say(Lang::kZh, msgid) + " / " + Say(Lang::kEn, msgid);
  };
  html += fmt::format("<p>{}: {}<br>{}: {}</p>\n", both(N_("Points")), page.points,
                      both(N_("Redeemed")), HtmlEscape(page.signed_at));
  html += fmt::format("<div class=\"qr\">{}</div>\n", QrSvg(page.voucher, 3));
  html += fmt::format("<p>{}<span class=\"en\" lang=\"en\">{}</span></p>\n",
                      Say(Lang::kZh, kStation), Say(Lang::kEn, kStation));
  html += fmt::format("<p class=\"text\">{}<br>{}</p>\n", HtmlEscape(page.redeem_id),
                      HtmlEscape(page.voucher));
  html += "</body></html>\n";
  return html;
}

}  // namespace lovebank::wallet
