// A hostile HTTP client (and a lying HTTP node) for the end-to-end tests and for
// scripts/hostile-soak: each mode is one attack found when Lovebank was tried from
// outside (docs/security.md cases 67-80). It reports what happened, one `name: value`
// line each, and leaves the judging to the test.
//
//   hostile_http MODE --target HOST:PORT [--source ADDR] [--connections N] [--seconds S]
//   hostile_http lie-empty-keys|lie-endless-trailer --serve PORT
//
// MODE
//   trailer-value   a chunked POST whose trailer holds one 65,535-byte field value
//   trailer-name    the same with a 70,000-byte field name
//   trailer-flood   a chunked POST followed by up to a million trailer fields
//                   (prints status: the node's answer, 0 if it closed without one)
//   no-read         N connections each ask for a 16 MiB export page and never read
//                   the reply; held for S seconds, then waits up to 30 s for the node
//                   to end them all (prints closed: how many it ended)
//   busy            N keep-alive connections asking GET /v1/status back to back for S
//                   seconds (prints requests, refused: connections closed at once)
//   silent          N TCP sockets that never speak, reopened every 2 s for S seconds
//                   (point it at a peer-to-peer port; prints opened, closed_at_once)
//   all             trailer-*, no-read and busy together, over and over, for S seconds
//   lie-empty-keys  serve as a "node" whose /v1/members lists a member with no keys
//   lie-endless-trailer  serve as a "node" whose every reply has a trailer that never ends
// --source binds the client to a local address first (127.0.0.66: another source than
// honest clients on 127.0.0.1, as the per-source budgets see it).
#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <cerrno>
#include <boost/asio.hpp>
#include <chrono>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "net/address.h"

namespace asio = boost::asio;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

struct Args {
  std::string mode;
  std::string target;
  std::string source;
  int connections = 1;
  int seconds = 5;
  int serve_port = -1;
};

[[noreturn]] void Usage() {
  std::cerr << "usage: hostile_http MODE --target HOST:PORT [--source ADDR] [--connections N] "
               "[--seconds S]\n       hostile_http lie-empty-keys|lie-endless-trailer --serve PORT\n";
  std::exit(2);
}

struct Target {
  tcp::endpoint endpoint;
  std::string source;
};

// A connected blocking socket, or nullptr if the node refused or was not there.
std::unique_ptr<tcp::socket> Connect(asio::io_context& io, const Target& t, int rcvbuf = 0) {
  auto socket = std::make_unique<tcp::socket>(io);
  boost::system::error_code ec;
  socket->open(t.endpoint.protocol(), ec);
  if (ec) return nullptr;
  if (rcvbuf > 0) socket->set_option(asio::socket_base::receive_buffer_size(rcvbuf), ec);
  if (!t.source.empty()) {
    socket->bind({asio::ip::make_address(t.source), 0}, ec);
    if (ec) return nullptr;
  }
  socket->connect(t.endpoint, ec);
  if (ec) return nullptr;
  return socket;
}

// Whether the peer has closed `socket` within `ms` (a read sees the end or an error).
bool ClosedWithin(tcp::socket& socket, int ms) {
  pollfd p{socket.native_handle(), POLLIN, 0};
  if (::poll(&p, 1, ms) <= 0) return false;
  char buffer[4096];
  ssize_t n = ::recv(socket.native_handle(), buffer, sizeof buffer, MSG_DONTWAIT | MSG_PEEK);
  return n <= 0 || (p.revents & (POLLHUP | POLLERR)) != 0;
}

