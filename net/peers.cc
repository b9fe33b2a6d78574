#include "net/peers.h"

#include <spdlog/spdlog.h>

#include <boost/asio.hpp>
#include <chrono>
#include <deque>
#include <future>
#include <random>
#include <set>
#include <thread>

#include "base/bytes.h"
#include "base/hex.h"
#include "base/listener_budget.h"
#include "crypto/secret_file.h"
#include "ledger/ingest.h"
#include "net/address.h"
#include "net/frame.h"
#include "net/messages.h"

namespace lovebank::net {

namespace asio = boost::asio;
using asio::awaitable;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using ledger::PublicKey;

namespace {

constexpr auto kToken = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kChainPage = 512;

std::uint64_t RandomU64() { return ReadBigEndian64(crypto::RandomBytes(8)); }

std::string ShortKey(const PublicKey& key) { return ToHex(key.view()).substr(0, 12); }

// Wakes every coroutine waiting on it. Single-threaded use (the I/O thread): callers
// check their condition before waiting, so no wake-up is lost.
class Signal {
 public:
  explicit Signal(asio::any_io_executor ex) : timer_(ex, Clock::time_point::max()) {}
  awaitable<void> Wait() { co_await timer_.async_wait(kToken); }
  void Notify() { timer_.cancel(); }

 private:
  asio::steady_timer timer_;
};

class TokenBucket {
 public:
  TokenBucket(double rate, double burst) : rate_(rate), burst_(burst), tokens_(burst) {}
  bool Take(double n) {
    auto now = Clock::now();
    tokens_ = std::min(burst_, tokens_ + rate_ * std::chrono::duration<double>(now - last_).count());
    last_ = now;
    if (tokens_ < n) return false;
    tokens_ -= n;
    return true;
  }

 private:
  double rate_, burst_, tokens_;
  Clock::time_point last_ = Clock::now();
};

}  // namespace

class Session;

class PeerManager::Impl {
 public:
  Impl(LedgerAccess& ledger, const crypto::SecretKey& key, const NetworkKey& network_key,
       PeerOptions options)
      : ledger_(ledger), key_(key), network_key_(network_key), options_(std::move(options)),
        preauth_(ListenerBudgetOptions{options_.max_handshaking, options_.max_handshaking_per_source}),
        verify_pool_(std::max(1u, options_.verify_threads)), acceptor_(io_),
        network_(ledger.network()) {}

  Result<std::uint16_t> Start();
  void Stop();
  void Gossip(std::uint64_t origin, std::vector<Bytes> envelopes, std::size_t urgent);
  std::vector<PeerStatus> Peers();

  // Session callbacks (I/O thread).
  std::string Admit(Session& session, const PublicKey& peer);
  // Empty if the session may run; otherwise why not.
  std::string Register(const std::shared_ptr<Session>& session);
  void Unregister(Session& session);
  void Ban(const PublicKey& peer, const std::string& reason);
  void Learn(const std::string& address, const std::optional<PublicKey>& key);
  std::vector<std::string> Advertised() const;
  void Disconnected(const std::string& reason) {
    std::lock_guard lock(counters_.mutex);
    ++counters_.disconnects[reason];
  }

  LedgerAccess& ledger_;
  const crypto::SecretKey& key_;
  NetworkKey network_key_;
  PeerOptions options_;
  // Inbound connections still in their handshake. Declared before io_, so that session
  // frames the io_context destroys give their tickets back to a live budget.
  ListenerBudget preauth_;
  asio::io_context io_;
  asio::thread_pool verify_pool_;
  tcp::acceptor acceptor_;
  ledger::NetworkId network_;
  PeerCounters counters_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> started_{false};  // read by HTTP threads asking for Peers()
  std::uint16_t listen_port_ = 0;

  // I/O thread only.
  std::uint64_t next_session_id_ = 1;
  std::map<std::uint64_t, std::shared_ptr<Session>> sessions_;
  std::map<PublicKey, std::shared_ptr<Session>> by_key_;
  std::set<std::string> configured_;
  std::set<std::string> known_;      // addresses dialed or learned
  std::set<std::string> self_addresses_;
  std::map<std::string, PublicKey> address_keys_;
  struct BanState {
    Clock::time_point until;
    std::chrono::milliseconds next;
  };
  std::map<PublicKey, BanState> bans_;

 private:
  awaitable<void> AcceptLoop();
  void AdmitInbound(tcp::socket socket);
  awaitable<void> DialLoop(std::string address);
  awaitable<void> Housekeeping();
  std::size_t Count(bool outbound) const;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  using Impl = PeerManager::Impl;

  Session(Impl& manager, tcp::socket socket, bool outbound, std::string dialed)
      : m_(manager), socket_(std::move(socket)), outbound_(outbound), dialed_(std::move(dialed)),
        id_(manager.next_session_id_++), send_signal_(socket_.get_executor()),
        reply_signal_(socket_.get_executor()), intake_signal_(socket_.get_executor()),
        frames_(manager.options_.frames_per_second, manager.options_.frame_burst),
        gossip_(manager.options_.gossip_entries_per_second, manager.options_.gossip_entry_burst) {
    boost::system::error_code ec;
    auto endpoint = socket_.remote_endpoint(ec);
    remote_ = ec ? std::string("?") : endpoint.address().to_string() + ":" +
                                          std::to_string(endpoint.port());
    remote_host_ = ec ? std::string() : endpoint.address().to_string();
    socket_.set_option(tcp::no_delay(true), ec);
  }

  awaitable<void> Run();
  void Close(const std::string& reason);
  void Misbehave(const std::string& reason, const std::string& detail);
  // An exception in one of this session's coroutines (our bug, not the peer's): the
  // session ends, counted as internal_error; the process and other sessions go on.
  void Fail(const std::string& detail);
  // The completion of a side coroutine of this session: Fail() on an exception.
  auto EndsOnError() {
    return [self = shared_from_this()](std::exception_ptr error) {
      if (!error) return;
      try {
        std::rethrow_exception(error);
      } catch (const std::exception& e) {
        self->Fail(e.what());
      } catch (...) {
        self->Fail("unknown exception");
      }
    };
  }
  void SendGossip(const std::vector<Bytes>& frames, std::size_t urgent_frames);

