#include "node/http_server.h"

#include <spdlog/spdlog.h>

#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "base/listener_budget.h"
#include "net/address.h"

namespace lovebank::node {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using asio::awaitable;
using asio::ip::tcp;
using ledger::RefusalCode;

namespace {

constexpr auto kToken = asio::as_tuple(asio::use_awaitable);

// Turns at the HTTP threads, per source: at most `limit` requests of one source are
// being worked on (parsed bodies verified, pages built) at once; the others wait their
// turn, parked off the threads' queue. So a source that keeps many connections busy
// delays itself, not everyone: an honest request queues behind a few of the busy
// source's requests, not all of them. A turn covers only the handler's own work, not
// the wait for the ingest thread, so a source's submissions still share group commits.
class SourceTurns {
 public:
  explicit SourceTurns(std::size_t limit) : limit_(limit) {}

  // Resumes on the calling coroutine's executor (a strand) when `source` has a turn.
  awaitable<void> Take(const std::string& source) {
    auto executor = co_await asio::this_coro::executor;
    std::shared_ptr<asio::steady_timer> wake;
    {
      std::lock_guard lock(mutex_);
      Source& s = sources_[source];
      if (s.active < limit_) {
        ++s.active;
        co_return;
      }
      wake = std::make_shared<asio::steady_timer>(executor, asio::steady_timer::time_point::max());
      s.waiting.push_back(wake);
    }
    // Give() hands its turn over by cancelling this timer, posted to this strand, so
    // the cancel always comes after the wait has begun.
    co_await wake->async_wait(kToken);
  }

  void Give(const std::string& source) {
    std::shared_ptr<asio::steady_timer> next;
    {
      std::lock_guard lock(mutex_);
      auto it = sources_.find(source);
      if (it == sources_.end()) return;
      if (!it->second.waiting.empty()) {
        next = std::move(it->second.waiting.front());  // the turn passes on
        it->second.waiting.pop_front();
      } else if (--it->second.active == 0) {
        sources_.erase(it);
      }
    }
    if (next) asio::post(next->get_executor(), [next] { next->cancel(); });
  }

  // Drops every parked waiter; after the I/O threads have stopped, so that no timer
  // outlives its io_context.
  void Clear() {
    std::lock_guard lock(mutex_);
    sources_.clear();
  }

 private:
  struct Source {
    std::size_t active = 0;
    std::deque<std::shared_ptr<asio::steady_timer>> waiting;
  };
  const std::size_t limit_;
  std::mutex mutex_;
  std::map<std::string, Source> sources_;
};

}  // namespace

class HttpServer::Impl {
 public:
  Impl(HttpHandler& handler, const HttpOptions& options)
      : budget_(ListenerBudgetOptions{options.max_connections,
                                      options.max_connections_per_source}),
        reply_budget_(options.max_reply_bytes_in_flight),
        turns_(std::max<std::size_t>(2, 2 * std::max(1u, options.threads))),
        handler_(handler),
        options_(options),
        accept_strand_(asio::make_strand(io_)),
        acceptor_(io_) {}

  ~Impl() { Stop(); }

