#include "wallet-cli/wallet.h"

#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "base/file.h"
#include "base/hex.h"
#include "crypto/keystore.h"
#include "i18n/i18n.h"
#include "i18n/zone.h"
#include "wallet-cli/agent.h"
#include "wallet-cli/output.h"
#include "wallet-cli/refusal_words.h"

namespace lovebank::wallet {

namespace json = boost::json;
using namespace ledger;

std::uint64_t NowMs() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

namespace {

// A node's refusal in the wallet's language: the node's own sentence when the node
// worded it so (it names the entries and numbers involved), else the wallet's sentence
// for the code with the node's English kept as the detail.
Failure FromApi(const ApiError& e) {
  if (!e.lang.empty() && i18n::ParseLang(e.lang) == i18n::ProcessLang()) {
    return Failure{e.code, e.message};
  }
  if (auto words = RefusalInWords(e.code)) return Failure{e.code, *words, e.message};
  return Failure{e.code, e.message};
}

Failure KeystoreFailure(const Error& e) {
  if (e.code == ErrorCode::kUnauthenticated) {
    return Failure{"wrong_passphrase",
                   i18n::T("wrong passphrase for the keystore; type it again (it is "
                           "case-sensitive)")};
  }
  return Failure{"keystore", e.message};
}

std::string Str(const json::value& v) {
  return v.is_string() ? std::string(v.as_string()) : std::string();
}

std::uint64_t U64(const json::value& v) {
  if (v.is_uint64()) return v.as_uint64();
  if (v.is_int64() && v.as_int64() >= 0) return static_cast<std::uint64_t>(v.as_int64());
  return 0;
}

}  // namespace

bool IsHexPrefix(std::string_view text) {
  return text.size() >= kMinPrefixDigits && text.size() < 64 &&
         std::all_of(text.begin(), text.end(),
                     [](unsigned char ch) { return std::isxdigit(ch) != 0; });
}

std::string LowerHex(std::string_view text) {
  std::string out(text);
  for (char& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

std::string LatestKey(const json::value& member) {
  const auto& keys = member.at("keys").as_array();
  if (keys.empty()) throw std::runtime_error("a member with no keys");
  return Str(keys.back());
}

namespace {

// Reads a line from the terminal with echo off.
std::optional<std::string> PromptHidden(const std::string& prompt) {
  FILE* tty = std::fopen("/dev/tty", "r+");
  if (!tty) return std::nullopt;
  std::fputs(prompt.c_str(), tty);
  std::fflush(tty);
  int fd = fileno(tty);
  termios old{};
  bool restore = ::tcgetattr(fd, &old) == 0;
  if (restore) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  std::string line;
  int c;
  while ((c = std::fgetc(tty)) != EOF && c != '\n') line.push_back(static_cast<char>(c));
  if (restore) ::tcsetattr(fd, TCSAFLUSH, &old);
  std::fputs("\n", tty);
  std::fclose(tty);
  return line;
}

}  // namespace

Wallet::Wallet(Globals globals) : globals_(std::move(globals)) {
  auto client = NodeClient::Create(globals_.node_url);
  if (client) {
    client_ = std::move(*client);
  } else {
    client_error_ = Failure{"usage", client.error().message};
  }
}

Outcome<json::value> Wallet::Get(const std::string& target) const {
  if (client_error_) return *client_error_;
  auto r = client_->Get(target);
  if (!r) return FromApi(r.error());
  return std::move(*r);
}

Outcome<RawReply> Wallet::GetRaw(const std::string& target) const {
  if (client_error_) return *client_error_;
  auto r = client_->GetRaw(target);
  if (!r) return FromApi(r.error());
  return std::move(*r);
}

Outcome<json::value> Wallet::Post(const std::string& target, const json::value& body) {
  if (client_error_) return *client_error_;
  auto r = client_->Post(target, body);
  if (!r) return FromApi(r.error());
  return std::move(*r);
}

Outcome<json::object> Wallet::Status() {
  if (!status_) {
    auto s = Get("/v1/status");
    if (!s) return s.error();
    if (!s->is_object()) return Failure{"bad_response", "the node's status is not an object"};
    status_ = s->as_object();
  }
  return *status_;
}

Outcome<std::int32_t> Wallet::UtcOffset() {
  auto s = Status();
  if (!s) return s.error();
  return static_cast<std::int32_t>(
      s->at("policy").as_object().at("utc_offset_minutes").to_number<std::int64_t>());
}

Outcome<std::string> Wallet::ZoneLabel() {
  auto offset = UtcOffset();
  if (!offset) return offset.error();
  const std::string offset_name = i18n::OffsetName(*offset);
  auto status = Status();  // fetched once per command; UtcOffset() just read it
  if (!status) return status.error();
  const auto* zone = status->at("policy").as_object().if_contains("time_zone");
  if (zone == nullptr || !zone->is_string() || zone->as_string().empty()) return offset_name;
  return i18n::ZoneDisplayName(zone->as_string(), i18n::ProcessLang()) + " (" + offset_name + ")";
}

Outcome<crypto::PublicKey> Wallet::MyKey() const {
  auto file = crypto::ReadKeystoreFile(globals_.keystore);
  if (!file) return KeystoreFailure(file.error());
  auto key = crypto::KeystorePublicKey(*file);
  if (!key) return KeystoreFailure(key.error());
  return *key;
}

Outcome<std::string> Wallet::Passphrase(const std::string& prompt) const {
  if (const char* env = std::getenv("LOVEBANK_PASSPHRASE"); env && *env) return std::string(env);
  if (!globals_.passphrase_file.empty()) {
    // A passphrase is one line; a file far larger is not a passphrase file.
    constexpr std::size_t kMaxPassphraseFileBytes = 4096;
    auto text = ReadSmallFile(globals_.passphrase_file, kMaxPassphraseFileBytes, "passphrase file");
    if (!text) return Failure{"usage", text.error().message};
    std::string line = text->substr(0, text->find('\n'));
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) {
      return Failure{"usage", i18n::F("the passphrase file {} is empty; write the passphrase "
                                      "on its first line",
                                      globals_.passphrase_file)};
    }
    return line;
  }
  auto typed = PromptHidden(prompt);
  if (!typed) {
    return Failure{"usage",
                   i18n::T("no terminal to ask for the passphrase; set LOVEBANK_PASSPHRASE or "
                           "pass --passphrase-file")};
  }
  return *typed;
}

Outcome<crypto::SecretKey> Wallet::Unlock() const {
  auto file = crypto::ReadKeystoreFile(globals_.keystore);
  if (!file) return KeystoreFailure(file.error());
  return UnlockFile(*file, globals_.keystore);
}

Outcome<crypto::SecretKey> Wallet::UnlockFile(ByteView file, const std::string& name) const {
  // A person at the prompt gets three tries; a passphrase from the environment or a
  // file is what it is, and one try tells.
  const bool prompting =
      !(std::getenv("LOVEBANK_PASSPHRASE") && *std::getenv("LOVEBANK_PASSPHRASE")) &&
      globals_.passphrase_file.empty();
  constexpr int kTries = 3;
  for (int attempt = 1;; ++attempt) {
    auto passphrase = Passphrase(i18n::F("Passphrase for {}: ", name));
    if (!passphrase) return passphrase.error();
    auto key = crypto::OpenKeystore(file, *passphrase);
    if (key) return std::move(*key);
    if (!prompting || attempt == kTries || key.error().code != ErrorCode::kUnauthenticated) {
      return KeystoreFailure(key.error());
    }
    std::cerr << i18n::F("Wrong passphrase; try again ({} of {}).\n", attempt, kTries);
  }
}

Outcome<std::string> Wallet::NewPassphrase() const {
  if (std::getenv("LOVEBANK_PASSPHRASE") || !globals_.passphrase_file.empty()) {
    return Passphrase("");
  }
  auto first = Passphrase(i18n::T("New passphrase (at least 8 characters): "));
  if (!first) return first.error();
  auto second = Passphrase(i18n::T("The same passphrase again: "));
  if (!second) return second.error();
  if (*first != *second) {
    return Failure{"usage", i18n::T("the two passphrases differ; try again")};
  }
  return *first;
}

Outcome<crypto::PublicKey> Wallet::ResolveKey(const std::string& text) {
  if (auto key = FixedFromHex<crypto::PublicKey>(text)) return *key;
  auto members = Get("/v1/members");
  if (!members) return members.error();
  std::optional<crypto::PublicKey> found;
  int matches = 0;
  for (const auto& m : members->at("members").as_array()) {
    if (Str(m.at("name")) == text) {
      ++matches;
      found = FixedFromHex<crypto::PublicKey>(LatestKey(m));
    }
  }
  if (matches == 1 && found) return *found;
  if (matches > 1) {
    return Failure{"usage", i18n::F("several members are called '{}'; give the key instead", text)};
  }
  if (IsHexPrefix(text)) {
    // The first digits of one member's key: any key the member ever had, so that an
    // old key still names them, but the answer is the key they sign with now.
    const std::string lower = LowerHex(text);
    std::vector<std::string> names;
    for (const auto& m : members->at("members").as_array()) {
      const auto* keys = m.as_object().if_contains("keys");
      if (keys == nullptr || !keys->is_array()) continue;
      for (const auto& k : keys->as_array()) {
        if (k.is_string() && std::string_view(k.as_string()).starts_with(lower)) {
          found = FixedFromHex<crypto::PublicKey>(LatestKey(m));
          names.push_back(Str(m.at("name")) + " (" + LatestKey(m).substr(0, 16) + ")");
          break;
        }
      }
    }
    if (names.size() == 1 && found) return *found;
    if (names.size() > 1) {
      std::string list;
      for (const auto& n : names) list += "\n  " + n;
      return Failure{"ambiguous_id",
                     i18n::F("the keys of {} members start with {}; give more of its digits:",
                             names.size(), text) +
                         list};
    }
  }
  return Failure{"usage", i18n::F("'{}' is neither a key (64 hex digits) nor the name of an "
                                  "enrolled member; ask them for `lovebank key show`",
                                  text)};
}

Outcome<json::object> Wallet::ResolveItem(const std::string& text) {
  auto catalog = Get("/v1/catalog");
  if (!catalog) return catalog.error();
  std::vector<json::object> matches;
  for (const auto& item : catalog->at("items").as_array()) {
    if (Str(item.at("item")) == text || Str(item.at("name")) == text) {
      matches.push_back(item.as_object());
    }
  }
  if (matches.empty() && IsHexPrefix(text)) {
    for (const auto& item : catalog->at("items").as_array()) {
      if (Str(item.at("item")).starts_with(LowerHex(text))) matches.push_back(item.as_object());
    }
    if (matches.size() > 1) {
      std::string list;
      for (const auto& m : matches)
        list += "\n  " + Str(m.at("item")).substr(0, 16) + "  " + Str(m.at("name"));
      return Failure{"ambiguous_id",
                     i18n::F("{} gifts have an id starting with {}; give more of its digits:",
                             matches.size(), text) +
                         list};
    }
  }
  if (matches.size() > 1) {
    // A gift withdrawn and listed again under its name: the name means the listed one.
    std::erase_if(matches, [](const json::object& m) {
      const auto* w = m.if_contains("withdrawn");
      return w != nullptr && w->is_bool() && w->as_bool();
    });
  }
  if (matches.size() == 1) return matches.front();
  if (matches.size() > 1) {
    return Failure{"usage",
                   i18n::F("several gifts are called '{}'; give the item id instead", text)};
  }
  return Failure{"unknown_item",
                 i18n::F("no gift '{}' in the catalogue; see `lovebank catalog list`", text)};
}

Outcome<EntryId> Wallet::ParseId(const std::string& text) const {
  if (auto id = FixedFromHex<EntryId>(text)) return *id;
  return Failure{"usage", i18n::F("'{}' is not an entry id (64 hex digits)", text)};
}

std::optional<Failure> Wallet::Confirm(const std::string& act) const {
  if (globals_.yes) return std::nullopt;
  if (::isatty(STDIN_FILENO) == 0) {
    return Failure{"not_confirmed",
                   i18n::F("{}: this asks for a yes, and there is no terminal to ask on; add "
                           "--yes to do it from a script. Nothing was signed",
                           act)};
  }
  std::cerr << i18n::F("{}.\nThis cannot be taken back. Type yes to go on: ", act) << std::flush;
  std::string answer;
  std::getline(std::cin, answer);
  answer = LowerHex(answer);  // lower case; the answer is ASCII or it is not yes
  while (!answer.empty() && std::isspace(static_cast<unsigned char>(answer.back()))) {
    answer.pop_back();
  }
  // "yes" in any language the wallet speaks; what a Chinese reader types for it too.
  if (answer == "yes" || answer == "y" || answer == "\u662f" || answer == "\u662f\u7684") {
    return std::nullopt;
  }
  return Failure{"not_confirmed", i18n::T("stopped: you did not answer yes. Nothing was signed")};
}

Outcome<EntryId> Wallet::ResolveId(const std::string& text) {
  if (auto id = FixedFromHex<EntryId>(text)) return *id;
  if (!IsHexPrefix(text)) {
    return Failure{"bad_id", i18n::F("'{}' is not an entry id: give its 64 hex digits, or the "
                                     "first 8 or more (the 12 that `lovebank` prints will do)",
                                     text)};
  }
  auto entry = Get("/v1/entries/" + text);
  if (!entry) return entry.error();
  if (auto id = FixedFromHex<EntryId>(Str(entry->at("id")))) return *id;
  return Failure{"bad_response", "the node answered an entry without a valid id"};
}

Outcome<VerifiedEntry> Wallet::SignMine(const Entry& e) const {
  // The agent first: it holds this key unlocked for a while (`lovebank agent start`).
  // Whatever it answers is checked like an entry from a stranger; an agent that is
  // not there, holds another key, or signs wrongly is passed over for the passphrase.
  const std::string agent = AgentPath(globals_.keystore);
  if (auto info = AskAgent(agent); info && info->key == e.author) {
    Bytes body = EncodeEntryBody(e);
    if (auto signature = AgentSign(agent, body)) {
      auto v = VerifyEnvelope(EncodeEnvelope(body, *signature), std::nullopt);
      if (v && v->entry.author == e.author) return std::move(*v);
    }
  }
  auto secret = Unlock();
  if (!secret) return secret.error();
  if (secret->public_key() != e.author) {
    return Failure{"keystore", "the keystore's public key does not match its secret"};
  }
  return SignEntry(e, *secret);
}

Outcome<VerifiedEntry> Wallet::SignGenesis(Genesis genesis) {
  auto me = MyKey();
  if (!me) return me.error();
  auto chain = ChainState::Load(ChainPath());
  if (!chain) return Failure{"keystore", chain.error().message};
  Entry e;
  e.author = *me;
  e.seq = 1;
  e.timestamp_ms = NowMs();
  e.kind = std::move(genesis);
  auto signed_entry = SignMine(e);
  if (!signed_entry) return signed_entry.error();
  VerifiedEntry v = std::move(*signed_entry);
  ChainRecord record;
  record.seq = 1;
  record.id = ToHex(v.id);
  record.recent.push_back(ToHex(v.envelope));
  if (auto s = chain->Put(ToHex(v.id), record); !s) {
    return Failure{"keystore", s.error().message};
  }
  return v;
}

Outcome<json::object> Wallet::Resync() {
  auto me = MyKey();
  if (!me) return me.error();
  auto status = Status();
  if (!status) return status.error();
  std::string network = Str(status->at("network"));
  auto head = Get("/v1/chains/" + ToHex(*me) + "?from=1&limit=1");
  if (!head) return head.error();
  std::uint64_t head_seq = U64(head->at("head_seq"));
  std::uint64_t from = head_seq > kRecentEntries ? head_seq - kRecentEntries + 1 : 1;
  auto tail = Get("/v1/chains/" + ToHex(*me) + "?from=" + std::to_string(from) +
                  "&limit=" + std::to_string(kRecentEntries));
  if (!tail) return tail.error();
  auto chain = ChainState::Load(ChainPath());
  if (!chain) return Failure{"keystore", chain.error().message};
  ChainRecord before = chain->Get(network);
  ChainRecord record;
  record.seq = head_seq;
  record.id = head_seq ? Str(head->at("head_id")) : "";
  record.acknowledged = true;
  for (const auto& e : tail->at("entries").as_array()) {
    if (U64(e.at("seq")) <= head_seq) record.recent.push_back(Str(e.at("envelope")));
  }
  if (auto s = chain->Put(network, record); !s) return Failure{"keystore", s.error().message};
  return json::object{{"key", ToHex(*me)},
                      {"network", network},
                      {"previous_seq", before.seq},
                      {"seq", head_seq}};
}

Outcome<std::vector<Bytes>> Wallet::RecentChain(const std::string& id) {
  auto status = Status();
  if (!status) return status.error();
  auto chain = ChainState::Load(ChainPath());
  if (!chain) return Failure{"keystore", chain.error().message};
  ChainRecord record = chain->Get(Str(status->at("network")));
  std::vector<Bytes> out;
  for (const auto& hex : record.recent) {
    auto bytes = FromHex(hex);
    if (bytes) out.push_back(std::move(*bytes));
    if (auto v = VerifyEnvelope(ByteView(out.back()), std::nullopt); v && ToHex(v->id) == id) {
      return out;
    }
  }
  return Failure{"internal", "the wallet no longer holds the entry " + Short(id)};
}

Outcome<json::object> Wallet::SignAndSubmit(EntryKind kind) {
  auto me = MyKey();
  if (!me) return me.error();
  auto status = Status();
  if (!status) return status.error();
  std::string network_hex = Str(status->at("network"));
  auto network = FixedFromHex<NetworkId>(network_hex);
  if (!network) return Failure{"bad_response", "the node's network id is not hex"};
  auto chain = ChainState::Load(ChainPath());
  if (!chain) return Failure{"keystore", chain.error().message};
  ChainRecord record = chain->Get(network_hex);

  // An entry at record.seq that never reached a node (reserved but not signed, or
  // refused by the node, which stores nothing it refuses) leaves its seq free.
  if (record.seq > 0 && (record.id.empty() || record.refused)) {
    if (!record.id.empty() && !record.recent.empty()) record.recent.pop_back();
    record.seq -= 1;
    record.id.clear();
    record.refused = false;
    if (!record.recent.empty()) {
      auto bytes = FromHex(record.recent.back());
      auto v = bytes ? VerifyEnvelope(ByteView(*bytes), std::nullopt)
                     : Result<VerifiedEntry, Rejection>(Rejection{RejectCode::kMalformed, ""});
      if (v && v->entry.seq == record.seq) record.id = ToHex(v->id);
    }
  }

  // What the node holds of this key's chain.
  std::uint64_t from = std::max<std::uint64_t>(record.seq, 1);
  auto view = Get("/v1/chains/" + ToHex(*me) + "?from=" + std::to_string(from) + "&limit=1");
  if (!view) return view.error();
  std::uint64_t node_seq = U64(view->at("head_seq"));
  std::string node_head = node_seq ? Str(view->at("head_id")) : "";

  auto behind = [&](std::uint64_t wallet_seq) {
    return Failure{
        "wallet_behind",
        i18n::F("this wallet last signed entry {} of your chain, but the node holds it up to "
                "entry {} (a restored backup, or this key in use elsewhere). To avoid forking "
                "your account the wallet will not sign; make sure no other copy of this key is "
                "in use, then run `lovebank key resync`",
                wallet_seq, node_seq)};
  };
  if (!chain->Has(network_hex) && node_seq > 0) return behind(0);
  if (node_seq > record.seq) return behind(record.seq);

  if (record.seq > node_seq) {
    // Entries signed here that this node lacks: send them first, oldest first.
    std::size_t missing = record.seq - node_seq;
    if (missing > record.recent.size()) {
      return Failure{"chain_conflict",
                     i18n::F("the node holds your chain only up to entry {} and this wallet "
                             "no longer has the entries after it; use a node that has synced "
                             "your entries",
                             node_seq)};
    }
    json::array envelopes;
    for (std::size_t i = record.recent.size() - missing; i < record.recent.size(); ++i) {
      envelopes.emplace_back(record.recent[i]);
    }
    auto sent = Post("/v1/entries", json::object{{"envelopes", std::move(envelopes)}});
    if (!sent) return sent.error();
  } else if (record.seq > 0 && !record.id.empty() && record.id != node_head) {
    return Failure{"chain_conflict",
                   i18n::F("the node holds a different entry {} of your chain than this "
                           "wallet signed; your account may be forked. Ask a community admin "
                           "to look at it",
                           node_seq)};
  }
  std::uint64_t next = record.seq + 1;
  std::string prev = record.id.empty() ? node_head : record.id;

  // Reserve the seq on disk before signing.
  record.seq = next;
  record.id.clear();
  record.acknowledged = false;
  record.refused = false;
  if (auto s = chain->Put(network_hex, record); !s) return Failure{"keystore", s.error().message};

  Entry e;
  e.author = *me;
  e.seq = next;
  if (next > 1) e.prev = FixedFromHex<EntryId>(prev);
  e.network = *network;
  e.timestamp_ms = NowMs();
  e.kind = std::move(kind);
  auto signed_entry = SignMine(e);
  if (!signed_entry) return signed_entry.error();
  VerifiedEntry v = std::move(*signed_entry);

  // The signed entry is on disk before it leaves the wallet.
  record.id = ToHex(v.id);
  record.recent.push_back(ToHex(v.envelope));
  while (record.recent.size() > kRecentEntries) record.recent.erase(record.recent.begin());
  if (auto s = chain->Put(network_hex, record); !s) return Failure{"keystore", s.error().message};

  auto answer = Post("/v1/entries", json::object{{"envelope", ToHex(v.envelope)}});
  if (!answer) {
    if (answer.error().code == "unreachable") {
      return Failure{"unreachable",
                     answer.error().message +
                         i18n::T(". Your signed entry is kept in the wallet and is sent with "
                                 "your next command")};
    }
    // The node refused: nothing was stored, so this seq may carry another entry.
    record.refused = true;
    if (auto s = chain->Put(network_hex, record); !s) {
      return Failure{"keystore", s.error().message};
    }
    return answer.error();
  }
  record.acknowledged = true;
  if (auto s = chain->Put(network_hex, record); !s) return Failure{"keystore", s.error().message};
  const auto& entries = answer->at("entries").as_array();
  if (entries.empty()) throw std::runtime_error("a submission answered with no entries");
  return entries.back().as_object();
}

int Done(const Globals& g, const boost::json::value& value, const std::string& text) {
  if (g.json) {
    std::cout << boost::json::serialize(value) << "\n";
  } else {
    std::cout << text;
    if (!text.empty() && text.back() != '\n') std::cout << "\n";
  }
  return kOk;
}

int Fail(const Globals& g, const Failure& f) {
  Exit code = ExitForCode(f.code);
  if (g.json) {
    boost::json::object o{{"error", f.code}, {"message", f.message}};
    if (!f.detail.empty()) o["detail"] = f.detail;
    std::cout << boost::json::serialize(o) << "\n";
  }
  const bool colour = UseColour(STDERR_FILENO);
  std::cerr << (colour ? "\033[1;31m" : "") << "lovebank: " << f.message
            << (colour ? "\033[0m" : "") << "\n";
  if (!f.detail.empty()) std::cerr << "  " << i18n::F("(the node says: {})", f.detail) << "\n";
  return code;
}

}  // namespace lovebank::wallet
