#include "wallet-cli/key_commands.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <thread>

#include "base/base64.h"
#include "base/file.h"
#include "base/hex.h"
#include "crypto/keystore.h"
#include "i18n/i18n.h"
#include "wallet-cli/agent.h"
#include "wallet-cli/command_kit.h"
#include "wallet-cli/output.h"

namespace lovebank::wallet {

using i18n::F;
using i18n::T;
namespace json = boost::json;

namespace {

// The text form of a keystore for a paper backup: "lbks1:" and its bytes in base64.
// The keystore is already sealed under the passphrase, so the paper holds nothing
// without it.
constexpr std::string_view kPaperPrefix = "lbks1:";

// The longest an agent holds a key: a working day at the counter.
constexpr std::uint64_t kMaxAgentSeconds = 12 * 3600;

// "14:35" on this computer's clock: the agent's end is for the person at it.
std::string ClockTime(std::uint64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm local{};
  localtime_r(&t, &local);
  char text[16];
  std::strftime(text, sizeof text, "%H:%M:%S", &local);
  return text;
}

std::string Duration(std::uint64_t seconds) {
  if (seconds % 60 != 0) return F("{} s", seconds);
  return Hours(seconds / 60);
}

json::object AgentJson(const std::string& path, const AgentInfo& info) {
  return json::object{
      {"running", true}, {"agent", path}, {"key", ToHex(info.key)}, {"until_ms", info.until_ms}};
}

}  // namespace

int KeyNew(Wallet& w) {
  const auto& g = w.globals();
  if (std::filesystem::exists(g.keystore)) {
    return Fail(g, {"keystore", F("a keystore already exists at {}; use it (`lovebank key "
                                  "show`) or pass --keystore NEW_PATH",
                                  g.keystore)});
  }
  auto passphrase = w.NewPassphrase();
  if (!passphrase) return Fail(g, passphrase.error());
  if (passphrase->size() < 8) {
    return Fail(g, {"usage", T("the passphrase must have at least 8 characters")});
  }
  auto key = crypto::SecretKey::Generate();
  auto sealed = crypto::SealKeystore(key, *passphrase);
  if (!sealed) return Fail(g, {"keystore", sealed.error().message});
  if (auto s = crypto::WriteKeystoreFile(g.keystore, *sealed); !s) {
    return Fail(g, {"keystore", s.error().message});
  }
  std::string hex = ToHex(key.public_key());
  return Done(g, json::object{{"key", hex}, {"keystore", g.keystore}},
              F("New key {}\nsaved in {} (encrypted with your passphrase; keep a backup of "
                "the file and the passphrase apart: `lovebank key backup`)\n",
                hex, g.keystore));
}

// lovebank key backup --out FILE [--paper]: a copy of the sealed keystore, checked to
// open with the passphrase first, so a backup is known good when it is made.
int KeyBackup(Wallet& w, const std::string& out, bool paper) {
  const auto& g = w.globals();
  auto file = crypto::ReadKeystoreFile(g.keystore);
  if (!file) return Fail(g, {"keystore", file.error().message});
  auto key = w.UnlockFile(*file, g.keystore);
  if (!key) return Fail(g, key.error());
  const std::string text = std::string(kPaperPrefix) + ToBase64Url(*file);
  json::object o{{"key", ToHex(key->public_key())}};
  std::string said;
  if (!out.empty()) {
    if (auto s = crypto::WriteKeystoreFile(out, *file); !s)
      return Fail(g, {"keystore", s.error().message});
    o["backup"] = out;
    said +=
        F("Backup of key {} written to {}. It opens only with your passphrase: keep it "
          "away from this computer (a USB stick), and the passphrase away from it.\n",
          Short(ToHex(key->public_key())), out);
  }
  if (paper) {
    o["paper"] = text;
    said += T("Paper backup (print it, or copy the line; `lovebank key restore` takes "
              "either):\n") +
            TerminalQr(text, T("copy the line below instead")) + text + "\n";
  }
  return Done(g, o, said);
}

// lovebank key restore FROM: a backup file, or the line of a paper backup, becomes the
// keystore at --keystore (never over one that exists), once it opens with its passphrase.
int KeyRestore(Wallet& w, const std::string& from) {
  const auto& g = w.globals();
  if (std::filesystem::exists(g.keystore)) {
    return Fail(g, {"keystore", F("a keystore already exists at {}; restore to another with "
                                  "--keystore NEW_PATH",
                                  g.keystore)});
  }
  Bytes file;
  if (std::string_view(from).starts_with(kPaperPrefix)) {
    auto bytes = FromBase64Url(std::string_view(from).substr(kPaperPrefix.size()));
    if (!bytes || bytes->size() != crypto::kKeystoreFileSize) {
      return Fail(g, {"usage", T("that is not the whole line of a paper backup (it starts "
                                 "lbks1: and is 237 characters long); copy it again")});
    }
    file = std::move(*bytes);
  } else {
    auto read = crypto::ReadKeystoreFile(from);
    if (!read) return Fail(g, {"keystore", read.error().message});
    file = std::move(*read);
  }
  auto key = w.UnlockFile(file, T("the backup"));
  if (!key) return Fail(g, key.error());
  if (auto s = crypto::WriteKeystoreFile(g.keystore, file); !s) {
    return Fail(g, {"keystore", s.error().message});
  }
  const std::string hex = ToHex(key->public_key());
  return Done(g, json::object{{"key", hex}, {"keystore", g.keystore}},
              F("Restored key {} to {}. Before signing, continue your chain from the node: "
                "`lovebank key resync`.\n",
                Short(hex), g.keystore));
}

// lovebank key passphrase [--new-passphrase-file F]: the same key under a new passphrase.
int KeyPassphrase(Wallet& w, const std::string& new_file) {
  const auto& g = w.globals();
  auto key = w.Unlock();
  if (!key) return Fail(g, key.error());
  std::string fresh;
  if (!new_file.empty()) {
    auto text = ReadSmallFile(new_file, 4096, "new passphrase file");
    if (!text) return Fail(g, {"usage", text.error().message});
    fresh = std::string(text->begin(), text->end());
    fresh = fresh.substr(0, fresh.find('\n'));
    if (!fresh.empty() && fresh.back() == '\r') fresh.pop_back();
  } else {
    const char* env = std::getenv("LOVEBANK_PASSPHRASE");
    if ((env != nullptr && *env != '\0') || !g.passphrase_file.empty()) {
      return Fail(g, {"usage", T("give the new passphrase with --new-passphrase-file FILE (the "
                                 "one from LOVEBANK_PASSPHRASE or --passphrase-file is the old "
                                 "one)")});
    }
    auto typed = w.NewPassphrase();
    if (!typed) return Fail(g, typed.error());
    fresh = *typed;
  }
  if (fresh.size() < 8) {
    return Fail(g, {"usage", T("the passphrase must have at least 8 characters")});
  }
  auto sealed = crypto::SealKeystore(*key, fresh);
  if (!sealed) return Fail(g, {"keystore", sealed.error().message});
  if (auto s = ReplaceFile(g.keystore, *sealed, 0600, "keystore"); !s) {
    return Fail(g, {"keystore", s.error().message});
  }
  return Done(g, json::object{{"key", ToHex(key->public_key())}, {"keystore", g.keystore}},
              F("The passphrase of {} is changed. Backups made before still open with the "
                "old one.\n",
                g.keystore));
}

int KeyShow(Wallet& w) {
  auto key = w.MyKey();
  if (!key) return Fail(w.globals(), key.error());
  std::string hex = ToHex(*key);
  return Done(w.globals(), json::object{{"key", hex}, {"keystore", w.globals().keystore}},
              hex + "\n");
}

int KeyResync(Wallet& w) {
  auto r = w.Resync();
  if (!r) return Fail(w.globals(), r.error());
  return Done(w.globals(), *r,
              F("The wallet now continues your chain after entry {} (it was at {}).\n",
                U64(r->at("seq")), U64(r->at("previous_seq"))));
}

// lovebank agent start [--for 30m]: the passphrase once, then a background process
// that signs this key's entries until its time is up (wallet-cli/agent.h).
int AgentStart(Wallet& w, const std::string& duration) {
  const auto& g = w.globals();
  auto seconds = ParseDuration(duration);
  if (!seconds || *seconds > kMaxAgentSeconds) {
    return Fail(g, {"usage", T("--for takes a time such as 90s, 15m or 2h, at most 12h")});
  }
  const std::string path = AgentPath(g.keystore);
  auto me = w.MyKey();
  if (!me) return Fail(g, me.error());
  if (auto running = AskAgent(path); running && running->key == *me) {
    return Fail(g, {"usage", F("an agent already holds this key until {}; `lovebank agent "
                               "stop` ends it",
                               ClockTime(running->until_ms))});
  }
  auto key = w.Unlock();
  if (!key) return Fail(g, key.error());
  auto listening = ListenAgent(path);
  if (!listening) return Fail(g, {"keystore", listening.error().message});
  const int fd = *listening;
  const std::uint64_t until = NowMs() + *seconds * 1000;
  std::cout.flush();
  std::cerr.flush();
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fd);
    ::unlink(path.c_str());
    return Fail(g, {"keystore", T("could not start the agent (fork failed); try again")});
  }
  if (pid == 0) {
    // The agent: its own session, no terminal, nothing inherited but its socket.
    ::setsid();
    int null = ::open("/dev/null", O_RDWR);
    if (null >= 0) {
      ::dup2(null, 0);
      ::dup2(null, 1);
      ::dup2(null, 2);
    }
    for (int other = 3; other < 1024; ++other) {
      if (other != fd) ::close(other);
    }
    ServeAgent(fd, path, *key, until);
    ::_exit(0);
  }
  ::close(fd);
  // Say it holds the key only once it answers.
  std::optional<AgentInfo> info;
  for (int i = 0; i < 100 && !info; ++i) {
    info = AskAgent(path);
    if (!info) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!info) return Fail(g, {"keystore", T("the agent did not start; try again")});
  json::object o = AgentJson(path, *info);
  o["pid"] = pid;
  return Done(g, o,
              F("The agent holds key {} for {}, until {} (this computer's clock): "
                "commands sign without asking for the passphrase until then. "
                "`lovebank agent stop` ends it sooner.\n",
                Short(ToHex(info->key)), Duration(*seconds), ClockTime(info->until_ms)));
}

int AgentStatus(Wallet& w) {
  const auto& g = w.globals();
  const std::string path = AgentPath(g.keystore);
  auto info = AskAgent(path);
  if (!info) {
    return Done(g, json::object{{"running", false}, {"agent", path}},
                T("No agent holds your key: each command asks for the passphrase. "
                  "`lovebank agent start` asks once for a while.\n"));
  }
  return Done(g, AgentJson(path, *info),
              F("The agent holds key {} until {} (this computer's clock).\n",
                Short(ToHex(info->key)), ClockTime(info->until_ms)));
}

int AgentStop(Wallet& w) {
  const auto& g = w.globals();
  const std::string path = AgentPath(g.keystore);
  const bool stopped = StopAgent(path);
  return Done(g, json::object{{"running", false}, {"stopped", stopped}, {"agent", path}},
              stopped ? T("The agent has ended; commands ask for the passphrase again.\n")
                      : T("No agent was holding your key.\n"));
}

}  // namespace lovebank::wallet