  Result<std::uint16_t> Start() {
    boost::system::error_code ec;
    auto address = asio::ip::make_address(options_.address, ec);
    if (ec) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "'" + options_.address + "' is not an IP address; use e.g. 127.0.0.1");
    }
    tcp::endpoint endpoint(address, options_.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return MakeError(ErrorCode::kUnavailable,
                       "cannot listen on " + net::HostPort{options_.address, options_.port}.ToString() +
                           " (" + ec.message() +
                           "); is another node running there? Choose another address with --api");
    }
    std::uint16_t port = acceptor_.local_endpoint().port();
    // The acceptor lives on one strand: the accept loop and Stop()'s close never run
    // at once on two of the pool's threads (ThreadSanitizer found them doing so).
    asio::co_spawn(accept_strand_, Accept(), asio::detached);
    for (unsigned i = 0; i < std::max(1u, options_.threads); ++i) {
      threads_.emplace_back([this] { io_.run(); });
    }
    return port;
  }

  void Stop() {
    if (stopped_.exchange(true)) return;
    asio::post(accept_strand_, [this] {
      boost::system::error_code ec;
      acceptor_.close(ec);
    });
    io_.stop();
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
    turns_.Clear();
  }

  HttpServerCounters counters_;
  ListenerBudget budget_;
  ReplyBudget reply_budget_;
  SourceTurns turns_;

 private:
  awaitable<void> Accept() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(asio::make_strand(io_), kToken);
      if (ec) {
        if (!acceptor_.is_open()) co_return;
        continue;
      }
      try {
        Admit(std::move(socket));
      } catch (const std::exception& e) {
        // Never the accept loop's end: that connection goes, the next is accepted.
        counters_.connection_errors.fetch_add(1, std::memory_order_relaxed);
        spdlog::warn("api: a new connection failed: {}", e.what());
      }
    }
  }

  void Admit(tcp::socket socket) {
    boost::system::error_code rec;
    auto remote = socket.remote_endpoint(rec);
    if (rec) return;  // gone already
    ListenerBudget::Verdict verdict{};
    auto ticket = budget_.Admit(net::SourceKey(remote.address()), &verdict);
    if (!ticket) {
      (verdict == ListenerBudget::Verdict::kSourceFull ? counters_.refused_source
                                                        : counters_.refused_full)
          .fetch_add(1, std::memory_order_relaxed);
      boost::system::error_code ignored;
      socket.close(ignored);
      return;
    }
    auto executor = socket.get_executor();
    asio::co_spawn(executor,
                   Session(beast::tcp_stream(std::move(socket)), std::move(ticket),
                           net::SourceKey(remote.address())),
                   [this](std::exception_ptr error) {
                     if (error) counters_.connection_errors.fetch_add(1, std::memory_order_relaxed);
                   });
  }

  // One connection, holding its ticket until it ends, whatever ends it.
  awaitable<void> Session(beast::tcp_stream stream, ListenerBudget::Ticket ticket,
                          std::string source) {
    try {
      co_await Serve(stream, source);
    } catch (const std::exception& e) {
      counters_.connection_errors.fetch_add(1, std::memory_order_relaxed);
      spdlog::warn("api: a connection ended on an error: {}", e.what());
    }
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream.socket().close(ignored);
    ticket.Release();
  }

  // Crowded: three quarters of the slots taken. Replies then end their connection.
  bool Crowded() const { return budget_.open() * 4 >= options_.max_connections * 3; }

  awaitable<void> Serve(beast::tcp_stream& stream, const std::string& source) {
    beast::flat_buffer buffer(ReadBufferBytes(options_));
    for (;;) {
      HttpRequestParser parser;
      ConfigureParser(parser, options_);
      stream.expires_after(std::chrono::milliseconds(options_.request_timeout_ms));
      auto [ec, bytes] = co_await http::async_read(stream, buffer, parser, kToken);
      if (ec) {
        if (IsTooLarge(ec)) {
          counters_.too_large.fetch_add(1, std::memory_order_relaxed);
          co_await WriteFinal(stream, ErrorReply(RefusalCode::kTooLarge,
                                                 "the request is larger than this node accepts"));
        } else if (ec != http::error::end_of_stream && ec != asio::error::eof &&
                   ec != asio::error::connection_reset && ec != asio::error::operation_aborted) {
          counters_.bad_requests.fetch_add(1, std::memory_order_relaxed);
          if (ec != beast::error::timeout) {
            co_await WriteFinal(stream, ErrorReply(RefusalCode::kBadRequest,
                                                   "this is not an HTTP request the node "
                                                   "understands; see docs/api.md"));
          }
        }
        co_return;
      }
      HttpRequest req = parser.release();
      co_await turns_.Take(source);
      HttpReply reply = co_await AwaitAnswer(req, source);
      std::shared_ptr<ReplyBudget::Hold> hold = std::move(reply.budget);
      if (!hold && reply.body.size() > kSmallReplyBytes) {
        hold = reply_budget_.Take(reply.body.size());
        if (!hold) reply = BusyReply(RequestLang(req));
      }
      if (reply.status == 503 && !reply.headers.empty() &&
          reply.headers.back().first == "Retry-After") {
        counters_.busy_replies.fetch_add(1, std::memory_order_relaxed);
      }
      bool keep_alive = req.keep_alive() && !Crowded();
      auto res = Build(std::move(reply), req.version(), keep_alive);
      counters_.requests.fetch_add(1, std::memory_order_relaxed);
      stream.expires_after(std::chrono::milliseconds(options_.request_timeout_ms));
      auto [wec, written] = co_await http::async_write(stream, res, kToken);
      if (wec || !keep_alive) co_return;
    }
  }

  static http::response<http::string_body> Build(HttpReply reply, unsigned version,
                                                 bool keep_alive) {
    http::response<http::string_body> res{static_cast<http::status>(reply.status), version};
    res.set(http::field::server, "lovebank-node");
    res.set(http::field::content_type, reply.content_type);
    for (const auto& [name, value] : reply.headers) res.set(name, value);
    res.body() = std::move(reply.body);
    res.keep_alive(keep_alive);
    res.prepare_payload();
    return res;
  }

  // A last reply before closing, with a short deadline so that a client that does not
  // read it does not hold the connection; then a moment's lingering, reading and
  // discarding what the client still sends (at most 1 MiB, 1 s), so that closing does
  // not reset the connection before the client has read the reply (nginx's lingering
  // close).
  awaitable<void> WriteFinal(beast::tcp_stream& stream, HttpReply reply) {
    auto res = Build(std::move(reply), 11, false);
    stream.expires_after(std::chrono::milliseconds(
        std::min<std::uint32_t>(options_.request_timeout_ms, 2'000)));
    auto [ec, n] = co_await http::async_write(stream, res, kToken);
    if (ec) co_return;
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream.expires_after(std::chrono::seconds(1));
    char sink[4096];
    std::size_t drained = 0;
    while (drained < (1u << 20)) {
      auto [rec, got] = co_await stream.async_read_some(asio::buffer(sink), kToken);
      if (rec) break;
      drained += got;
    }
  }

  // The handler's answer, resumed on this connection's executor and made there. The
  // handler's own work is this source's turn (taken by the caller); the turn is given
  // back as soon as Answer() returns, before any wait for the ingest thread.
  awaitable<HttpReply> AwaitAnswer(const HttpRequest& req, const std::string& source) {
    auto fail = [&req](const char* what) {
      spdlog::error("api: {} {} failed: {}", std::string(req.method_string()),
                    std::string(req.target()).substr(0, 200), what);
      const i18n::Lang lang = RequestLang(req);
      HttpReply reply = ErrorReply(
          RefusalCode::kInternal,
          i18n::Tr(lang,
                   "the node failed to answer; tell its operator, who will find why in its log"));
      SayLanguage(reply, lang);
      return reply;
    };
    HttpAnswer answer =
        co_await asio::async_initiate<const asio::use_awaitable_t<>, void(HttpAnswer)>(
            [this, &req, &fail, &source](auto handler) {
              auto shared = std::make_shared<decltype(handler)>(std::move(handler));
              auto done = [shared](HttpAnswer a) {
                auto executor = asio::get_associated_executor(*shared);
                asio::post(executor, [shared, a = std::move(a)]() mutable {
                  (*shared)(std::move(a));
                });
              };
              try {
                handler_.Answer(req, done);
                turns_.Give(source);
              } catch (const std::exception& e) {
                turns_.Give(source);
                HttpReply reply = fail(e.what());
                done([reply] { return reply; });
              }
            },
            asio::use_awaitable);
    try {
      co_return answer();
    } catch (const std::exception& e) {
      co_return fail(e.what());
    }
  }

  HttpHandler& handler_;
  HttpOptions options_;
  asio::io_context io_;
  asio::strand<asio::io_context::executor_type> accept_strand_;
  tcp::acceptor acceptor_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stopped_{false};
};

HttpServer::HttpServer(HttpHandler& handler, const HttpOptions& options)
    : impl_(std::make_unique<Impl>(handler, options)) {}
HttpServer::~HttpServer() = default;
Result<std::uint16_t> HttpServer::Start() { return impl_->Start(); }
void HttpServer::Stop() { impl_->Stop(); }
const HttpServerCounters& HttpServer::counters() const { return impl_->counters_; }
std::size_t HttpServer::open_connections() const { return impl_->budget_.open(); }
ReplyBudget& HttpServer::reply_budget() { return impl_->reply_budget_; }

}  // namespace lovebank::node
