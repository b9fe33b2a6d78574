#include "wallet-cli/agent.h"

#include <fcntl.h>
#include <poll.h>
#include <sodium.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "base/clock.h"
#include "base/hex.h"
#include "crypto/hashing.h"
#include "crypto/signing.h"
#include "i18n/i18n.h"
#include "ledger/entry.h"

namespace lovebank::wallet {

namespace {

// A request's payload is at most one entry body; anything larger is not ours.
constexpr std::size_t kMaxPayload = ledger::kMaxBodyBytes;
// How long the agent waits for a client within one exchange: a client that connects
// and says nothing holds the agent for at most this long. A client waits longer for
// the agent, so that one stalled neighbour does not make it give up.
constexpr int kAgentWaitMs = 1000;
constexpr int kClientWaitMs = 5000;

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

void SetTimeouts(int fd, int ms) {
  timeval tv{ms / 1000, (ms % 1000) * 1000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

bool SendAll(int fd, ByteView data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool RecvAll(int fd, char* out, std::size_t size) {
  while (size > 0) {
    ssize_t n = ::recv(fd, out, size, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;  // closed, or the exchange timed out
    out += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// One framed message: a tag byte, then a length-prefixed payload.
bool SendMessage(int fd, char tag, ByteView payload) {
  Bytes out(1, tag);
  AppendBigEndian32(out, static_cast<std::uint32_t>(payload.size()));
  out += payload;
  return SendAll(fd, out);
}

std::optional<std::pair<char, Bytes>> RecvMessage(int fd) {
  char head[5];
  if (!RecvAll(fd, head, sizeof head)) return std::nullopt;
  std::uint32_t size = ReadBigEndian32(ByteView(head + 1, 4));
  if (size > kMaxPayload) return std::nullopt;
  Bytes payload(size, '\0');
  if (!RecvAll(fd, payload.data(), size)) return std::nullopt;
  return std::pair{head[0], std::move(payload)};
}

bool FillAddress(const std::string& path, sockaddr_un& addr) {
  std::memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return false;
  std::memcpy(addr.sun_path, path.data(), path.size());
  return true;
}

// True if the process at the other end of `fd` runs as this user.
bool PeerIsMe(int fd) {
  ucred cred{};
  socklen_t len = sizeof cred;
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return false;
  return cred.uid == ::geteuid();
}

// A connection to the agent at `path`, only if what is there is a socket of this
// user's, served by a process of this user's.
std::optional<int> Connect(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0 || !S_ISSOCK(st.st_mode) || st.st_uid != ::geteuid()) {
    return std::nullopt;
  }
  sockaddr_un addr{};
  if (!FillAddress(path, addr)) return std::nullopt;
  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return std::nullopt;
  SetTimeouts(fd.get(), kClientWaitMs);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    return std::nullopt;
  }
  if (!PeerIsMe(fd.get())) return std::nullopt;
  return fd.release();
}

std::optional<Bytes> Exchange(const std::string& path, char op, ByteView payload) {
  auto connected = Connect(path);
  if (!connected) return std::nullopt;
  Fd fd(*connected);
  if (!SendMessage(fd.get(), op, payload)) return std::nullopt;
  auto answer = RecvMessage(fd.get());
  if (!answer || answer->first != '+') return std::nullopt;
  return std::move(answer->second);
}

}  // namespace

std::string AgentPath(const std::string& keystore) {
  std::string beside = keystore + ".agent";
  if (beside.size() < sizeof(sockaddr_un{}.sun_path)) return beside;
  // A socket's path has at most 107 bytes. For a keystore deeper than that, the
  // agent listens in the user's own runtime folder instead, under a name made from
  // the keystore's absolute path, so each keystore still has one agent of its own.
  std::error_code ec;
  std::string absolute = std::filesystem::absolute(keystore, ec).lexically_normal().string();
  if (ec) absolute = keystore;
  const std::string name =
      "lovebank-agent-" + ToHex(crypto::Blake2b256(ByteView(absolute))).substr(0, 24);
  if (const char* runtime = std::getenv("XDG_RUNTIME_DIR"); runtime && runtime[0] == '/') {
    std::string in_runtime = std::string(runtime) + "/" + name;
    if (in_runtime.size() < sizeof(sockaddr_un{}.sun_path)) return in_runtime;
  }
  return "/tmp/lovebank-" + std::to_string(::geteuid()) + "/" + name;
}

std::optional<AgentInfo> AskAgent(const std::string& path) {
  auto answer = Exchange(path, 'I', {});
  if (!answer || answer->size() != 40) return std::nullopt;
  auto key = crypto::PublicKey::FromView(ByteView(*answer).substr(0, 32));
  if (!key) return std::nullopt;
  return AgentInfo{*key, ReadBigEndian64(ByteView(*answer).substr(32))};
}

std::optional<crypto::Signature> AgentSign(const std::string& path, ByteView body) {
  auto answer = Exchange(path, 'S', body);
  if (!answer) return std::nullopt;
  return crypto::Signature::FromView(*answer);
}

bool StopAgent(const std::string& path) { return Exchange(path, 'Q', {}).has_value(); }

Result<int> ListenAgent(const std::string& path) {
  sockaddr_un addr{};
  if (!FillAddress(path, addr)) {
    return Error{ErrorCode::kInvalidArgument,
                 i18n::F("the path {} is too long for the agent's socket; use a shorter "
                         "--keystore path",
                         path)};
  }
  // The shared folder of AgentPath's fallback is this user's alone: made private
  // here, and refused if someone else made it first or opened it to others.
  const std::string folder = "/tmp/lovebank-" + std::to_string(::geteuid());
  if (path.rfind(folder + "/", 0) == 0) {
    if (::mkdir(folder.c_str(), 0700) != 0 && errno != EEXIST) {
      return Error{ErrorCode::kUnavailable,
                   i18n::F("cannot create the folder {}: {}", folder, std::strerror(errno))};
    }
    struct stat dir {};
    if (::lstat(folder.c_str(), &dir) != 0 || !S_ISDIR(dir.st_mode) || dir.st_uid != ::geteuid() ||
        (dir.st_mode & 0077) != 0) {
      return Error{ErrorCode::kUnavailable,
                   i18n::F("{} is not a private folder of yours, so the agent will not listen "
                           "there; remove it, or use a shorter --keystore path",
                           folder)};
    }
  }
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      return Error{ErrorCode::kAlreadyExists,
                   i18n::F("{} exists and is not an agent's socket; move it away first", path)};
    }
    if (AskAgent(path)) {
      return Error{ErrorCode::kAlreadyExists,
                   i18n::T("an agent already holds this key; `lovebank agent stop` ends it")};
    }
    ::unlink(path.c_str());  // left by an agent that ended without removing it
  }
  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return Error{ErrorCode::kUnavailable, std::strerror(errno)};
  // The socket is born private: nobody else may even connect.
  mode_t old = ::umask(0177);
  int bound = ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  int bind_errno = errno;
  ::umask(old);
  if (bound != 0) {
    return Error{ErrorCode::kUnavailable, i18n::F("cannot create the agent's socket {}: {}", path,
                                                  std::strerror(bind_errno))};
  }
  if (::listen(fd.get(), 8) != 0) {
    ::unlink(path.c_str());
    return Error{ErrorCode::kUnavailable, std::strerror(errno)};
  }
  return fd.release();
}

void ServeAgent(int listen_fd, const std::string& path, const crypto::SecretKey& key,
                std::uint64_t until_ms) {
  // Another process of this user may not read the key out of this one's memory
  // (ptrace, /proc/PID/mem, a core dump), and it is never swapped out.
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  sodium_mlock(const_cast<std::uint8_t*>(key.raw()), 64);
  struct stat at_path {};
  const bool have_inode = ::lstat(path.c_str(), &at_path) == 0;
  Bytes info = key.public_key().ToBytes();
  AppendBigEndian64(info, until_ms);
  for (;;) {
    std::uint64_t now = lovebank::NowMs();
    if (now >= until_ms) break;
    pollfd p{listen_fd, POLLIN, 0};
    int wait = static_cast<int>(std::min<std::uint64_t>(until_ms - now, 60'000));
    int ready = ::poll(&p, 1, wait);
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) continue;
    Fd client(::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC));
    if (client.get() < 0) continue;
    if (!PeerIsMe(client.get())) continue;
    SetTimeouts(client.get(), kAgentWaitMs);
    auto request = RecvMessage(client.get());
    if (!request) continue;
    auto [op, payload] = std::move(*request);
    if (op == 'I') {
      SendMessage(client.get(), '+', info);
    } else if (op == 'Q') {
      SendMessage(client.get(), '+', {});
      break;
    } else if (op == 'S') {
      // Only this key's ledger entries: the agent is not a signing oracle for
      // certificates or anything else a process could ask it to sign.
      auto entry = ledger::DecodeEntryBody(payload);
      if (!entry || entry->author != key.public_key()) {
        SendMessage(client.get(), '-', "not an entry of this key");
        continue;
      }
      SendMessage(client.get(), '+', crypto::SignEntryBody(key, payload).view());
    } else {
      SendMessage(client.get(), '-', "unknown request");
    }
  }
  // Remove the socket only if it is still ours (a new agent may have taken the path).
  struct stat now_at {};
  if (have_inode && ::lstat(path.c_str(), &now_at) == 0 && now_at.st_ino == at_path.st_ino &&
      now_at.st_dev == at_path.st_dev) {
    ::unlink(path.c_str());
  }
  sodium_munlock(const_cast<std::uint8_t*>(key.raw()), 64);  // wipes it too
}

std::optional<std::uint64_t> ParseDuration(const std::string& text) {
  if (text.empty() || text.size() > 8) return std::nullopt;
  std::uint64_t unit = 60;
  std::string digits = text;
  switch (text.back()) {
    case 's':
      unit = 1;
      digits.pop_back();
      break;
    case 'm':
      unit = 60;
      digits.pop_back();
      break;
    case 'h':
      unit = 3600;
      digits.pop_back();
      break;
    default:
      break;
  }
  if (digits.empty()) return std::nullopt;
  std::uint64_t n = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (n == 0) return std::nullopt;
  return n * unit;
}

}  // namespace lovebank::wallet
