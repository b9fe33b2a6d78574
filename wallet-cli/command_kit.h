// What the wallet's command files share: reading the node's JSON answers, naming
// people and entries as they read them, submitting an entry, and drawing a QR code
// for the terminal. Each command group lives in its own file (account_commands,
// gift_commands, audit_commands, main for the rest and the command line).
#pragma once

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "ledger/entry.h"
#include "wallet-cli/wallet.h"

namespace lovebank::wallet {

// Amounts, counts and minutes: whole numbers written as digits, nothing else.
extern const CLI::Validator kWholeNumber;

// A field of the node's answer: its text, or "" / 0 when it has another type.
std::string Str(const boost::json::value& v);
std::uint64_t U64(const boost::json::value& v);
std::int64_t I64(const boost::json::value& v);

// "  points      40\n": a label padded by display width, then the value.
std::string Field(const std::string& label, const std::string& value);
// The name, or the key's first digits when the member has none.
std::string NameOr(const boost::json::value& name, const std::string& key);
std::string UrlEncode(const std::string& in);
// The codes of an entry's findings, comma separated.
std::string DescribeFindings(const boost::json::value& entry);
// "`what` (entry 1a2b…)" plus what the ledger says about the entry just stored.
std::string Stored(const boost::json::object& answer, const std::string& what);
// `text` as a QR code fitted to this terminal, or a sentence (ending in `instead`)
// when it is too small to show the code whole.
std::string TerminalQr(const std::string& text, const std::string& instead);
// Signs and submits `kind`, then prints what was stored; the exit code.
int Submit(Wallet& w, ledger::EntryKind kind, const std::string& what);
// A KEY argument, or this wallet's own key when it is empty.
Outcome<crypto::PublicKey> KeyOrMine(Wallet& w, const std::string& key_text);
// An entry's status and kind in words; one line saying what an entry did.
std::string StatusWord(const std::string& status);
std::string KindWord(const std::string& kind);
std::string Describe(const boost::json::object& e, std::int32_t offset);
// A role's code ("coordinator") in words; an account's roles, comma separated.
std::string RoleWord(std::string_view role);
std::string Roles(const boost::json::value& account);
// --start: "YYYY-MM-DDTHH:MM" or "YYYY-MM-DD HH:MM" or "HH:MM" (today), community
// local time, as Unix ms; empty: `minutes` before now (the service just ended). `flag`
// names the option in the error.
Outcome<std::uint64_t> ParseStart(Wallet& w, const std::string& text, std::uint32_t minutes,
                                  std::string_view flag = "--start");
// A report's --by (team, grid, building, category, month) in words.
std::string GroupWord(const std::string& by);
// A key in a table: its first 12 digits, or all of it with --wide.
std::string KeyCell(const std::string& key, bool wide);

}  // namespace lovebank::wallet
