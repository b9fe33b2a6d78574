// Real processes for end-to-end tests: run a program and collect its output, or keep
// a lovebank-node running on a free loopback port.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace lovebank::testing {

struct ProcessResult {
  int exit_code = -1;  // 128 + signal if killed
  std::string out, err;
  long max_rss_kb = 0;     // the child's peak resident memory
  bool timed_out = false;  // killed at the timeout
};

// Runs `argv` (argv[0] a path) with `env` added to this process's environment and
// `input` on stdin; waits for it, or kills it after `timeout_seconds` (0: no limit).
ProcessResult RunProcess(const std::vector<std::string>& argv,
                         const std::map<std::string, std::string>& env = {},
                         const std::string& input = {}, int timeout_seconds = 0);

// Resident memory of a running process, from /proc (0 if it is gone).
long RssKb(pid_t pid);
// Whether `pid` is still running (not exited, not a zombie).
bool Alive(pid_t pid);

// A program running in the background until destroyed (SIGKILL); its stdout is kept.
class BackgroundProcess {
 public:
  explicit BackgroundProcess(const std::vector<std::string>& argv);
  ~BackgroundProcess();
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;
  // The rest of the first stdout line that starts with `marker`, waiting up to 20 s;
  // empty if it never came.
  std::string WaitForLine(const std::string& marker);
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  std::string out_path_;
};

// A loopback TCP port that was free a moment ago (for a peer-to-peer listener).
int FreePort();

// `lovebank-node run --data DIR --api 127.0.0.1:0 ...` in the background.
class NodeProcess {
 public:
  NodeProcess(const std::string& binary, const std::string& data_dir,
              std::vector<std::string> extra_args = {});
  ~NodeProcess();  // SIGKILL if still running
  NodeProcess(const NodeProcess&) = delete;
  NodeProcess& operator=(const NodeProcess&) = delete;

  // Waits for the "api listening" line; false if the node exited or 20 s passed.
  bool WaitReady();
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  // SIGTERM and wait; returns the exit code.
  int Stop();
  // Everything the node wrote to stderr (its log).
  std::string Log() const;

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string out_path_, err_path_;
};

}  // namespace lovebank::testing
