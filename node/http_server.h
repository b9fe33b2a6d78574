// The HTTP transport of the node's API (Boost.Beast, C++20 coroutines): accepting,
// reading requests, writing replies, and every bound that keeps a hostile client from
// taking the node down or eating its memory. What a request means is the business of
// an HttpHandler (node/http_api.cc); this file knows nothing of the ledger.
//
// Bounds (docs/security.md "Resource bounds"):
//   - connections: a ListenerBudget, in all and per source address; beyond it a new
//     connection is closed at once. When three quarters of the slots are taken,
//     replies end their keep-alive connection, so busy clients yield slots too;
//   - each request must arrive whole within request_timeout_ms (the first one too);
//   - bytes buffered per connection: the read buffer holds at most
//     max_header_bytes + kReadSlackBytes, which bounds headers, chunk lines and
//     trailers alike (Beast keeps a chunked body's trailer in the buffer until it is
//     whole); a body at most max_body_bytes; past either, 413 and the connection ends;
//   - unread replies: a reply larger than kSmallReplyBytes takes bytes from a budget of
//     max_reply_bytes_in_flight shared by all connections, held until it is written or
//     the write deadline cuts the client off; when the budget is spent the reply is 503
//     "busy" instead, so clients that never read cannot pin more than the budget;
//   - an exception inside a connection ends that connection and is counted in
//     lovebank_http_connection_errors_total; it never ends the process.
#pragma once

#include <atomic>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "i18n/i18n.h"
#include "ledger/refusal.h"
#include "node/config.h"

namespace lovebank::node {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;

// Bytes of large replies written or waiting to be read, shared by all connections.
// Thread-safe.
class ReplyBudget {
 public:
  // Bytes taken from the budget; given back when the hold goes.
  class Hold {
   public:
    Hold(ReplyBudget* budget, std::uint64_t bytes) : budget_(budget), bytes_(bytes) {}
    Hold(const Hold&) = delete;
    Hold& operator=(const Hold&) = delete;
    ~Hold() { budget_->in_flight_.fetch_sub(bytes_); }
    // Makes the hold exactly `bytes`: gives back what a reply did not need, or takes
    // more if the budget can spare it (false if it cannot; the hold is unchanged).
    bool Resize(std::uint64_t bytes);

   private:
    ReplyBudget* budget_;
    std::uint64_t bytes_;
  };

  explicit ReplyBudget(std::uint64_t max_bytes) : max_(max_bytes) {}
  std::uint64_t max_bytes() const { return max_; }
  // A hold of `bytes`, or null when the budget cannot spare them.
  std::shared_ptr<Hold> Take(std::uint64_t bytes);
  std::uint64_t in_flight() const { return in_flight_.load(); }

 private:
  const std::uint64_t max_;
  std::atomic<std::uint64_t> in_flight_{0};
};

struct HttpReply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  // extra response headers
  // A route that reserved budget before building a large body hands it here; the
  // transport holds it until the reply is written. Without one, the transport takes
  // budget itself for a body over kSmallReplyBytes.
  std::shared_ptr<ReplyBudget::Hold> budget;
};

// The reply for a large body the budget cannot take now: 503 busy, Retry-After;
// worded in `lang`, which Content-Language names.
HttpReply BusyReply(i18n::Lang lang = i18n::Lang::kEn);
// The language a request's Accept-Language prefers; English if it names none we have.
i18n::Lang RequestLang(const HttpRequest& req);
// Names the language of `reply`'s message in its Content-Language header (the wallet
// prints a node's message as it is only when it is in the wallet's language).
void SayLanguage(HttpReply& reply, i18n::Lang lang);

// The one place a refusal code becomes an HTTP status (docs/api.md has the table).
int HttpStatus(ledger::RefusalCode code);
HttpReply JsonReply(int status, const boost::json::value& value);
HttpReply ErrorReply(ledger::RefusalCode code, std::string_view message);

// The read buffer holds the header and this much more (the start of a body, a
// pipelined request, a chunk line, a trailer).
constexpr std::size_t kReadSlackBytes = 8 * 1024;
// Replies up to this size are always sent; larger ones take from the reply budget.
constexpr std::size_t kSmallReplyBytes = 64 * 1024;

using HttpRequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;
// The server's limits on a parser; the bytes a connection's read buffer may hold; and
// whether a read error means "larger than this node accepts" (a header, the body, or
// anything that must sit in the read buffer whole: a chunk line, a trailer).
void ConfigureParser(HttpRequestParser& parser, const HttpOptions& options);
std::size_t ReadBufferBytes(const HttpOptions& options);
bool IsTooLarge(const boost::beast::error_code& ec);

// Parses one request from `bytes` with the server's limits, as a connection would: the
// request, or the error a connection would answer (413 for any limit, 400 otherwise).
// Pure; the fuzz target drives the whole request path through it.
struct ParsedRequest {
  bool complete = false;   // false: the bytes end inside the request
  bool too_large = false;  // a header, trailer, buffer or body limit was passed
  std::string error;       // Beast's reason when the bytes are not HTTP
  HttpRequest request;
};
ParsedRequest ParseHttpRequest(std::string_view bytes, const HttpOptions& options);

// The work of making a reply; the transport runs it on the connection's thread (an
// exception in it becomes a 500 reply).
using HttpAnswer = std::function<HttpReply()>;

// What the transport asks of the API: answer one parsed request, now or later, by
// calling `done` exactly once, on any thread (the node's ingest thread, for a
// submission). `request` lives only until Answer() returns.
class HttpHandler {
 public:
  virtual ~HttpHandler() = default;
  virtual void Answer(const HttpRequest& request, std::function<void(HttpAnswer)> done) = 0;
};

struct HttpServerCounters {
  std::atomic<std::uint64_t> requests{0};           // replies written
  std::atomic<std::uint64_t> refused_full{0};       // connections closed at accept: all slots
  std::atomic<std::uint64_t> refused_source{0};     // ... one source's slots
  std::atomic<std::uint64_t> too_large{0};          // requests answered 413
  std::atomic<std::uint64_t> bad_requests{0};       // bytes that were not HTTP, or timed out
  std::atomic<std::uint64_t> busy_replies{0};       // replies turned into 503 by the budget
  std::atomic<std::uint64_t> connection_errors{0};  // exceptions that ended a connection
};

class HttpServer {
 public:
  HttpServer(HttpHandler& handler, const HttpOptions& options);
  ~HttpServer();  // stops and joins the threads
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts options.threads threads. The bound port, or kInvalidArgument /
  // kUnavailable with a message for the operator.
  Result<std::uint16_t> Start();
  void Stop();  // idempotent
  const HttpServerCounters& counters() const;
  std::size_t open_connections() const;
  // The shared budget of large replies (max_reply_bytes_in_flight). A route that knows
  // it is about to build a large body reserves from it first, and answers BusyReply()
  // at once when it cannot, rather than build a body only to throw it away.
  ReplyBudget& reply_budget();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lovebank::node
