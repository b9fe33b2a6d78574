#include "wallet-cli/audit_commands.h"

#include <fmt/format.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "base/file.h"
#include "base/hex.h"
#include "crypto/secret_file.h"
#include "i18n/i18n.h"
#include "ledger/audit.h"
#include "ledger/certificate.h"
#include "ledger/checkpoint.h"
#include "ledger/export_file.h"
#include "wallet-cli/certificate_page.h"
#include "wallet-cli/output.h"

namespace lovebank::wallet {
namespace {

namespace json = boost::json;
using namespace lovebank::ledger;
using i18n::F;
using i18n::T;

using Clock = std::chrono::steady_clock;

std::string Hex(ByteView b) { return ToHex(b); }
std::string ShortKey(const PublicKey& k) { return Short(ToHex(k)); }
std::string ShortId(const EntryId& id) { return Short(ToHex(id)); }

std::string Activities(std::size_t n) {
  return n == 1 ? F("{} activity", n) : F("{} activities", n);
}

std::string Thousands(std::uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// Progress on stderr, at most every two seconds, never in --json runs.
class Progress {
 public:
  explicit Progress(bool quiet) : quiet_(quiet) {}
  void Show(const std::string& line) {
    if (quiet_) return;
    auto now = Clock::now();
    if (now - last_ < std::chrono::seconds(2)) return;
    last_ = now;
    std::cerr << line << "\n";
  }

 private:
  bool quiet_;
  Clock::time_point last_ = Clock::now();
};

struct Downloaded {
  std::uint64_t entries = 0;
  std::uint64_t bytes = 0;
  NetworkId network;
  std::string community;
};

// Writes the node's ledger to `path` as an export file, page by page.
Outcome<Downloaded> Download(Wallet& w, const std::string& path) {
  auto status = w.Status();
  if (!status) return status.error();
  std::string network_hex(status->at("network").as_string());
  auto network = FixedFromHex<NetworkId>(network_hex);
  if (!network) return Failure{"bad_response", T("the node's status names no network id")};
  auto genesis = w.Get("/v1/entries/" + network_hex);
  if (!genesis) return genesis.error();
  auto genesis_envelope = FromHex(std::string(genesis->at("envelope").as_string()));
  if (!genesis_envelope) return Failure{"bad_response", T("the node's genesis entry is not hex")};
  Downloaded d;
  d.network = *network;
  d.community = std::string(status->at("community").as_string());
  std::uint64_t expected = status->at("entries").to_number<std::uint64_t>();
  auto writer = ExportWriter::Create(
      path, ExportHeader{*network, d.community, NowMs(), w.globals().node_url});
  if (!writer) return Failure{"usage", writer.error().message};
  if (auto s = (*writer)->Add(*genesis_envelope); !s) return Failure{"io", s.error().message};
  Progress progress(w.globals().json);
  std::string after;
  for (;;) {
    auto page = w.GetRaw("/v1/export?after=" + after);
    if (!page) return page.error();
    std::uint64_t n = 0;
    std::string count = page->Header("X-Lovebank-Entries");
    if (std::sscanf(count.c_str(), "%lu", &n) != 1) {
      return Failure{"bad_response",
                     T("the node's export page does not say how many entries it has")};
    }
    if (auto s = (*writer)->AddFramed(page->body, n); !s) return Failure{"io", s.error().message};
    after = page->Header("X-Lovebank-Next");
    progress.Show(
        F("exported {} of about {} entries", Thousands((*writer)->entries()), Thousands(expected)));
    if (after.empty()) break;
  }
  d.entries = (*writer)->entries();
  if (auto s = (*writer)->Finish(); !s) return Failure{"io", s.error().message};
  std::error_code ec;
  d.bytes = std::filesystem::file_size(path, ec);
  return d;
}

std::string TempExportPath() {
  const char* dir = std::getenv("TMPDIR");
  return fmt::format("{}/lovebank-audit-{}-{}.lbx", dir ? dir : "/tmp", ::getpid(), NowMs());
}

// Removes a temporary file when it goes out of scope.
struct TempFile {
  std::string path;
  ~TempFile() {
    std::error_code ec;
    std::filesystem::remove(path, ec);
  }
};

AuditOptions OptionsFor(const Globals& g, unsigned threads, bool keep_envelopes) {
  AuditOptions options;
  options.threads = threads;
  options.keep_envelopes = keep_envelopes;
  auto progress = std::make_shared<Progress>(g.json);
  auto start = Clock::now();
  options.progress = [progress, start](const AuditProgress& p) {
    double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    progress->Show(F("verified {} entries ({:.0f}%), {:.0f} entries/s", Thousands(p.entries),
                     p.total_bytes
                         ? 100.0 * static_cast<double>(p.bytes) / static_cast<double>(p.total_bytes)
                         : 100.0,
                     seconds > 0 ? static_cast<double>(p.entries) / seconds : 0.0));
  };
  return options;
}

Outcome<NodeView> FetchNodeView(Wallet& w) {
  auto doc = w.Get("/v1/audit/state");
  if (!doc) return doc.error();
  NodeView view;
  const auto& o = doc->as_object();
  view.entries = o.at("entries").to_number<std::uint64_t>();
  view.state_hash = std::string(o.at("state_hash").as_string());
  auto u64 = [](const json::object& x, const char* k) { return x.at(k).to_number<std::uint64_t>(); };
  for (const auto& a : o.at("accounts").as_array()) {
    const auto& x = a.as_object();
    auto id = FixedFromHex<PublicKey>(std::string(x.at("id").as_string()));
    if (!id)
      return Failure{"bad_response", T("the node's stored state has a malformed account id")};
    AccountView v;
    v.id = *id;
    v.balance = u64(x, "balance");
    v.minutes = u64(x, "minutes");
    v.service_points = u64(x, "service_points");
    v.received_points = u64(x, "received_points");
    v.spent_points = u64(x, "spent_points");
    v.unfunded_points = u64(x, "unfunded_points");
    for (const auto& [name, minutes] : x.at("minutes_by_category").as_object()) {
      v.minutes_by_category[std::string(name)] = minutes.to_number<std::uint64_t>();
    }
    view.stored_accounts.push_back(std::move(v));
  }
  for (const auto& i : o.at("items").as_array()) {
    const auto& x = i.as_object();
    auto id = FixedFromHex<EntryId>(std::string(x.at("id").as_string()));
    if (!id) return Failure{"bad_response", T("the node's stored state has a malformed gift id")};
    ItemView v;
    v.id = *id;
    v.name = std::string(x.at("name").as_string());
    v.stock = u64(x, "stock");
    v.fulfilled = u64(x, "fulfilled");
    view.stored_items.push_back(std::move(v));
  }
  return view;
}

json::object FailureJson(const AuditFailure& f) {
  json::object o{{"code", f.code}, {"message", f.message}};
  o["entry"] = f.entry ? json::value(Hex(f.entry->view())) : json::value(nullptr);
  o["record"] = f.record ? json::value(*f.record) : json::value(nullptr);
  return o;
}

json::object FindingJson(const AuditFinding& f) {
  json::object o{{"entry", Hex(f.entry.view())},
                 {"author", Hex(f.author.view())},
                 {"seq", f.seq},
                 {"kind", f.kind}};
  if (f.subject) o["subject"] = Hex(f.subject->view());
  return o;
}

std::string DescribeFinding(const AuditFinding& f) {
  std::string text =
      F("entry {} ({} by {} seq {})", ShortId(f.entry), f.kind, ShortKey(f.author), f.seq);
  if (f.subject) text += F(", volunteer {}", ShortKey(*f.subject));
  return text;
}

// The midnight starting `date` (YYYY-MM-DD) in the community's local time.
std::optional<std::uint64_t> ParseDay(const std::string& date, std::int32_t offset_minutes) {
  int y = 0, m = 0, d = 0;
  char tail = 0;
  if (std::sscanf(date.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3) return std::nullopt;
  namespace chrono = std::chrono;
  chrono::year_month_day ymd{chrono::year(y), chrono::month(static_cast<unsigned>(m)),
                             chrono::day(static_cast<unsigned>(d))};
  if (!ymd.ok()) return std::nullopt;
  std::int64_t ms = chrono::sys_days(ymd).time_since_epoch().count() * 86'400'000LL -
                    std::int64_t{offset_minutes} * 60'000;
  if (ms < 0) return std::nullopt;
  return static_cast<std::uint64_t>(ms);
}

Outcome<Bytes> ReadFile(const std::string& path, std::size_t max) {
  auto bytes = ReadSmallFile(path, max, "certificate");
  if (!bytes) {
    return Failure{bytes.error().code == ErrorCode::kNotFound ? "not_found" : "usage",
                   bytes.error().message};
  }
  return std::move(*bytes);
}

// A certificate or its printable page: never written over an existing file.
Outcome<std::string> WriteNewFile(const std::string& path, ByteView data) {
  if (auto s = lovebank::WriteNewFile(path, data, 0644, "file"); !s) {
    return Failure{s.error().code == ErrorCode::kAlreadyExists ? "usage" : "io",
                   s.error().message};
  }
  return path;
}

// The community's UTC offset, from the certificate's own genesis; 0 if it does not
// decode (VerifyCertificate then says why).
std::int32_t OffsetOf(const Certificate& c) {
  if (auto genesis = VerifyEnvelope(ByteView(c.genesis), std::nullopt);
      genesis && std::holds_alternative<Genesis>(genesis->entry.kind)) {
    return std::get<Genesis>(genesis->entry.kind).policy.utc_offset_minutes;
  }
  return 0;
}

// The printable page of a checked certificate.
std::string PageHtml(const CertificateCheck& check, std::int32_t offset) {
  CertificatePage page;
  page.certificate = &*check.certificate;
  page.community = check.community;
  page.issuer_name = check.issuer_name;
  page.issuer_role = check.issuer_role;
  page.statement = check.statement;
  page.utc_offset_minutes = offset;
  page.verified = check.valid();
  return CertificateHtml(page);
}

// The command ends right after the report. Freeing a million-entry state one small
// object at a time takes over a second the auditor would wait for nothing, so the
// state is parked in a static pointer that is never freed: the operating system takes
// the memory back at exit. (Still reachable, so a leak checker does not flag it.)
void LeaveToTheOperatingSystem(std::unique_ptr<LedgerState> state) {
  static LedgerState* parked = nullptr;
  delete parked;
  parked = state.release();
}

// Audits the file at `path` (or the node's ledger downloaded there).
struct AuditRun {
  AuditResult result;
  std::optional<NodeView> node;
  std::vector<AuditFailure> node_differences;
};

}  // namespace

// ---- lovebank export --------------------------------------------------------------

int ExportCmd(Wallet& w, const std::string& out) {
  const auto& g = w.globals();
  auto d = Download(w, out);
  if (!d) return Fail(g, d.error());
  return Done(
      g,
      json::object{{"file", out},
                   {"entries", d->entries},
                   {"bytes", d->bytes},
                   {"network", Hex(d->network.view())},
                   {"community", d->community},
                   {"format_version", kExportFormatVersion}},
      F("Exported {} entries of {} to {} ({:.1f} MB)\nCheck it any time with "
        "`lovebank audit --file {}`\n",
        Thousands(d->entries), d->community, out, static_cast<double>(d->bytes) / 1e6, out));
}

// ---- lovebank audit ---------------------------------------------------------------

// The one connected checkpoint entry of `state` whose id starts with `prefix`.
Outcome<EntryId> CheckpointByPrefix(const LedgerState& state, const std::string& prefix) {
  const std::string lower = LowerHex(prefix);
  std::vector<EntryId> found;
  state.ForEachEntry([&](const VerifiedEntry& v, bool connected) {
    if (connected && std::holds_alternative<AuditCheckpoint>(v.entry.kind) &&
        Hex(v.id.view()).starts_with(lower)) {
      found.push_back(v.id);
    }
  });
  if (found.size() == 1) return found.front();
  if (found.empty()) {
    return Failure{"not_found", F("no checkpoint in this ledger has an id starting with {}; "
                                  "`lovebank audit --json` names the signed ones",
                                  prefix)};
  }
  std::sort(found.begin(), found.end());
  std::string list;
  for (const auto& id : found) list += "\n  " + Hex(id.view()).substr(0, 16);
  return Failure{"ambiguous_id",
                 F("{} checkpoints have an id starting with {}; give more of its digits:{}",
                   found.size(), prefix, list)};
}

int AuditCmd(Wallet& w, const AuditArgs& a) {
  const auto& g = w.globals();
  // A whole id now; a prefix is looked up among the ledger's checkpoints once it is read.
  std::optional<EntryId> checkpoint;
  if (!a.since_checkpoint.empty()) {
    checkpoint = FixedFromHex<EntryId>(a.since_checkpoint);
    if (!checkpoint && !IsHexPrefix(a.since_checkpoint)) {
      return Fail(g, {"bad_id", T("--since-checkpoint takes a checkpoint's id: its 64 hex "
                                  "digits, or the first 8 or more")});
    }
  }
  AuditRun run;
  std::string source = a.file;
  if (a.file.empty()) {
    // Against a live node: download its ledger, recompute, compare with what it stores.
    // If entries arrive meanwhile the counts differ; try again a few times.
    source = g.node_url;
    for (int attempt = 0; attempt < 3; ++attempt) {
      TempFile temp{TempExportPath()};
      auto d = Download(w, temp.path);
      if (!d) return Fail(g, d.error());
      run.result = AuditExport(temp.path, OptionsFor(g, a.threads, false));
      if (!run.result.state) break;
      auto view = FetchNodeView(w);
      if (!view) return Fail(g, view.error());
      run.node = std::move(*view);
      if (run.node->entries == run.result.state->connected_count()) break;
    }
    if (run.result.state && run.node) {
      run.node_differences = CompareWithNode(*run.result.state, *run.node);
    }
  } else {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(a.file, ec)) {
      return Fail(g, {"not_found", F("cannot read {}; check the path (make one with "
                                     "`lovebank export --out FILE`)",
                                     a.file)});
    }
    run.result = AuditExport(a.file, OptionsFor(g, a.threads, false));
  }
  AuditResult& r = run.result;
  std::vector<AuditFailure> failures = r.failures;
  std::uint64_t failure_count = r.failure_count;
  for (const auto& f : run.node_differences) {
    failures.push_back(f);
    ++failure_count;
  }

  json::object out;
  std::string text;
  const std::string community = r.header ? r.header->community : std::string("?");
  text += F("Audit of {} from {}\n", community, source);
  out["source"] = source;
  out["community"] = community;
  out["network"] = r.header ? json::value(Hex(r.header->network.view())) : json::value(nullptr);
  out["entries_read"] = r.entries;
  out["verified"] = r.verified;
  out["seconds"] = r.seconds;

  std::optional<AuditSummary> summary;
  std::optional<CheckpointReport> cp_report;
  if (r.state) {
    summary = Summarize(*r.state);
    const AuditSummary& s = *summary;
    std::int32_t offset = r.state->genesis().policy.utc_offset_minutes;
    text +=
        F("  entries     {} in {} chains; {} of {} signatures and ids verified\n",
          Thousands(s.entries), Thousands(s.chains), Thousands(r.verified), Thousands(r.entries));
    text += F("  accounts    {} ({} members) · {} of service · {} points held · {} spent\n",
              Thousands(s.accounts), Thousands(s.members), Hours(s.total_minutes),
              Thousands(s.total_balance), Thousands(s.total_spent));
    json::array items;
    for (const auto& i : s.items) {
      text += F("  gift        {}: {} left, {} handed over\n", i.name, i.stock, i.fulfilled);
      items.push_back({{"id", Hex(i.id.view())},
                       {"name", i.name},
                       {"stock", i.stock},
                       {"fulfilled", i.fulfilled}});
    }
    text += F("  state hash  {}\n", Hex(s.state_hash.view()));
    out["entries"] = s.entries;
    out["chains"] = s.chains;
    out["accounts"] = s.accounts;
    out["members"] = s.members;
    out["total_minutes"] = s.total_minutes;
    out["total_balance"] = s.total_balance;
    out["total_spent"] = s.total_spent;
    out["items"] = std::move(items);
    out["state_hash"] = Hex(s.state_hash.view());
    if (run.node) {
      text += run.node_differences.empty()
                  ? T("  node        agrees: entry count, state hash, and every stored balance, "
                      "minute total and stock level\n")
                  : F("  node        DIFFERS in {} places (below)\n", run.node_differences.size());
      out["node_compared"] = true;
      out["node_differences"] = run.node_differences.size();
    }

    json::array forks;
    json::object findings;
    std::string findings_text;
    for (const auto& f : s.forks) {
      json::array ids;
      std::string list;
      for (const auto& id : f.entries) {
        ids.emplace_back(Hex(id.view()));
        list += (list.empty() ? "" : ", ") + ShortId(id);
      }
      forks.push_back({{"author", Hex(f.author.view())}, {"seq", f.seq}, {"entries", ids}});
      findings_text += F("  fork: {} signed {} entries at seq {}: {}\n", ShortKey(f.author),
                         f.entries.size(), f.seq, list);
    }
    for (const auto& [name, list] : s.findings) {
      json::array arr;
      for (const auto& f : list) arr.push_back(FindingJson(f));
      findings[name] = std::move(arr);
      findings_text += fmt::format("  {} ({}):\n", name, list.size());
      std::size_t shown = 0;
      for (const auto& f : list) {
        if (++shown > 20) {
          findings_text += F("    … and {} more (--json lists all)\n", list.size() - 20);
          break;
        }
        findings_text += "    " + DescribeFinding(f) + "\n";
      }
    }
    json::array reversals;
    for (const auto& [f, target] : s.reversals) {
      reversals.push_back({{"entry", Hex(f.entry.view())}, {"target", Hex(target.view())},
                           {"author", Hex(f.author.view())}});
      findings_text += F("  reversal: entry {} by {} reverses {}\n", ShortId(f.entry),
                         ShortKey(f.author), ShortId(target));
    }
    out["forks"] = std::move(forks);
    out["findings"] = std::move(findings);
    out["reversals"] = std::move(reversals);
    out["attention"] = s.attention();
    if (!findings_text.empty()) {
      text += F("Findings of the ledger rules ({} to review):\n", s.attention());
      text += findings_text;
    }

    if (!a.since_checkpoint.empty() && !checkpoint) {
      auto found = CheckpointByPrefix(*r.state, a.since_checkpoint);
      if (!found) return Fail(g, found.error());
      checkpoint = *found;
    }
    if (checkpoint) {
      auto report = CheckSinceCheckpoint(*r.state, *checkpoint);
      if (!report) return Fail(g, {"not_found", report.error().message});
      cp_report = std::move(*report);
      const CheckpointReport& c = *cp_report;
      json::array problems, changed, broken;
      for (const auto& p : c.problems) {
        problems.emplace_back(p);
        failures.push_back(AuditFailure{"checkpoint", p, c.checkpoint, std::nullopt});
        ++failure_count;
      }
      for (const auto& k : c.broken_chains) broken.emplace_back(Hex(k.view()));
      for (const auto& ch : c.changed_accounts) {
        changed.push_back({{"account", Hex(ch.account.view())},
                           {"balance_then", ch.balance_then},
                           {"balance_now", ch.balance_now},
                           {"minutes_then", ch.minutes_then},
                           {"minutes_now", ch.minutes_now}});
      }
      json::object by_kind;
      std::string kinds;
      for (const auto& [kind, n] : c.new_entries_by_kind) {
        by_kind[kind] = n;
        kinds += fmt::format("{}{} {}", kinds.empty() ? "" : ", ", n, kind);
      }
      out["checkpoint"] = {{"id", Hex(c.checkpoint.view())},
                           {"auditor", Hex(c.auditor.view())},
                           {"consistent", c.consistent()},
                           {"problems", std::move(problems)},
                           {"broken_chains", std::move(broken)},
                           {"entries_then", c.entries_then},
                           {"entries_now", c.entries_now},
                           {"new_chains", c.new_chains},
                           {"new_entries_by_kind", std::move(by_kind)},
                           {"changed_accounts", std::move(changed)}};
      text += F("Checkpoint {} signed {} by auditor {}:\n", ShortId(c.checkpoint),
                LocalTime(c.signed_at_ms, offset), ShortKey(c.auditor));
      text += c.consistent()
                  ? T("  the ledger extends it: every checkpointed chain is a prefix of the chain "
                      "now, and the checkpointed entries give the signed state hash\n")
                  : T("  BROKEN: the ledger does not extend it (below)\n");
      text += F("  since then: {} entries → {} ({}), {} new chains, {} accounts changed\n",
                Thousands(c.entries_then), Thousands(c.entries_now),
                kinds.empty() ? T("none new") : kinds, c.new_chains, c.changed_accounts.size());
    }
  }

  json::array failure_list;
  for (const auto& f : failures) failure_list.push_back(FailureJson(f));
  out["failures"] = std::move(failure_list);
  out["failure_count"] = failure_count;
  if (!failures.empty()) {
    text += F("FAILURES ({}): this copy is not a sound ledger\n", failure_count);
    for (const auto& f : failures) text += fmt::format("  [{}] {}\n", f.code, f.message);
    if (failure_count > failures.size()) {
      text += F("  … and {} more\n", failure_count - failures.size());
    }
  }

  // An auditor signs only what verified.
  if (a.sign) {
    if (failure_count > 0 || !r.state) {
      text += T("Not signed: a checkpoint states that the ledger verified, and it did not.\n");
      out["signed_checkpoint"] = nullptr;
    } else {
      auto cp = MakeCheckpoint(*r.state);
      if (!cp) return Fail(g, {"usage", cp.error().message});
      auto answer = w.SignAndSubmit(std::move(*cp));
      if (!answer) return Fail(g, answer.error());
      std::string id(answer->at("id").as_string());
      out["signed_checkpoint"] = id;
      text +=
          F("Signed audit checkpoint {0} (later: `lovebank audit --since-checkpoint {0}`)\n", id);
    }
  }

  double rate = r.seconds > 0 ? static_cast<double>(r.entries) / r.seconds : 0;
  out["entries_per_second"] = rate;
  std::string verdict;
  int exit = kOk;
  if (failure_count > 0) {
    verdict = T("RESULT: FAILED — see the failures above; docs/audit.md says what each means");
    exit = kAuditFailed;
  } else if (summary && summary->attention() > 0) {
    verdict = F("RESULT: VERIFIED, with {} findings to review", summary->attention());
    exit = kAuditFindings;
  } else {
    verdict = T("RESULT: VERIFIED — every signature, chain and rule checks out");
  }
  out["result"] = failure_count > 0 ? "failed" : exit == kAuditFindings ? "findings" : "verified";
  text += F("{} ({:.1f} s, {:.0f} entries/s)\n", verdict, r.seconds, rate);
  Done(g, out, text);
  LeaveToTheOperatingSystem(std::move(r.state));
  return exit;
}

// ---- lovebank certificate ---------------------------------------------------------

int CertificateIssueCmd(Wallet& w, const CertificateArgs& a) {
  const auto& g = w.globals();
  auto issuer = w.MyKey();
  if (!issuer) return Fail(g, issuer.error());
  auto volunteer = w.ResolveKey(a.volunteer);
  if (!volunteer) return Fail(g, volunteer.error());
  if (std::filesystem::exists(std::filesystem::symlink_status(a.out))) {
    return Fail(g,
                {"usage", F("{} already exists; choose another name or remove it first", a.out)});
  }
  // The certificate is built from a full audit of the node's ledger, never from what
  // the node says about itself.
  TempFile temp{TempExportPath()};
  auto d = Download(w, temp.path);
  if (!d) return Fail(g, d.error());
  AuditResult audit = AuditExport(temp.path, OptionsFor(g, 0, true));
  if (!audit.sound() || !audit.state) {
    return Fail(g, {"audit_failed", T("the node's ledger does not verify, so no certificate can "
                                      "be issued from it; run `lovebank audit` to see why")});
  }
  const LedgerState& state = *audit.state;
  std::int32_t offset = state.genesis().policy.utc_offset_minutes;
  // By default: all of the volunteer's service, from its first credited interval on.
  std::uint64_t to = NowMs() + 1, from = to - 1;
  for (const auto& credit : state.Credits(*volunteer)) from = std::min(from, credit.start_ms);
  if (!a.from.empty()) {
    auto day = ParseDay(a.from, offset);
    if (!day) return Fail(g, {"bad_date", T("--from must be a date like 2026-01-01")});
    from = *day;
  }
  if (!a.to.empty()) {
    auto day = ParseDay(a.to, offset);
    if (!day) return Fail(g, {"bad_date", T("--to must be a date like 2026-12-31")});
    to = *day + 86'400'000;  // the whole of that day
  }
  if (to <= from) return Fail(g, {"bad_date", T("--to must not be before --from")});
  auto c = CollectCertificate(state, *volunteer, from, to, *issuer, NowMs(),
                              crypto::RandomBytes(16));
  if (!c) {
    return Fail(g, {c.error().code == ErrorCode::kPermissionDenied ? "role_missing" : "not_found",
                    c.error().message});
  }
  auto key = w.Unlock();
  if (!key) return Fail(g, key.error());
  Bytes file = SignCertificate(*c, *key);
  // What the school will check, checked here first: a certificate this wallet writes
  // verifies, and the page names the issuer as the certificate's own entries show.
  CertificateCheck check = VerifyCertificate(file);
  if (!check.valid()) {
    std::string why;
    for (const auto& p : check.problems) why += "\n  - " + p;
    return Fail(g, {"internal", F("the certificate made from this ledger does not verify, so it "
                                  "was not written; please report this:{}",
                                  why)});
  }
  if (auto s = WriteNewFile(a.out, file); !s) return Fail(g, s.error());
  if (!a.html.empty()) {
    if (auto s = WriteNewFile(a.html, PageHtml(check, offset)); !s) return Fail(g, s.error());
  }
  std::string serial = SerialText(c->serial);
  std::string name = c->volunteer_name.empty() ? ShortKey(c->volunteer) : c->volunteer_name;
  std::string text = F("Certificate {} for {}: {} of service in {}, {} to {}\nwritten to {}\n",
                       serial, name, Hours(c->total_minutes), Activities(c->lines.size()),
                       LocalTime(c->from_ms, offset).substr(0, 10),
                       LocalTime(c->to_ms - 1, offset).substr(0, 10), a.out);
  if (!a.html.empty())
    text += F("and {} (print it, sign it and add the community's seal)\n", a.html);
  text +=
      F("Its QR statement (`lovebank certificate verify --qr` checks it):\n{}\n", check.statement);
  return Done(g,
              json::object{{"serial", serial},
                           {"file", a.out},
                           {"html", a.html.empty() ? json::value(nullptr) : json::value(a.html)},
                           {"volunteer", Hex(c->volunteer.view())},
                           {"total_minutes", c->total_minutes},
                           {"lines", c->lines.size()},
                           {"statement", check.statement}},
              text);
}

namespace {

// The checked certificate's story, shared by `verify FILE` and `verify --qr`.
std::string IssuerWords(const std::string& name, std::optional<Role> role, const PublicKey& key) {
  if (!role) return name.empty() ? ShortKey(key) : F("{} ({})", name, ShortKey(key));
  std::string word = T(role == Role::kAdmin ? "admin" : "coordinator");
  return name.empty() ? F("{}, {}", ShortKey(key), word)
                      : F("{} ({}), {}", name, ShortKey(key), word);
}

int VerifyFile(Wallet& w, const CertificateVerifyArgs& a) {
  const auto& g = w.globals();
  auto bytes = ReadFile(a.file, kMaxCertificateBytes);
  if (!bytes) return Fail(g, bytes.error());
  CertificateCheck check = VerifyCertificate(*bytes);
  json::object out{{"file", a.file}, {"valid", check.valid()}};
  json::array problems;
  for (const auto& p : check.problems) problems.emplace_back(p);
  out["problems"] = std::move(problems);
  std::string text;
  if (check.certificate) {
    const Certificate& c = *check.certificate;
    std::int32_t offset = OffsetOf(c);
    std::string serial = SerialText(c.serial);
    out["serial"] = serial;
    out["community"] = check.community;
    out["volunteer"] = Hex(c.volunteer.view());
    out["volunteer_name"] = c.volunteer_name;
    out["issuer"] = Hex(c.issuer.view());
    out["issuer_name"] = check.issuer_name;
    out["issuer_role"] =
        check.issuer_role ? json::value(RoleName(*check.issuer_role)) : json::value(nullptr);
    out["issued_at_ms"] = c.issued_at_ms;
    out["from_ms"] = c.from_ms;
    out["to_ms"] = c.to_ms;
    out["total_minutes"] = c.total_minutes;
    out["statement"] =
        check.statement.empty() ? json::value(nullptr) : json::value(check.statement);
    json::object by_category, by_team;
    json::array lines;
    Table table({T("day"), T("category"), T("time")});
    for (const auto& line : c.lines) {
      lines.push_back({{"source", Hex(line.source.view())},
                       {"category", line.category},
                       {"start_ms", line.start_ms},
                       {"minutes", line.minutes}});
      table.Add(
          {LocalTime(line.start_ms, offset).substr(0, 10), line.category, Hours(line.minutes)});
    }
    for (const auto& [name, minutes] : c.by_category) by_category[name] = minutes;
    for (const auto& [name, minutes] : c.by_team) by_team[name] = minutes;
    out["lines"] = std::move(lines);
    out["by_category"] = std::move(by_category);
    out["by_team"] = std::move(by_team);
    text += F("Certificate {} of {}\n", serial, check.community);
    text += F("  volunteer  {} ({})\n", c.volunteer_name, ShortKey(c.volunteer));
    text +=
        F("  service    {} in {}, {} to {}\n", Hours(c.total_minutes), Activities(c.lines.size()),
          LocalTime(c.from_ms, offset).substr(0, 10), LocalTime(c.to_ms - 1, offset).substr(0, 10));
    text += F("  issued     {} by {}\n", LocalTime(c.issued_at_ms, offset),
              IssuerWords(check.issuer_name, check.issuer_role, c.issuer));
    std::istringstream rendered(table.Render());
    for (std::string line; std::getline(rendered, line);) text += "  " + line + "\n";
    if (!a.html.empty()) {
      if (auto s = WriteNewFile(a.html, PageHtml(check, offset)); !s) return Fail(g, s.error());
    }
  }
  if (check.valid()) {
    text +=
        T("VALID: every entry is signed by its author in this community, every recorder and "
          "confirmer held the coordinator role when acting, the issuer holds a coordinator or "
          "admin role, and every total follows from the entries.\n");
    return Done(g, out, text);
  }
  text += T("NOT VALID:\n");
  for (const auto& p : check.problems) text += "  - " + p + "\n";
  Done(g, out, text);
  return kCertificateInvalid;
}

// The statement of a certificate's QR code: its signature offline, and unless
// --offline, against the node's ledger: the same community, an issuer who holds the
// coordinator or admin role there, and at least the stated minutes credited.
int VerifyQr(Wallet& w, const CertificateVerifyArgs& a) {
  const auto& g = w.globals();
  auto statement = VerifyStatement(a.qr);
  if (!statement) {
    json::object out{{"valid", false},
                     {"checked_against_ledger", false},
                     {"problems", json::array{json::value(statement.error().message)}}};
    Done(g, out, F("NOT VALID: {}\n", statement.error().message));
    return kCertificateInvalid;
  }
  const CertificateStatement& s = *statement;
  std::string name = s.volunteer_name.empty() ? ShortKey(s.volunteer) : s.volunteer_name;
  json::object out{{"serial", SerialText(s.serial)},
                   {"network", Hex(s.network.view())},
                   {"volunteer", Hex(s.volunteer.view())},
                   {"volunteer_name", s.volunteer_name},
                   {"issuer", Hex(s.issuer.view())},
                   {"issued_at_ms", s.issued_at_ms},
                   {"from_ms", s.from_ms},
                   {"to_ms", s.to_ms},
                   {"total_minutes", s.total_minutes},
                   {"activities", s.activities}};
  // Days in UTC until the node says the community's offset.
  std::int32_t offset = 0;
  auto story = [&] {
    std::string text = F("Statement of certificate {}\n", SerialText(s.serial));
    text += F("  volunteer  {} ({})\n", name, ShortKey(s.volunteer));
    text +=
        F("  service    {} in {}, {} to {}\n", Hours(s.total_minutes), Activities(s.activities),
          LocalTime(s.from_ms, offset).substr(0, 10), LocalTime(s.to_ms - 1, offset).substr(0, 10));
    text += F("  issued     {} by key {}\n", LocalTime(s.issued_at_ms, offset), ShortKey(s.issuer));
    return text;
  };
  auto unchecked = [&](const std::string& why, int exit) {
    out["valid"] = false;
    out["signature_valid"] = true;
    out["checked_against_ledger"] = false;
    out["problems"] = json::array{};
    Done(g, out,
         story() + F("SIGNED: the statement is exactly as key {} signed it. {} Anyone can sign "
                     "with a key of their own: only the ledger shows that this key belongs to "
                     "a coordinator or admin of the community.\n",
                     ShortKey(s.issuer), why));
    return exit;
  };
  if (a.offline) return unchecked(T("Not checked against a ledger (--offline)."), kOk);
  auto status = w.Status();
  if (!status) {
    if (status.error().code != "unreachable") return Fail(g, status.error());
    return unchecked(F("No node answered at {}, so it is not checked against the ledger; try "
                       "again with --node URL, or check the certificate file.",
                       g.node_url),
                     kUnreachable);
  }
  std::string community(status->at("community").as_string());
  if (std::string(status->at("network").as_string()) != Hex(s.network.view())) {
    return unchecked(F("The node at {} keeps the ledger of {}, and this statement is of another "
                       "community (network {}); ask that community's node.",
                       g.node_url, community, Short(Hex(s.network.view()))),
                     kCertificateInvalid);
  }
  if (auto days = w.UtcOffset()) offset = *days;
  json::array problems;
  std::string issuer_text = ShortKey(s.issuer);
  auto issuer = w.Get("/v1/accounts/" + Hex(s.issuer.view()));
  if (!issuer) return Fail(g, issuer.error());
  std::optional<Role> role;
  for (const auto& r : issuer->at("roles").as_array()) {
    if (r.as_string() == "admin") role = Role::kAdmin;
    if (r.as_string() == "coordinator" && role != Role::kAdmin) role = Role::kCoordinator;
  }
  std::string issuer_name = issuer->as_object().contains("name") && issuer->at("name").is_string()
                                ? std::string(issuer->at("name").as_string())
                                : std::string();
  if (!role) {
    problems.emplace_back(
        F("the key {} that signed it holds neither the coordinator nor the admin "
          "role in {} now; if it was revoked after issuing, the certificate "
          "file still shows the role it held",
          ShortKey(s.issuer), community));
  }
  auto volunteer = w.Get("/v1/accounts/" + Hex(s.volunteer.view()));
  if (!volunteer) return Fail(g, volunteer.error());
  std::uint64_t credited = volunteer->at("minutes").to_number<std::uint64_t>();
  if (!volunteer->at("known").as_bool()) {
    problems.emplace_back(F("{} has no account in {}", ShortKey(s.volunteer), community));
  } else if (credited < s.total_minutes) {
    problems.emplace_back(F("the ledger credits {} with {} in all, less than the {} stated", name,
                            Hours(credited), Hours(s.total_minutes)));
  }
  out["community"] = community;
  out["issuer_name"] = issuer_name;
  out["issuer_role"] = role ? json::value(RoleName(*role)) : json::value(nullptr);
  out["credited_minutes"] = credited;
  out["signature_valid"] = true;
  out["checked_against_ledger"] = true;
  out["valid"] = problems.empty();
  std::string text = story();
  if (problems.empty()) {
    text +=
        F("VALID: signed by {} of {}, who holds that role on the ledger at {}; the ledger "
          "credits {} with {} in all, at least the {} stated.\n",
          IssuerWords(issuer_name, role, s.issuer), community, g.node_url, name, Hours(credited),
          Hours(s.total_minutes));
    out["problems"] = std::move(problems);
    return Done(g, out, text);
  }
  text += T("NOT VALID:\n");
  for (const auto& p : problems) text += "  - " + std::string(p.as_string()) + "\n";
  out["problems"] = std::move(problems);
  Done(g, out, text);
  return kCertificateInvalid;
}

}  // namespace

int CertificateVerifyCmd(Wallet& w, const CertificateVerifyArgs& a) {
  if (a.qr.empty() == a.file.empty()) {
    return Fail(w.globals(), {"usage", T("give the certificate FILE, or --qr TEXT with the "
                                         "statement read from its QR code (one of the two)")});
  }
  return a.qr.empty() ? VerifyFile(w, a) : VerifyQr(w, a);
}

}  // namespace lovebank::wallet
