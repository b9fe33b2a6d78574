#include "wallet-cli/command_kit.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdio>

#include "base/clock.h"
#include "base/hex.h"
#include "i18n/i18n.h"
#include "i18n/width.h"
#include "wallet-cli/output.h"

namespace lovebank::wallet {

using namespace lovebank::ledger;
using i18n::F;
using i18n::T;
namespace json = boost::json;

// Amounts, counts and minutes are whole numbers written as digits: "-1" is refused
// rather than read as 18446744073709551615, and "2.5" is refused with this message.
extern const CLI::Validator kWholeNumber(
    [](std::string& text) -> std::string {
      if (text.empty() || text.size() > 18 ||
          text.find_first_not_of("0123456789") != std::string::npos) {
        return F("'{}' must be a whole number such as 5 (no sign, no decimals)", text);
      }
      return {};
    },
    "WHOLE NUMBER");

std::string Str(const json::value& v) {
  return v.is_string() ? std::string(v.as_string()) : std::string();
}
std::uint64_t U64(const json::value& v) {
  if (v.is_uint64()) return v.as_uint64();
  if (v.is_int64()) return static_cast<std::uint64_t>(v.as_int64());
  return 0;
}
std::int64_t I64(const json::value& v) {
  if (v.is_int64()) return v.as_int64();
  if (v.is_uint64()) return static_cast<std::int64_t>(v.as_uint64());
  return 0;
}

// "  points      40\n": a label padded to one column width (display width, so that
// Chinese labels line up too), then the value.
std::string Field(const std::string& label, const std::string& value) {
  return "  " + i18n::Pad(label, 12) + " " + value + "\n";
}

std::string NameOr(const json::value& name, const std::string& key) {
  std::string n = Str(name);
  return n.empty() ? Short(key) : n;
}

std::string UrlEncode(const std::string& in) {
  std::string out;
  for (unsigned char c : in) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::string DescribeFindings(const json::value& entry) {
  std::string out;
  for (const auto& f : entry.at("findings").as_array()) {
    out += (out.empty() ? "" : ", ") + Str(f.at("code"));
  }
  return out;
}

// "stored" plus what the ledger says about it.
std::string Stored(const json::object& answer, const std::string& what) {
  std::string text = F("{} (entry {})", what, Short(Str(answer.at("id"))));
  std::string findings = DescribeFindings(answer);
  if (Str(answer.at("status")) == "pending") text += T("; waiting for earlier entries");
  if (!findings.empty()) text += F("; flagged: {}", findings);
  return text + "\n";
}

// `text` as a QR code for this terminal: coloured black on white so that it scans on
// light and dark themes (unless NO_COLOR), or, when the terminal is too small to show
// it whole, a sentence saying so and what to do instead.
std::string TerminalQr(const std::string& text, const std::string& instead) {
  const QrSize size = QrCodeSize(text);
  const std::size_t columns = TerminalColumns(), lines = TerminalLines();
  if (size.columns == 0) return {};
  if (lines > 0 && (size.columns > columns || size.lines + 1 > lines)) {
    return F(
        "(The QR code needs {}×{} characters and this terminal has {}×{}, so it is not drawn; "
        "{}.)\n",
        size.columns, size.lines, columns, lines, instead);
  }
  return QrCode(text, UseColour(STDOUT_FILENO));
}

int Submit(Wallet& w, EntryKind kind, const std::string& what) {
  auto answer = w.SignAndSubmit(std::move(kind));
  if (!answer) return Fail(w.globals(), answer.error());
  return Done(w.globals(), *answer, Stored(*answer, what));
}

// A KEY argument, or this wallet's own key when it is empty.
Outcome<PublicKey> KeyOrMine(Wallet& w, const std::string& key_text) {
  if (key_text.empty()) return w.MyKey();
  return w.ResolveKey(key_text);
}

// The words for an entry's status, an entry kind and a report's grouping, as people
// read them; the codes themselves stay in --json.
std::string StatusWord(const std::string& status) {
  if (status == "pending") return T("pending");
  if (status == "unknown") return T("unknown");
  if (status == "fenced") return T("fenced");
  if (status == "suspended") return T("suspended");
  return status;
}

std::string KindWord(const std::string& kind) {
  if (kind == "service_record") return T("service record");
  if (kind == "service_claim") return T("service claim");
  if (kind == "transfer") return T("transfer");
  if (kind == "redeem") return T("redemption");
  if (kind == "fulfil") return T("fulfilment");
  if (kind == "request_open") return T("help request");
  if (kind == "request_take") return T("took the request");
  if (kind == "request_resolve") return T("did the work");
  if (kind == "request_confirm") return T("confirmed the request");
  if (kind == "request_reopen") return T("reopened the request");
  if (kind == "request_close") return T("closed the request");
  if (kind == "request_escalate") return T("escalated the request");
  return kind;
}

std::string Describe(const json::object& e, std::int32_t offset) {
  std::string kind = Str(e.at("kind"));
  auto who = [&](const char* key, const char* name_key = nullptr) {
    return name_key ? NameOr(e.at(name_key), Str(e.at(key))) : Short(Str(e.at(key)));
  };
  if (kind == "service_record" || kind == "service_claim") {
    const std::string hours = Hours(U64(e.at("minutes")));
    const std::string start = LocalTime(U64(e.at("start_ms")), offset);
    if (kind == "service_record") {
      return F("{} {} ({}) recorded by {}, started {}", hours, Str(e.at("activity")),
               Str(e.at("category")), who("author", "author_name"), start);
    }
    return F("{} {} ({}), started {}", hours, Str(e.at("activity")), Str(e.at("category")), start);
  }
  if (kind == "transfer") {
    std::string s = F("{} points from {} to {}", U64(e.at("points")), who("author", "author_name"),
                      e.contains("to_name") ? who("to", "to_name") : who("to"));
    return Str(e.at("memo")).empty() ? s : s + ": " + Str(e.at("memo"));
  }
  if (kind == "redeem") return F("voucher for {} points", U64(e.at("points")));
  if (kind == "fulfil") return F("gift handed over for voucher {}", Short(Str(e.at("redeem"))));
  if (kind == "service_confirm") return F("confirmed claim {}", Short(Str(e.at("claim"))));
  if (kind == "service_reject") return F("rejected claim {}", Short(Str(e.at("claim"))));
  if (kind == "enrol") return F("enrolled {}", Str(e.at("name")));
  if (kind == "role_grant") return F("granted {} to {}", Str(e.at("role")), who("subject"));
  if (kind == "role_revoke") return F("revoked {} from {}", Str(e.at("role")), who("subject"));
  if (kind == "catalog_item") return F("listed {}", Str(e.at("name")));
  if (kind == "restock")
    return F("restocked gift {} with {}", Short(Str(e.at("item"))), U64(e.at("added")));
  if (kind == "catalog_withdraw") return F("withdrew gift {}", Short(Str(e.at("item"))));
  if (kind == "reversal") return F("reversed {}", Short(Str(e.at("target"))));
  return kind;
}

// A role as people call it; the code (admin, coordinator ...) stays in --json and in
// what the wallet takes.
std::string RoleWord(std::string_view role) {
  if (role == "admin") return T("admin");
  if (role == "coordinator") return T("coordinator");
  if (role == "station") return T("station");
  if (role == "auditor") return T("auditor");
  return std::string(role);
}

std::string Roles(const json::value& account) {
  std::string roles;
  for (const auto& r : account.at("roles").as_array()) {
    roles += (roles.empty() ? "" : ", ") + RoleWord(r.as_string());
  }
  return roles;
}

// A key in a table: its first 12 digits (any 8 or more name it again), or all of it
// with --wide.
std::string KeyCell(const std::string& key, bool wide) { return wide ? key : Short(key); }

// --start: "YYYY-MM-DDTHH:MM" or "YYYY-MM-DD HH:MM" or "HH:MM" (today), community
// local time; default: the service just ended.
Outcome<std::uint64_t> ParseStart(Wallet& w, const std::string& text, std::uint32_t minutes,
                                  std::string_view flag) {
  std::uint64_t now = NowMs();
  if (text.empty()) return now - std::uint64_t{minutes} * 60'000;
  auto offset = w.UtcOffset();
  if (!offset) return offset.error();
  auto bad = Failure{"usage", F("{} must look like 2026-11-23T14:00 or 14:00 (local time)", flag)};
  int y = 0, mo = 0, d = 0, h = 0, mi = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d%*1[T ]%2d:%2d", &y, &mo, &d, &h, &mi) == 5) {
    // parsed
  } else if (std::sscanf(text.c_str(), "%2d:%2d", &h, &mi) == 2 && text.size() <= 5) {
    namespace chrono = std::chrono;
    auto local = chrono::sys_time<chrono::milliseconds>(
        chrono::milliseconds(static_cast<std::int64_t>(now) + std::int64_t{*offset} * 60'000));
    chrono::year_month_day ymd(chrono::floor<chrono::days>(local));
    y = static_cast<int>(ymd.year());
    mo = static_cast<int>(static_cast<unsigned>(ymd.month()));
    d = static_cast<int>(static_cast<unsigned>(ymd.day()));
  } else {
    return bad;
  }
  namespace chrono = std::chrono;
  chrono::year_month_day ymd{chrono::year(y), chrono::month(static_cast<unsigned>(mo)),
                             chrono::day(static_cast<unsigned>(d))};
  if (!ymd.ok() || h < 0 || h > 23 || mi < 0 || mi > 59) return bad;
  std::int64_t days = chrono::sys_days(ymd).time_since_epoch().count();
  std::int64_t ms = days * 86'400'000 + (h * 60 + mi) * 60'000 - std::int64_t{*offset} * 60'000;
  if (ms < 0) return bad;
  return static_cast<std::uint64_t>(ms);
}

std::string GroupWord(const std::string& by) {
  if (by == "team") return T("team");
  if (by == "grid") return T("grid");
  if (by == "building") return T("building");
  if (by == "category") return T("category");
  if (by == "month") return T("month");
  return by;
}

}  // namespace lovebank::wallet
