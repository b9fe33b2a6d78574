#include "tests/support/process.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>
#include <thread>

extern char** environ;

namespace lovebank::testing {

namespace {

std::string ReadAll(int fd) {
  std::string out;
  char buffer[8192];
  ssize_t n;
  while ((n = ::read(fd, buffer, sizeof buffer)) > 0) out.append(buffer, static_cast<std::size_t>(n));
  return out;
}

std::vector<std::string> MergedEnvironment(const std::map<std::string, std::string>& env) {
  std::vector<std::string> out;
  for (char** e = environ; *e; ++e) {
    std::string entry(*e);
    auto eq = entry.find('=');
    if (env.count(entry.substr(0, eq))) continue;
    out.push_back(entry);
  }
  for (const auto& [k, v] : env) out.push_back(k + "=" + v);
  return out;
}

std::vector<char*> Pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

int ExitCode(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

std::string SlurpFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

namespace {

// Whether a loopback listener could take `port` right now.
bool Bindable(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// The lowest port the kernel hands out for outgoing connections (32768 by default).
int EphemeralLow() {
  std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
  int low = 0, high = 0;
  if (range >> low >> high) return low;
  return 32768;
}

}  // namespace

// A port from the kernel's ephemeral range is a bad choice: between this check and
// the node's bind, any outgoing connection of a test running beside this one may be
// given the same port ("Address already in use"). Ports below that range are never
// handed out implicitly, so pick one at random there and check it is free.
int FreePort() {
  int top = EphemeralLow();
  constexpr int kBottom = 10000;
  if (top > kBottom + 1000) {
    std::random_device seed;
    std::mt19937 pick(seed());
    std::uniform_int_distribution<int> port(kBottom, top - 1);
    for (int tries = 0; tries < 200; ++tries) {
      int p = port(pick);
      if (Bindable(p)) return p;
    }
  }
  // No room below the ephemeral range: let the kernel choose, as before.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int chosen = ntohs(addr.sin_port);
  ::close(fd);
  return chosen;
}

ProcessResult RunProcess(const std::vector<std::string>& argv_in,
                         const std::map<std::string, std::string>& env,
                         const std::string& input, int timeout_seconds) {
  // Output goes to temporary files: no pipe can fill up and block the child.
  char out_name[] = "/tmp/lovebank-out.XXXXXX";
  char err_name[] = "/tmp/lovebank-err.XXXXXX";
  char in_name[] = "/tmp/lovebank-in.XXXXXX";
  int out_fd = ::mkstemp(out_name), err_fd = ::mkstemp(err_name), in_fd = ::mkstemp(in_name);
  (void)!::write(in_fd, input.data(), input.size());
  ::lseek(in_fd, 0, SEEK_SET);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_fd, 0);
  posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
  posix_spawn_file_actions_adddup2(&actions, err_fd, 2);
  std::vector<std::string> args = argv_in;
  std::vector<std::string> envs = MergedEnvironment(env);
  auto argv = Pointers(args);
  auto envp = Pointers(envs);
  pid_t pid;
  ProcessResult result;
  if (posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data()) == 0) {
    int status = 0;
    rusage usage{};
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
    for (;;) {
      if (::wait4(pid, &status, timeout_seconds > 0 ? WNOHANG : 0, &usage) == pid) break;
      if (timeout_seconds > 0 && !result.timed_out && std::chrono::steady_clock::now() > deadline) {
        result.timed_out = true;
        ::kill(pid, SIGKILL);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    result.exit_code = ExitCode(status);
    result.max_rss_kb = usage.ru_maxrss;
  }
  posix_spawn_file_actions_destroy(&actions);
  ::lseek(out_fd, 0, SEEK_SET);
  ::lseek(err_fd, 0, SEEK_SET);
  result.out = ReadAll(out_fd);
  result.err = ReadAll(err_fd);
  for (int fd : {out_fd, err_fd, in_fd}) ::close(fd);
  for (const char* name : {out_name, err_name, in_name}) ::unlink(name);
  return result;
}

NodeProcess::NodeProcess(const std::string& binary, const std::string& data_dir,
                         std::vector<std::string> extra_args) {
  out_path_ = data_dir + ".out";
  err_path_ = data_dir + ".err";
  std::vector<std::string> args{binary, "run", "--data", data_dir, "--api", "127.0.0.1:0"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  int out_fd = ::open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  int err_fd = ::open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
  posix_spawn_file_actions_adddup2(&actions, err_fd, 2);
  auto argv = Pointers(args);
  if (posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ) != 0) pid_ = -1;
  posix_spawn_file_actions_destroy(&actions);
  ::close(out_fd);
  ::close(err_fd);
}

NodeProcess::~NodeProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

bool NodeProcess::WaitReady() {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  const std::string marker = "api listening on 127.0.0.1:";
  while (std::chrono::steady_clock::now() < deadline && pid_ > 0) {
    std::string out = SlurpFile(out_path_);
    if (auto at = out.find(marker); at != std::string::npos) {
      port_ = std::atoi(out.c_str() + at + marker.size());
      return port_ > 0;
    }
    int status;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

int NodeProcess::Stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return ExitCode(status);
}

std::string NodeProcess::Log() const { return SlurpFile(err_path_); }

long RssKb(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return 0;
}

bool Alive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  auto paren = text.rfind(')');
  return paren != std::string::npos && paren + 2 < text.size() && text[paren + 2] != 'Z';
}

BackgroundProcess::BackgroundProcess(const std::vector<std::string>& argv_in) {
  char out_name[] = "/tmp/lovebank-bg.XXXXXX";
  int out_fd = ::mkstemp(out_name);
  out_path_ = out_name;
  int null_fd = ::open("/dev/null", O_WRONLY);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
  posix_spawn_file_actions_adddup2(&actions, null_fd, 2);
  std::vector<std::string> args = argv_in;
  auto argv = Pointers(args);
  if (posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ) != 0) pid_ = -1;
  posix_spawn_file_actions_destroy(&actions);
  ::close(out_fd);
  ::close(null_fd);
}

BackgroundProcess::~BackgroundProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  ::unlink(out_path_.c_str());
}

std::string BackgroundProcess::WaitForLine(const std::string& marker) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline && pid_ > 0) {
    std::string out = SlurpFile(out_path_);
    if (auto at = out.find(marker); at != std::string::npos) {
      auto end = out.find('\n', at);
      if (end != std::string::npos) return out.substr(at + marker.size(), end - at - marker.size());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return {};
}

}  // namespace lovebank::testing