  std::uint64_t id() const { return id_; }
  bool outbound() const { return outbound_; }
  bool open() const { return open_ && !closed_; }
  const std::string& dialed() const { return dialed_; }
  const std::optional<PublicKey>& peer() const { return peer_; }
  const std::string& listen() const { return listen_; }
  PeerStatus Snapshot() const;
  // An inbound connection holds a pre-authentication ticket until its handshake ends.
  void HoldUntilHandshake(ListenerBudget::Ticket ticket) { preauth_ = std::move(ticket); }
  bool handshaking() const { return static_cast<bool>(preauth_) && !closed_; }
  // Ends a connection still in its handshake to make room for a newer one.
  void Evict() {
    preauth_.Release();
    Close("evicted: pre-authentication slots full");
  }

 private:
  awaitable<bool> Handshake();
  awaitable<void> Reader();
  awaitable<void> Writer();
  awaitable<void> Watchdog();
  awaitable<void> Driver();
  awaitable<void> SyncSession();
  awaitable<void> Streamer();
  awaitable<std::uint64_t> StreamChain(const PublicKey& author, std::uint64_t from,
                                       std::uint64_t round);
  awaitable<void> Dispatch(Message message);
  awaitable<void> Intake(std::vector<Bytes> envelopes, bool forward);
  awaitable<void> Drained();
  void Pump();
  void Send(const Message& message, bool urgent = false);
  awaitable<void> SendBulk(const Message& message);
  template <class T>
  awaitable<std::optional<T>> AwaitReply(std::uint64_t round);

  Impl& m_;
  tcp::socket socket_;
  bool outbound_;
  std::string dialed_;  // the address dialed (outbound only)
  std::uint64_t id_;
  std::string remote_, remote_host_;
  std::optional<PublicKey> peer_;
  std::string listen_;
  bool open_ = false, closed_ = false;
  std::string close_reason_;
  ListenerBudget::Ticket preauth_;
  Clock::time_point started_ = Clock::now();
  Clock::time_point deadline_ = Clock::now() + std::chrono::milliseconds(m_.options_.handshake_timeout_ms);

  std::optional<FrameSealer> sealer_;
  std::optional<FrameOpener> opener_;
  std::deque<Bytes> send_queue_;  // payloads; sealed by the writer in order
  std::size_t send_queue_bytes_ = 0;
  Signal send_signal_;

  // The sync driver's pending request (outbound sessions).
  std::uint64_t awaiting_round_ = 0;
  Clock::time_point reply_deadline_;
  std::optional<Message> reply_;
  Signal reply_signal_;
  std::uint64_t round_ = 0;

  // Received entries on their way to the store, in arrival order.
  struct Batch {
    std::vector<Bytes> envelopes;
    std::vector<ledger::VerifyOutcome> results;
    bool verified = false;
    bool forward = true;  // gossip travels on; entries streamed for a sync do not
  };
  std::deque<std::shared_ptr<Batch>> verifying_;
  std::size_t intake_entries_ = 0;  // received and not yet stored
  Signal intake_signal_;

  std::deque<WantRequest> wants_;
  bool streaming_ = false;

  TokenBucket frames_, gossip_;

