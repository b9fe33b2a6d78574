// The signing agent: `lovebank agent start` asks for the passphrase once and keeps
// the key in a background process for a while, so that a steward recording twenty
// entries types it once (docs/cli.md, "The signing agent"). The agent listens on a
// Unix socket beside the keystore, answers only processes of the same user, signs
// only ledger entries of its own key, and ends when its time is up or when it is told.
//
// Each exchange is one request and one answer on a fresh connection:
//   request: op (1 byte: 'I' info, 'S' sign, 'Q' quit), u32 big-endian length, payload
//   answer:  '+' or '-', u32 big-endian length, payload (the reason after '-')
// 'I' answers the key (32 bytes) and the end (u64 big-endian, Unix ms); 'S' takes an
// entry body and answers its 64-byte entry signature.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/keys.h"

namespace lovebank::wallet {

// Where the agent of the keystore at `keystore` listens: beside it (KEYSTORE.agent),
// or, when that path is too long for a Unix socket, in $XDG_RUNTIME_DIR or a private
// /tmp/lovebank-UID folder under a name made from the keystore's absolute path.
std::string AgentPath(const std::string& keystore);

struct AgentInfo {
  crypto::PublicKey key;
  std::uint64_t until_ms = 0;
};

// The agent at `path`, if one answers there: a socket owned by this user, served by a
// process of this user. nullopt when there is none, or what is there is not an agent.
// Waits at most a few seconds for an answer.
std::optional<AgentInfo> AskAgent(const std::string& path);
// The agent's signature of an entry body, or nullopt if it did not give one.
std::optional<crypto::Signature> AgentSign(const std::string& path, ByteView body);
// Tells the agent to end; true if one answered.
bool StopAgent(const std::string& path);

// Binds the agent's socket at `path` (mode 0600). A socket left by an agent that
// ended is replaced; a live agent, or anything that is not a socket, is refused.
Result<int> ListenAgent(const std::string& path);
// Serves requests on `listen_fd` until `until_ms` (Unix ms) or a quit, then removes
// the socket. Signs only bodies that decode as entries authored by `key`.
void ServeAgent(int listen_fd, const std::string& path, const crypto::SecretKey& key,
                std::uint64_t until_ms);

// "90s", "15m", "2h" or a number of minutes, as a number of seconds; nullopt otherwise.
std::optional<std::uint64_t> ParseDuration(const std::string& text);

}  // namespace lovebank::wallet