// Reads until the node closes or `ms` pass; returns the status of the first reply
// (0 if there was none).
int ReadStatus(tcp::socket& socket, int ms) {
  std::string got;
  auto deadline = Clock::now() + std::chrono::milliseconds(ms);
  char buffer[4096];
  while (Clock::now() < deadline && got.size() < 12) {
    pollfd p{socket.native_handle(), POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    ssize_t n = ::recv(socket.native_handle(), buffer, sizeof buffer, 0);
    if (n <= 0) break;
    got.append(buffer, static_cast<std::size_t>(n));
  }
  if (got.size() < 12 || got.compare(0, 5, "HTTP/") != 0) return 0;
  return std::atoi(got.c_str() + 9);
}

bool SendAll(tcp::socket& socket, const std::string& bytes) {
  boost::system::error_code ec;
  asio::write(socket, asio::buffer(bytes), ec);
  return !ec;
}

const std::string kChunkedPost =
    "POST /v1/entries HTTP/1.1\r\nHost: node\r\nContent-Type: application/json\r\n"
    "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n";

int TrailerField(const Target& t, bool long_name) {
  asio::io_context io;
  auto socket = Connect(io, t);
  if (!socket) {
    std::cout << "status: -1\n";
    return 2;
  }
  std::string field = long_name ? std::string(70'000, 'n') + ": v\r\n\r\n"
                                : "X-Big: " + std::string(65'535, 'v') + "\r\n\r\n";
  SendAll(*socket, kChunkedPost + field);
  std::cout << "status: " << ReadStatus(*socket, 5'000) << "\n";
  return 0;
}

int TrailerFlood(const Target& t) {
  asio::io_context io;
  auto socket = Connect(io, t);
  if (!socket) {
    std::cout << "status: -1\n";
    return 2;
  }
  SendAll(*socket, kChunkedPost);
  std::string block;
  for (int i = 0; i < 8192; ++i) block += "X-a: b\r\n";
  std::size_t fields = 0;
  while (fields < 1'000'000 && SendAll(*socket, block)) fields += 8192;
  if (fields >= 1'000'000) SendAll(*socket, "\r\n");
  std::cout << "fields_sent: " << fields << "\n";
  std::cout << "status: " << ReadStatus(*socket, 5'000) << "\n";
  return 0;
}

int NoRead(const Target& t, int n, int seconds) {
  asio::io_context io;
  std::vector<std::unique_ptr<tcp::socket>> sockets;
  int refused = 0;
  for (int i = 0; i < n; ++i) {
    // A tiny receive window, so the node's reply waits in the node, not in the kernel.
    auto s = Connect(io, t, 4096);
    if (!s || !SendAll(*s, "GET /v1/export?max_bytes=16777216 HTTP/1.1\r\nHost: node\r\n\r\n")) {
      ++refused;
      continue;
    }
    sockets.push_back(std::move(s));
  }
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  // Then read what did arrive, until the node has ended every connection (or 30 s
  // more): a connection it has ended reads to its end (or a reset); one it still holds
  // would block.
  std::vector<bool> ended(sockets.size(), false);
  int closed = 0;
  auto give_up = Clock::now() + std::chrono::seconds(30);
  while (closed < static_cast<int>(sockets.size()) && Clock::now() < give_up) {
    for (std::size_t i = 0; i < sockets.size(); ++i) {
      if (ended[i]) continue;
      char buffer[65536];
      for (;;) {
        ssize_t got = ::recv(sockets[i]->native_handle(), buffer, sizeof buffer, MSG_DONTWAIT);
        if (got > 0) continue;
        if (got == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
          ended[i] = true;
          ++closed;
        }
        break;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::cout << "connections: " << sockets.size() << "\nrefused: " << refused
            << "\nclosed: " << closed << "\n";
  return 0;
}

int Busy(const Target& t, int n, int seconds) {
  std::atomic<std::uint64_t> requests{0}, refused{0};
  std::vector<std::thread> threads;
  auto until = Clock::now() + std::chrono::seconds(seconds);
  int per_thread = (n + 15) / 16;
  for (int th = 0; th < 16 && th * per_thread < n; ++th) {
    threads.emplace_back([&, count = std::min(per_thread, n - th * per_thread)] {
      asio::io_context io;
      std::vector<std::unique_ptr<tcp::socket>> sockets;
      for (int i = 0; i < count; ++i) sockets.push_back(Connect(io, t));
      const std::string request = "GET /v1/status HTTP/1.1\r\nHost: node\r\n\r\n";
      char buffer[16384];
      while (Clock::now() < until) {
        for (auto& s : sockets) {
          if (!s || !SendAll(*s, request)) {
            ++refused;
            s = Connect(io, t);  // reconnect at once: as busy as a client can be
            continue;
          }
          boost::system::error_code ec;
          std::size_t got = s->read_some(asio::buffer(buffer), ec);
          if (ec || got == 0) {
            ++refused;
            s = Connect(io, t);
            continue;
          }
          ++requests;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  std::cout << "requests: " << requests.load() << "\nrefused: " << refused.load() << "\n";
  return 0;
}

int Silent(const Target& t, int n, int seconds) {
  asio::io_context io;
  auto until = Clock::now() + std::chrono::seconds(seconds);
  std::uint64_t opened = 0, closed_at_once = 0;
  while (Clock::now() < until) {
    std::vector<std::unique_ptr<tcp::socket>> sockets;
    for (int i = 0; i < n; ++i) {
      if (auto s = Connect(io, t)) {
        ++opened;
        sockets.push_back(std::move(s));
      }
    }
    for (auto& s : sockets) closed_at_once += ClosedWithin(*s, 20);
    std::this_thread::sleep_for(std::chrono::seconds(2));
  }
  std::cout << "opened: " << opened << "\nclosed_at_once: " << closed_at_once << "\n";
  return 0;
}

int All(const Target& t, int n, int seconds) {
  auto until = Clock::now() + std::chrono::seconds(seconds);
  std::vector<std::thread> threads;
  threads.emplace_back([&] { Busy(t, n, seconds); });
  threads.emplace_back([&] {
    while (Clock::now() < until) NoRead(t, n / 2 + 1, 10);
  });
  threads.emplace_back([&] {
    while (Clock::now() < until) {
      TrailerField(t, false);
      TrailerField(t, true);
      TrailerFlood(t);
    }
  });
  for (auto& th : threads) th.join();
  return 0;
}

// ---- a lying node -----------------------------------------------------------------

void Lie(tcp::socket socket, const std::string& mode) {
  boost::system::error_code ec;
  asio::streambuf head;
  asio::read_until(socket, head, "\r\n\r\n", ec);
  if (ec) return;
  std::string request(asio::buffers_begin(head.data()), asio::buffers_end(head.data()));
  if (mode == "lie-empty-keys") {
    std::string body;
    if (request.find(" /v1/members") != std::string::npos) {
      body = R"({"members":[{"name":"Nobody","keys":[],"roles":[],"minutes":0,"balance":0,)"
             R"("grid":"","building":"","teams":[]}]})";
    } else {
      body = R"({"error":"not_found","message":"no such thing"})";
    }
    std::string reply = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                        std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    asio::write(socket, asio::buffer(reply), ec);
    return;
  }
  // lie-endless-trailer: a chunked reply whose trailer never ends.
  asio::write(socket,
              asio::buffer(std::string("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                       "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n")),
              ec);
  std::string block;
  for (int i = 0; i < 4096; ++i) block += "X-a: b\r\n";
  for (int i = 0; i < 100'000 && !ec; ++i) asio::write(socket, asio::buffer(block), ec);
}

int Serve(int port, const std::string& mode) {
  asio::io_context io;
  tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)});
  std::cout << "serving on 127.0.0.1:" << acceptor.local_endpoint().port() << std::endl;
  for (;;) {
    tcp::socket socket(io);
    boost::system::error_code ec;
    acceptor.accept(socket, ec);
    if (ec) continue;
    std::thread([s = std::move(socket), mode]() mutable { Lie(std::move(s), mode); }).detach();
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) Usage();
  Args a;
  a.mode = argv[1];
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--target") a.target = value;
    else if (flag == "--source") a.source = value;
    else if (flag == "--connections") a.connections = std::stoi(value);
    else if (flag == "--seconds") a.seconds = std::stoi(value);
    else if (flag == "--serve") a.serve_port = std::stoi(value);
    else Usage();
  }
  if (a.serve_port >= 0) return Serve(a.serve_port, a.mode);
  auto target = lovebank::net::ParseHostPort(a.target);
  if (!target) Usage();
  Target t{tcp::endpoint(asio::ip::make_address(target->host), target->port), a.source};
  if (a.mode == "trailer-value") return TrailerField(t, false);
  if (a.mode == "trailer-name") return TrailerField(t, true);
  if (a.mode == "trailer-flood") return TrailerFlood(t);
  if (a.mode == "no-read") return NoRead(t, a.connections, a.seconds);
  if (a.mode == "busy") return Busy(t, a.connections, a.seconds);
  if (a.mode == "silent") return Silent(t, a.connections, a.seconds);
  if (a.mode == "all") return All(t, a.connections, a.seconds);
  Usage();
}