  // Status.
  std::string state_ = "connected";
  std::uint64_t lag_ = 0;
  std::optional<Clock::time_point> last_in_sync_;
  std::uint64_t bytes_sent_ = 0, bytes_received_ = 0, entries_sent_ = 0, entries_received_ = 0,
                sync_rounds_ = 0, sync_requests_ = 0;
};

// ---------------------------------------------------------------------------------
// Session

void Session::Close(const std::string& reason) {
  if (closed_) return;
  closed_ = true;
  close_reason_ = reason;
  boost::system::error_code ec;
  socket_.shutdown(tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  send_signal_.Notify();
  reply_signal_.Notify();
  intake_signal_.Notify();
}

void Session::Fail(const std::string& detail) {
  if (closed_) return;
  spdlog::error("peer {} ({}): session ended on an internal error: {}",
                peer_ ? ShortKey(*peer_) : "?", remote_, detail);
  m_.Disconnected("internal_error");
  Close("internal_error");
}

void Session::Misbehave(const std::string& reason, const std::string& detail) {
  if (closed_) return;
  spdlog::warn("peer {} ({}): cut off for {}: {}", peer_ ? ShortKey(*peer_) : "?", remote_,
               reason, detail);
  m_.Disconnected(reason);
  if (peer_) m_.Ban(*peer_, reason);
  Close(reason);
}

PeerStatus Session::Snapshot() const {
  PeerStatus s;
  s.key = peer_ ? ToHex(peer_->view()) : "";
  s.address = remote_;
  s.listen = listen_;
  s.outbound = outbound_;
  s.state = state_;
  s.lag = lag_;
  if (last_in_sync_) {
    s.last_in_sync_ms_ago =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - *last_in_sync_).count();
  }
  s.bytes_sent = bytes_sent_;
  s.bytes_received = bytes_received_;
  s.entries_sent = entries_sent_;
  s.entries_received = entries_received_;
  s.sync_rounds = sync_rounds_;
  s.sync_requests = sync_requests_;
  s.connected_seconds = std::chrono::duration<double>(Clock::now() - started_).count();
  return s;
}

awaitable<void> Session::Run() {
  auto self = shared_from_this();
  asio::co_spawn(socket_.get_executor(), Watchdog(), EndsOnError());
  bool ok = false;
  try {
    ok = co_await Handshake();
  } catch (const std::exception& e) {
    Close(std::string("handshake error: ") + e.what());
  }
  if (!ok || closed_) {
    Close(close_reason_.empty() ? "handshake failed" : close_reason_);
    co_return;
  }
  preauth_.Release();  // authenticated: a peer slot, not a pre-authentication one
  if (std::string refused = m_.Register(self); !refused.empty()) {
    Close(refused);
    co_return;
  }
  open_ = true;
  deadline_ = Clock::now() + std::chrono::milliseconds(m_.options_.idle_timeout_ms);
  m_.counters_.connections.fetch_add(1, std::memory_order_relaxed);
  spdlog::info("peer {} connected ({}, {})", ShortKey(*peer_), remote_,
               outbound_ ? "outbound" : "inbound");
  std::uint64_t entries = 0;
  m_.ledger_.ReadIndex([&](const SyncIndex& index) { entries = index.count(); });
  Send(Hello{kProtocolVersion, m_.options_.listen.empty() ? "" : m_.options_.listen, entries});
  if (m_.options_.peer_exchange) {
    auto addresses = m_.Advertised();
    if (!addresses.empty()) Send(PeerList{std::move(addresses)});
  }
  asio::co_spawn(socket_.get_executor(), Writer(), EndsOnError());
  if (outbound_) asio::co_spawn(socket_.get_executor(), Driver(), EndsOnError());
  try {
    co_await Reader();
  } catch (const std::exception& e) {
    Misbehave("internal_error", e.what());
  }
  Close(close_reason_.empty() ? "closed" : close_reason_);
  spdlog::info("peer {} disconnected: {}", ShortKey(*peer_), close_reason_);
  m_.Unregister(*this);
}

awaitable<bool> Session::Handshake() {
  net::Handshake hs(outbound_ ? HandshakeRole::kInitiator : HandshakeRole::kResponder, m_.key_,
                    m_.network_key_);
  auto write = [&](Bytes bytes) -> awaitable<bool> {
    auto [ec, n] = co_await asio::async_write(socket_, asio::buffer(bytes), kToken);
    bytes_sent_ += n;
    co_return !ec;
  };
  auto read = [&]() -> awaitable<std::optional<Bytes>> {
    Bytes in(hs.ExpectedSize(), '\0');
    auto [ec, n] = co_await asio::async_read(socket_, asio::buffer(in), kToken);
    bytes_received_ += n;
    if (ec) co_return std::nullopt;
    co_return in;
  };
  auto fail = [&](const std::string& why) {
    m_.counters_.handshake_failures.fetch_add(1, std::memory_order_relaxed);
    spdlog::info("handshake with {} failed: {}", remote_, why);
    Close("handshake: " + why);
    return false;
  };
  if (outbound_) {
    if (!co_await write(*hs.TakeOutgoing())) co_return fail("connection lost");
    auto message2 = co_await read();
    if (!message2) co_return fail("connection closed by the peer (wrong network key, or it refused us)");
    if (auto s = hs.Receive(*message2); !s) co_return fail(s.error().message);
    peer_ = hs.peer();
    // The peer's key is known before ours is revealed: stop here if it may not join.
    if (auto refusal = m_.Admit(*this, *peer_); !refusal.empty()) {
      m_.counters_.refused.fetch_add(1, std::memory_order_relaxed);
      spdlog::warn("refused peer {} at {}: {}", ShortKey(*peer_), remote_, refusal);
      Close(refusal);
      co_return false;
    }
    if (!co_await write(*hs.TakeOutgoing())) co_return fail("connection lost");
  } else {
    auto message1 = co_await read();
    if (!message1) co_return fail("connection closed during the handshake");
    if (auto s = hs.Receive(*message1); !s) co_return fail(s.error().message);
    if (!co_await write(*hs.TakeOutgoing())) co_return fail("connection lost");
    auto message3 = co_await read();
    if (!message3) co_return fail("connection closed during the handshake");
    if (auto s = hs.Receive(*message3); !s) co_return fail(s.error().message);
    peer_ = hs.peer();
    if (auto refusal = m_.Admit(*this, *peer_); !refusal.empty()) {
      m_.counters_.refused.fetch_add(1, std::memory_order_relaxed);
      spdlog::warn("refused peer {} from {}: {}", ShortKey(*peer_), remote_, refusal);
      Close(refusal);
      co_return false;
    }
  }
  if (!hs.done()) co_return fail("handshake incomplete");
  sealer_.emplace(hs.keys().send);
  opener_.emplace(hs.keys().receive);
  co_return true;
}

awaitable<void> Session::Watchdog() {
  auto self = shared_from_this();
  asio::steady_timer timer(socket_.get_executor());
  while (!closed_) {
    timer.expires_after(std::chrono::milliseconds(250));
    co_await timer.async_wait(kToken);
    if (closed_) break;
    auto now = Clock::now();
    if (now > deadline_) {
      if (!open_) {
        m_.counters_.handshake_failures.fetch_add(1, std::memory_order_relaxed);
        Close("handshake timed out");
      } else {
        m_.Disconnected("timeout");
        Close("no frame from the peer in time");
      }
    } else if (awaiting_round_ != 0 && now > reply_deadline_) {
      m_.Disconnected("timeout");
      Close("the peer did not answer a sync request in time");
    }
  }
}

void Session::Send(const Message& message, bool urgent) {
  if (closed_) return;
  Bytes payload = EncodeMessage(message);
  send_queue_bytes_ += payload.size();
  if (urgent) {
    send_queue_.push_front(std::move(payload));
  } else {
    send_queue_.push_back(std::move(payload));
  }
  send_signal_.Notify();
}

awaitable<void> Session::SendBulk(const Message& message) {
  while (!closed_ && send_queue_bytes_ > m_.options_.max_send_queue_bytes) {
    co_await send_signal_.Wait();
  }
  Send(message);
}

void Session::SendGossip(const std::vector<Bytes>& frames, std::size_t urgent_frames) {
  if (!open()) return;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    if (i >= urgent_frames && send_queue_bytes_ > m_.options_.max_send_queue_bytes) {
      // The peer is slow; anti-entropy will bring it what is dropped here.
      m_.counters_.gossip_dropped.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    send_queue_bytes_ += frames[i].size();
    if (i < urgent_frames) {
      send_queue_.insert(send_queue_.begin() + static_cast<std::ptrdiff_t>(i), frames[i]);
    } else {
      send_queue_.push_back(frames[i]);
    }
  }
  send_signal_.Notify();
}

awaitable<void> Session::Writer() {
  auto self = shared_from_this();
  while (!closed_) {
    while (!closed_ && send_queue_.empty()) co_await send_signal_.Wait();
    if (closed_) break;
    Bytes out;
    while (!send_queue_.empty() && out.size() < 256 * 1024) {
      Bytes& payload = send_queue_.front();
      send_queue_bytes_ -= payload.size();
      out += sealer_->Seal(payload);
      send_queue_.pop_front();
    }
    send_signal_.Notify();  // room in the queue for SendBulk
    auto [ec, n] = co_await asio::async_write(socket_, asio::buffer(out), kToken);
    if (ec) {
      Close("connection lost");
      break;
    }
    bytes_sent_ += n;
    m_.counters_.bytes_sent.fetch_add(n, std::memory_order_relaxed);
  }
}

awaitable<void> Session::Reader() {
  std::array<char, kFrameHeaderSize> header{};
  while (!closed_) {
    auto [ec, n] = co_await asio::async_read(socket_, asio::buffer(header), kToken);
    if (ec) {
      if (!closed_) m_.Disconnected("closed_by_peer");
      Close("connection closed by the peer");
      break;
    }
    ByteView header_view(header.data(), header.size());
    auto size = opener_->BodySize(header_view);
    if (!size) {
      Misbehave(size.error().code == ErrorCode::kResourceExhausted ? "oversize_frame"
                                                                    : "malformed_frame",
                size.error().message);
      break;
    }
    Bytes body(*size, '\0');
    auto [ec2, n2] = co_await asio::async_read(socket_, asio::buffer(body), kToken);
    if (ec2) {
      if (!closed_) m_.Disconnected("closed_by_peer");
      Close("connection closed by the peer");
      break;
    }
    bytes_received_ += kFrameHeaderSize + *size;
    m_.counters_.bytes_received.fetch_add(kFrameHeaderSize + *size, std::memory_order_relaxed);
    auto payload = opener_->Open(header_view, body);
    if (!payload) {
      Misbehave("bad_frame", payload.error().message);
      break;
    }
    deadline_ = Clock::now() + std::chrono::milliseconds(m_.options_.idle_timeout_ms);
    if (!frames_.Take(1)) {
      Misbehave("flood", "more frames per second than the limit");
      break;
    }
    auto message = DecodeMessage(*payload);
    if (!message) {
      Misbehave("malformed_message", message.error().message);
      break;
    }
    co_await Dispatch(std::move(*message));
  }
}

awaitable<void> Session::Dispatch(Message message) {
  auto deliver = [&](std::uint64_t round) {
    if (awaiting_round_ != 0 && round == awaiting_round_) {
      reply_ = std::move(message);
      reply_signal_.Notify();
    }
  };
  if (auto* hello = std::get_if<Hello>(&message)) {
    if (hello->version != kProtocolVersion) {
      Misbehave("wrong_version", "protocol version " + std::to_string(hello->version));
      co_return;
    }
    listen_ = hello->listen;
    if (!listen_.empty()) {
      std::string host, port;
      auto parsed = ParseHostPort(listen_);
      if (parsed && (parsed->host == "0.0.0.0" || parsed->host == "::")) {
        listen_ = HostPort{remote_host_, parsed->port}.ToString();
      }
      m_.Learn(listen_, peer_);
    }
  } else if (auto* entries = std::get_if<Entries>(&message)) {
    if (entries->want_round == 0 &&
        !gossip_.Take(static_cast<double>(entries->envelopes.size()))) {
      Misbehave("flood", "more gossiped entries per second than the limit");
      co_return;
    }
    co_await Intake(std::move(entries->envelopes), entries->want_round == 0);
  } else if (auto* probe = std::get_if<Probe>(&message)) {
    // Answer only after everything the peer sent before is stored, so a probe that
    // follows a push sees it.
    co_await Drained();
    ProbeReply reply;
    m_.ledger_.ReadIndex(
        [&](const SyncIndex& index) { reply = AnswerProbe(index, *probe, RandomU64()); });
    Send(reply);
  } else if (auto* descend = std::get_if<Descend>(&message)) {
    DescendReply reply;
    m_.ledger_.ReadIndex([&](const SyncIndex& index) { reply = AnswerDescend(index, *descend); });
    Send(reply);
  } else if (auto* want = std::get_if<WantRequest>(&message)) {
    if (wants_.size() >= 16) {
      Misbehave("flood", "too many sync requests at once");
      co_return;
    }
    wants_.push_back(std::move(*want));
    if (!streaming_) asio::co_spawn(socket_.get_executor(), Streamer(), EndsOnError());
  } else if (auto* r1 = std::get_if<ProbeReply>(&message)) {
    deliver(r1->round);
  } else if (auto* r2 = std::get_if<DescendReply>(&message)) {
    deliver(r2->round);
  } else if (auto* r3 = std::get_if<WantDone>(&message)) {
    deliver(r3->round);
  } else if (auto* peers = std::get_if<PeerList>(&message)) {
    if (m_.options_.peer_exchange) {
      for (const auto& address : peers->addresses) m_.Learn(address, std::nullopt);
    }
  } else if (auto* bye = std::get_if<Goodbye>(&message)) {
    spdlog::info("peer {} said goodbye: {}", ShortKey(*peer_), bye->reason);
    m_.Disconnected("goodbye");
    Close("goodbye: " + bye->reason);
  }
}

awaitable<void> Session::Intake(std::vector<Bytes> envelopes, bool forward) {
  auto self = shared_from_this();
  std::vector<ledger::EntryId> ids;
  ids.reserve(envelopes.size());
  for (const auto& envelope : envelopes) {
    auto id = ledger::EnvelopeId(envelope);
    if (!id) {
      Misbehave("bad_entry", "an entry that is not a signed envelope");
      co_return;
    }
    ids.push_back(*id);
  }
  auto have = m_.ledger_.Has(ids);
  std::vector<Bytes> fresh;
  for (std::size_t i = 0; i < envelopes.size(); ++i) {
    if (!have[i]) fresh.push_back(std::move(envelopes[i]));
  }
  m_.counters_.entries_duplicate.fetch_add(envelopes.size() - fresh.size(),
                                           std::memory_order_relaxed);
  if (fresh.empty()) co_return;
  while (!closed_ && intake_entries_ > 0 &&
         intake_entries_ + fresh.size() > m_.options_.max_intake_entries) {
    co_await intake_signal_.Wait();
  }
  if (closed_) co_return;
  auto batch = std::make_shared<Batch>();
  batch->forward = forward;
  intake_entries_ += fresh.size();
  verifying_.push_back(batch);
  asio::post(m_.verify_pool_, [self, batch, fresh = std::move(fresh), network = m_.network_]() mutable {
    batch->results = ledger::VerifyEnvelopes(std::move(fresh), network, 1);
    asio::post(self->socket_.get_executor(), [self, batch] {
      batch->verified = true;
      self->Pump();
    });
  });
}

void Session::Pump() {
  // Stores verified batches in arrival order, so an author's entries reach the
  // store in seq order and connect at once.
  while (!verifying_.empty() && verifying_.front()->verified) {
    auto batch = verifying_.front();
    verifying_.pop_front();
    std::vector<ledger::VerifiedEntry> good;
    good.reserve(batch->results.size());
    std::optional<ledger::Rejection> bad;
    for (auto& result : batch->results) {
      if (result) {
        good.push_back(std::move(*result));
      } else if (!bad) {
        bad = result.error();
      }
    }
    std::size_t n = batch->results.size();
    if (bad || closed_) {
      intake_entries_ -= n;
      intake_signal_.Notify();
      if (bad) {
        Misbehave(bad->code == ledger::RejectCode::kBadSignature ? "bad_signature" : "bad_entry",
                  std::string(ledger::RejectCodeName(bad->code)) + ": " + bad->message);
      }
      continue;
    }
    // Progress of a long catch-up, every 50,000 entries.
    if ((entries_received_ + good.size()) / 50'000 > entries_received_ / 50'000) {
      spdlog::info("peer {}: {} entries received so far", ShortKey(*peer_),
                   entries_received_ + good.size());
    }
    entries_received_ += good.size();
    m_.counters_.entries_received.fetch_add(good.size(), std::memory_order_relaxed);
    auto self = shared_from_this();
    auto executor = socket_.get_executor();
    m_.ledger_.Store(id_, std::move(good), batch->forward, [self, executor, n](Status status) {
      asio::post(executor, [self, n, status] {
        self->intake_entries_ -= n;
        if (!status) spdlog::warn("could not store entries from a peer: {}", status.error().message);
        self->intake_signal_.Notify();
      });
    });
  }
}

awaitable<void> Session::Drained() {
  while (!closed_ && intake_entries_ > 0) co_await intake_signal_.Wait();
}

awaitable<std::uint64_t> Session::StreamChain(const PublicKey& author, std::uint64_t from,
                                              std::uint64_t round) {
  std::uint64_t sent = 0;
  Entries frame{{}, round};
  std::size_t frame_bytes = 0;
  while (!closed_) {
    auto page = m_.ledger_.Chain(author, from, kChainPage);
    if (!page || page->empty()) break;
    bool full = page->size() == kChainPage;
    std::uint64_t last = page->back().first;
    // A full page may cut a forked seq in two: leave that seq for the next page.
    if (full && page->front().first != last) {
      while (page->back().first == last) page->pop_back();
    }
    for (auto& [seq, envelope] : *page) {
      frame_bytes += envelope.size() + 4;
      frame.envelopes.push_back(std::move(envelope));
      ++sent;
      if (frame_bytes >= m_.options_.stream_frame_bytes) {
        co_await SendBulk(frame);
        frame.envelopes.clear();
        frame_bytes = 0;
      }
    }
    if (!full) break;
    from = page->front().first == last ? last + 1 : last;
  }
  if (!frame.envelopes.empty()) co_await SendBulk(frame);
  entries_sent_ += sent;
  m_.counters_.entries_sent.fetch_add(sent, std::memory_order_relaxed);
  co_return sent;
}

awaitable<void> Session::Streamer() {
  auto self = shared_from_this();
  streaming_ = true;
  while (!closed_ && !wants_.empty()) {
    WantRequest request = std::move(wants_.front());
    wants_.pop_front();
    std::uint64_t sent = 0;
    for (const Want& want : request.wants) {
      std::optional<PublicKey> author;
      m_.ledger_.ReadIndex([&](const SyncIndex& index) { author = index.Resolve(want.author); });
      if (!author) continue;
      sent += co_await StreamChain(*author, want.from_seq, request.round);
    }
    Send(WantDone{request.round, sent});
  }
  streaming_ = false;
}

template <class T>
awaitable<std::optional<T>> Session::AwaitReply(std::uint64_t round) {
  reply_.reset();
  awaiting_round_ = round;
  reply_deadline_ = Clock::now() + std::chrono::milliseconds(m_.options_.reply_timeout_ms);
  while (!closed_ && !reply_) co_await reply_signal_.Wait();
  awaiting_round_ = 0;
  if (closed_ || !reply_) co_return std::nullopt;
  if (auto* typed = std::get_if<T>(&*reply_)) co_return std::move(*typed);
  Misbehave("protocol_error", "an answer of the wrong kind to a sync request");
  co_return std::nullopt;
}

awaitable<void> Session::Driver() {
  auto self = shared_from_this();
  asio::steady_timer timer(socket_.get_executor());
  std::mt19937_64 jitter(RandomU64());
  while (!closed_) {
    co_await SyncSession();
    auto base = m_.options_.sync_interval_ms;
    timer.expires_after(std::chrono::milliseconds(base * 3 / 4 + jitter() % (base / 2 + 1)));
    co_await timer.async_wait(kToken);
  }
}

awaitable<void> Session::SyncSession() {
  for (int attempt = 0; attempt < 4 && !closed_; ++attempt) {
    std::uint64_t round = ++round_;
    ++sync_rounds_;
    m_.counters_.sync_rounds.fetch_add(1, std::memory_order_relaxed);
    Probe probe;
    probe.round = round;
    m_.ledger_.ReadIndex([&](const SyncIndex& index) {
      probe.root = index.Root();
      probe.count = index.count();
    });
    Send(probe);
    ++sync_requests_;
    auto reply = co_await AwaitReply<ProbeReply>(round);
    if (!reply) co_return;
    if (reply->in_sync) {
      if (state_ != "in_sync") {
        spdlog::info("peer {}: in sync ({} entries each)", ShortKey(*peer_), reply->count);
      }
      state_ = "in_sync";
      lag_ = 0;
      last_in_sync_ = Clock::now();
      m_.counters_.sync_in_sync.fetch_add(1, std::memory_order_relaxed);
      co_return;
    }
    state_ = "syncing";
    lag_ = reply->count > probe.count ? reply->count - probe.count : 0;
    SyncPlan plan;
    std::uint64_t salt = reply->salt;
    m_.ledger_.ReadIndex([&](const SyncIndex& index) {
      for (const auto& node : reply->nodes) Compare(index, node, salt, plan);
    });
    while (!plan.descend.empty() && !closed_) {
      Descend descend{round, salt, {}};
      std::size_t take = std::min(plan.descend.size(), kMaxNodesPerMessage);
      descend.nodes.assign(plan.descend.begin(), plan.descend.begin() + static_cast<std::ptrdiff_t>(take));
      plan.descend.erase(plan.descend.begin(), plan.descend.begin() + static_cast<std::ptrdiff_t>(take));
      Send(descend);
      ++sync_requests_;
      auto answer = co_await AwaitReply<DescendReply>(round);
      if (!answer) co_return;
      if (answer->nodes.empty() && answer->unanswered.size() == descend.nodes.size()) {
        Misbehave("protocol_error", "a descend reply that answers nothing");
        co_return;
      }
      for (auto& request : answer->unanswered) plan.descend.push_back(request);
      m_.ledger_.ReadIndex([&](const SyncIndex& index) {
        for (const auto& node : answer->nodes) Compare(index, node, salt, plan);
      });
    }
    std::uint64_t pushed = 0;
    for (const auto& [author, from] : plan.pushes) pushed += co_await StreamChain(author, from, round);
    std::uint64_t wanted = 0;
    for (std::size_t i = 0; i < plan.wants.size() && !closed_; i += kMaxWantsPerRequest) {
      WantRequest request{round, {}};
      std::size_t end = std::min(plan.wants.size(), i + kMaxWantsPerRequest);
      request.wants.assign(plan.wants.begin() + static_cast<std::ptrdiff_t>(i),
                           plan.wants.begin() + static_cast<std::ptrdiff_t>(end));
      Send(request);
      ++sync_requests_;
      auto done = co_await AwaitReply<WantDone>(round);
      if (!done) co_return;
      wanted += done->sent;
    }
    co_await Drained();
    spdlog::info("peer {}: sync round {}: sent {} entries, received {}", ShortKey(*peer_), round,
                 pushed, wanted);
  }
}

// ---------------------------------------------------------------------------------
// PeerManager::Impl

Result<std::uint16_t> PeerManager::Impl::Start() {
  if (!options_.listen.empty()) {
    std::string problem;
    auto listen = ParseListenAddress(options_.listen, "--listen", &problem);
    if (!listen) return Error{ErrorCode::kInvalidArgument, problem};
    boost::system::error_code ec;
    tcp::endpoint endpoint(asio::ip::make_address(listen->host, ec), listen->port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return Error{ErrorCode::kUnavailable,
                   "cannot listen for peers on " + options_.listen + ": " + ec.message()};
    }
    listen_port_ = acceptor_.local_endpoint().port();
    if (listen->port == 0) options_.listen = HostPort{listen->host, listen_port_}.ToString();
    self_addresses_.insert(options_.listen);
    asio::co_spawn(io_, AcceptLoop(), asio::detached);
  }
  for (const auto& address : options_.peers) {
    configured_.insert(address);
    if (known_.insert(address).second) asio::co_spawn(io_, DialLoop(address), asio::detached);
  }
  asio::co_spawn(io_, Housekeeping(), asio::detached);
  started_ = true;
  thread_ = std::thread([this] {
    try {
      io_.run();
    } catch (const std::exception& e) {
      spdlog::critical("peer-to-peer thread stopped: {}", e.what());
    }
  });
  return listen_port_;
}

void PeerManager::Impl::Stop() {
  if (stopping_.exchange(true)) return;
  if (started_) {
    asio::post(io_, [this] {
      boost::system::error_code ec;
      acceptor_.close(ec);
      for (auto& [id, session] : sessions_) session->Close("node shutting down");
    });
  }
  // Give sessions a moment to close their sockets, then stop the loop.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  io_.stop();
  if (thread_.joinable()) thread_.join();
  verify_pool_.join();
}

awaitable<void> PeerManager::Impl::AcceptLoop() {
  while (!stopping_) {
    auto [ec, socket] = co_await acceptor_.async_accept(kToken);
    if (ec) {
      if (stopping_ || ec == asio::error::operation_aborted) break;
      continue;
    }
    try {
      AdmitInbound(std::move(socket));
    } catch (const std::exception& e) {
      // Never the accept loop's end: that connection goes, the next is accepted.
      Disconnected("internal_error");
      spdlog::error("peer listener: a new connection failed: {}", e.what());
    }
  }
}

void PeerManager::Impl::AdmitInbound(tcp::socket socket) {
  // Before the handshake a connection has proved nothing: it takes a
  // pre-authentication ticket (so many in all, fewer from one source), never a peer
  // slot, and the handshake deadline ends it.
  boost::system::error_code rec;
  auto remote = socket.remote_endpoint(rec);
  if (rec) return;
  ListenerBudget::Verdict verdict{};
  auto ticket = preauth_.Admit(SourceKey(remote.address()), &verdict);
  if (!ticket && verdict == ListenerBudget::Verdict::kFull) {
    // All slots held by connections that have proved nothing: the oldest of them
    // goes, so an attacker must out-pace every honest handshake (milliseconds) to
    // keep a rostered peer out, not merely hold sockets open.
    std::shared_ptr<Session> oldest;
    for (const auto& [id, s] : sessions_) {
      if (!s->outbound() && s->handshaking()) {
        oldest = s;
        break;  // sessions_ is ordered by id, which grows with time
      }
    }
    if (oldest) {
      oldest->Evict();
      ticket = preauth_.Admit(SourceKey(remote.address()), &verdict);
    }
  }
  if (!ticket) {
    counters_.refused.fetch_add(1, std::memory_order_relaxed);
    return;  // the socket closes as it goes out of scope
  }
  auto session = std::make_shared<Session>(*this, std::move(socket), false, "");
  session->HoldUntilHandshake(std::move(ticket));
  sessions_[session->id()] = session;
  asio::co_spawn(io_, [this, session]() -> awaitable<void> {
    co_await session->Run();
  }, [this, session](std::exception_ptr error) {
    if (error) session->Fail("the session's coroutine threw");
    sessions_.erase(session->id());
  });
}

std::size_t PeerManager::Impl::Count(bool outbound) const {
  std::size_t n = 0;
  for (const auto& [id, s] : sessions_) n += s->outbound() == outbound;
  return n;
}

awaitable<void> PeerManager::Impl::DialLoop(std::string address) {
  asio::steady_timer timer(io_);
  std::mt19937_64 jitter(RandomU64());
  auto backoff = std::chrono::milliseconds(options_.backoff_initial_ms);
  auto wait = [&](std::chrono::milliseconds d) -> awaitable<void> {
    timer.expires_after(d);
    co_await timer.async_wait(kToken);
  };
  auto target = ParseHostPort(address);
  if (!target) {
    spdlog::warn("peer address '{}' is not HOST:PORT with a port up to 65535; not dialing it",
                 address.substr(0, 80));
    co_return;
  }
  const std::string host = target->host, port = std::to_string(target->port);
  bool configured = configured_.count(address) > 0;
  while (!stopping_) {
    if (self_addresses_.count(address)) co_return;
    auto known = address_keys_.find(address);
    bool connected = known != address_keys_.end() && by_key_.count(known->second);
    if (connected || (!configured && Count(true) >= options_.max_outbound)) {
      co_await wait(std::chrono::milliseconds(options_.sync_interval_ms));
      continue;
    }
    tcp::resolver resolver(io_);
    auto [rec, endpoints] = co_await resolver.async_resolve(host, port, kToken);
    tcp::socket socket(io_);
    boost::system::error_code cec = rec;
    if (!rec) {
      asio::steady_timer limit(io_);
      limit.expires_after(std::chrono::milliseconds(options_.handshake_timeout_ms));
      limit.async_wait([&socket](boost::system::error_code e) {
        if (!e) {
          boost::system::error_code ignored;
          socket.close(ignored);
        }
      });
      auto [ec, endpoint] = co_await asio::async_connect(socket, endpoints, kToken);
      limit.cancel();
      cec = ec;
    }
    if (cec || stopping_) {
      spdlog::debug("cannot reach peer {}: {}; retrying in {} ms", address, cec.message(),
                    backoff.count());
      co_await wait(backoff + std::chrono::milliseconds(jitter() % (backoff.count() / 4 + 1)));
      backoff = std::min(backoff * 2, std::chrono::milliseconds(options_.backoff_max_ms));
      continue;
    }
    auto session = std::make_shared<Session>(*this, std::move(socket), true, address);
    sessions_[session->id()] = session;
    auto began = Clock::now();
    co_await session->Run();
    sessions_.erase(session->id());
    if (stopping_) break;
    if (Clock::now() - began > std::chrono::seconds(30)) {
      backoff = std::chrono::milliseconds(options_.backoff_initial_ms);
    } else {
      backoff = std::min(backoff * 2, std::chrono::milliseconds(options_.backoff_max_ms));
    }
    co_await wait(backoff + std::chrono::milliseconds(jitter() % (backoff.count() / 4 + 1)));
  }
}

awaitable<void> PeerManager::Impl::Housekeeping() {
  asio::steady_timer timer(io_);
  while (!stopping_) {
    timer.expires_after(std::chrono::seconds(1));
    co_await timer.async_wait(kToken);
    // A node revoked from the roster while connected is cut off.
    for (auto& [key, session] : by_key_) {
      if (session->open() && !ledger_.OnRoster(key) && ledger_.OnRoster(key_.public_key())) {
        spdlog::warn("peer {} is no longer on the node roster; disconnecting", ShortKey(key));
        Disconnected("revoked");
        session->Close("no longer on the node roster");
      }
    }
    auto now = Clock::now();
    for (auto it = bans_.begin(); it != bans_.end();) {
      it = it->second.until + it->second.next * 4 < now ? bans_.erase(it) : std::next(it);
    }
  }
}

std::string PeerManager::Impl::Admit(Session& session, const PublicKey& peer) {
  if (peer == key_.public_key()) {
    if (session.outbound()) self_addresses_.insert(session.dialed());
    return "self";
  }
  if (auto ban = bans_.find(peer); ban != bans_.end() && Clock::now() < ban->second.until) {
    return "banned for misbehaving";
  }
  if (ledger_.OnRoster(peer)) return "";
  // Bootstrap: a node that is not on its own roster yet (fresh, or not yet synced)
  // trusts the peers its operator configured, to learn the roster from them.
  if (session.outbound() && configured_.count(session.dialed()) &&
      !ledger_.OnRoster(key_.public_key())) {
    return "";
  }
  return "not on the node roster";
}

std::string PeerManager::Impl::Register(const std::shared_ptr<Session>& session) {
  const PublicKey& peer = *session->peer();
  if (!session->outbound()) {
    std::size_t inbound = 0;
    for (const auto& [id, s] : sessions_) inbound += !s->outbound() && s->open();
    if (inbound >= options_.max_inbound) {
      counters_.refused.fetch_add(1, std::memory_order_relaxed);
      return "inbound peer slots full";
    }
  }
  if (session->outbound()) address_keys_[session->dialed()] = peer;
  auto it = by_key_.find(peer);
  if (it != by_key_.end() && it->second->open()) {
    // Two links to one peer (both dialed at once): both sides keep the one dialed
    // by the smaller key.
    const PublicKey& mine = key_.public_key();
    auto dialer = [&](const Session& s) { return s.outbound() ? mine : peer; };
    bool keep_new = dialer(*session) == std::min(mine, peer) && dialer(*it->second) != dialer(*session);
    if (!keep_new) return "duplicate connection";
    it->second->Close("replaced by a newer connection");
  }
  by_key_[peer] = session;
  return {};
}

void PeerManager::Impl::Unregister(Session& session) {
  if (!session.peer()) return;
  auto it = by_key_.find(*session.peer());
  if (it != by_key_.end() && it->second.get() == &session) by_key_.erase(it);
}

void PeerManager::Impl::Ban(const PublicKey& peer, const std::string& reason) {
  auto& ban = bans_[peer];
  if (ban.next.count() == 0) ban.next = std::chrono::milliseconds(options_.ban_ms);
  ban.until = Clock::now() + ban.next;
  spdlog::warn("banning peer {} for {} s ({})", ShortKey(peer), ban.next.count() / 1000, reason);
  ban.next = std::min(ban.next * 2, std::chrono::milliseconds(options_.ban_ms * 16));
}

void PeerManager::Impl::Learn(const std::string& address, const std::optional<PublicKey>& key) {
  if (!ParseHostPort(address)) return;  // a peer's word: not an address, not dialed
  if (key) address_keys_[address] = *key;
  if (self_addresses_.count(address) || known_.count(address)) return;
  if (known_.size() >= options_.max_known_addresses) return;
  known_.insert(address);
  if (options_.peer_exchange && !key) {
    spdlog::info("learned peer address {}", address);
    asio::co_spawn(io_, DialLoop(address), asio::detached);
  }
}

std::vector<std::string> PeerManager::Impl::Advertised() const {
  std::vector<std::string> out;
  for (const auto& [key, session] : by_key_) {
    if (!session->listen().empty() && out.size() < kMaxPeerAddresses) out.push_back(session->listen());
  }
  if (!options_.listen.empty()) out.push_back(options_.listen);
  if (out.size() > kMaxPeerAddresses) out.resize(kMaxPeerAddresses);
  return out;
}

void PeerManager::Impl::Gossip(std::uint64_t origin, std::vector<Bytes> envelopes,
                               std::size_t urgent) {
  if (stopping_ || envelopes.empty()) return;
  asio::post(io_, [self = this, origin, envelopes = std::move(envelopes), urgent] {
    // Frames of up to stream_frame_bytes; fork evidence in frames of its own, first.
    std::vector<Bytes> frames;
    std::size_t urgent_frames = 0;
    Entries frame;
    std::size_t bytes = 0;
    auto flush = [&] {
      if (frame.envelopes.empty()) return;
      frames.push_back(EncodeMessage(frame));
      frame.envelopes.clear();
      bytes = 0;
    };
    for (std::size_t i = 0; i < envelopes.size(); ++i) {
      if (i == urgent) {
        flush();
        urgent_frames = frames.size();
      }
      bytes += envelopes[i].size();
      frame.envelopes.push_back(envelopes[i]);
      if (bytes >= self->options_.stream_frame_bytes) flush();
    }
    flush();
    if (urgent >= envelopes.size()) urgent_frames = frames.size();
    for (auto& [key, session] : self->by_key_) {
      if (session->id() == origin || !session->open()) continue;
      session->SendGossip(frames, urgent_frames);
      self->counters_.entries_sent.fetch_add(envelopes.size(), std::memory_order_relaxed);
    }
  });
}

std::vector<PeerStatus> PeerManager::Impl::Peers() {
  if (!started_ || stopping_) return {};
  auto promise = std::make_shared<std::promise<std::vector<PeerStatus>>>();
  auto future = promise->get_future();
  asio::post(io_, [self = this, promise] {
    std::vector<PeerStatus> out;
    for (const auto& [key, session] : self->by_key_) {
      if (session->open()) out.push_back(session->Snapshot());
    }
    promise->set_value(std::move(out));
  });
  if (future.wait_for(std::chrono::seconds(2)) != std::future_status::ready) return {};
  return future.get();
}

// ---------------------------------------------------------------------------------
// PeerManager

PeerManager::PeerManager(LedgerAccess& ledger, const crypto::SecretKey& node_key,
                         const NetworkKey& network_key, PeerOptions options)
    : impl_(std::make_shared<Impl>(ledger, node_key, network_key, std::move(options))) {}
PeerManager::~PeerManager() { Stop(); }
Result<std::uint16_t> PeerManager::Start() { return impl_->Start(); }
void PeerManager::Stop() { impl_->Stop(); }
void PeerManager::Gossip(std::uint64_t origin, std::vector<Bytes> envelopes, std::size_t urgent) {
  impl_->Gossip(origin, std::move(envelopes), urgent);
}
std::vector<PeerStatus> PeerManager::Peers() const { return impl_->Peers(); }
const PeerCounters& PeerManager::counters() const { return impl_->counters_; }
const PeerOptions& PeerManager::options() const { return impl_->options_; }

}  // namespace lovebank::net
