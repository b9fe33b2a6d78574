#include "wallet-cli/client.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "i18n/i18n.h"
#include "ledger/refusal.h"
#include "wallet-cli/exit_codes.h"

namespace lovebank::wallet {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using asio::ip::tcp;

namespace {
constexpr int kTimeoutSeconds = 30;
constexpr std::size_t kMaxResponseBytes = 64 * 1024 * 1024;
// A node's reply header (and a chunked body's trailer, which Beast keeps in the read
// buffer until it is whole) fits in this; the buffer never grows past it.
constexpr std::size_t kMaxResponseHeaderBytes = 64 * 1024;
// However slowly a node drips its reply, the wallet gives up after this.
constexpr auto kReplyDeadline = std::chrono::seconds(120);
}  // namespace

Result<NodeClient> NodeClient::Create(const std::string& url) {
  std::string_view rest(url);
  if (rest.substr(0, 7) != "http://") {
    return MakeError(ErrorCode::kInvalidArgument,
                     i18n::T("--node must be an http:// address such as http://127.0.0.1:7700"));
  }
  rest.remove_prefix(7);
  while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  auto colon = rest.rfind(':');
  std::string host(rest.substr(0, colon));
  std::string port = colon == std::string_view::npos ? "80" : std::string(rest.substr(colon + 1));
  if (host.empty() || rest.find('/') != std::string_view::npos) {
    return MakeError(ErrorCode::kInvalidArgument,
                     i18n::T("--node must be http://HOST:PORT, e.g. http://127.0.0.1:7700"));
  }
  return NodeClient(url, host, port);
}

ApiResult<json::value> NodeClient::Get(const std::string& target) const {
  return Call(false, target, {});
}

ApiResult<json::value> NodeClient::Post(const std::string& target, const json::value& body) const {
  return Call(true, target, json::serialize(body));
}

ApiResult<RawReply> NodeClient::Fetch(bool post, const std::string& target,
                                     const std::string& body) const {
  auto unreachable = [&](const std::string& why) {
    return ApiError{"unreachable",
                    i18n::F("cannot reach the node at {} ({}); check that lovebank-node is "
                            "running there, or pass --node",
                            url_, why),
                    0};
  };
  try {
    asio::io_context io;
    tcp::resolver resolver(io);
    boost::system::error_code ec;
    auto endpoints = resolver.resolve(host_, port_, ec);
    if (ec) return unreachable(ec.message());
    tcp::socket socket(io);
    asio::connect(socket, endpoints, ec);
    if (ec) return unreachable(ec.message());
    timeval tv{kTimeoutSeconds, 0};
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    http::request<http::string_body> req{post ? http::verb::post : http::verb::get, target, 11};
    req.set(http::field::host, host_);
    req.set(http::field::user_agent, "lovebank-wallet");
    // The node answers in this language where it can (its pages; docs/i18n.md).
    req.set(http::field::accept_language, i18n::Tag(i18n::ProcessLang()));
    if (post) {
      req.set(http::field::content_type, "application/json");
      req.body() = body;
    }
    req.prepare_payload();
    http::write(socket, req, ec);
    if (ec) return unreachable(ec.message());
    beast::flat_buffer buffer(kMaxResponseHeaderBytes);
    http::response_parser<http::string_body> parser;
    parser.body_limit(kMaxResponseBytes);
    parser.header_limit(static_cast<std::uint32_t>(kMaxResponseHeaderBytes));
    const auto deadline = std::chrono::steady_clock::now() + kReplyDeadline;
    while (!parser.is_done()) {
      http::read_some(socket, buffer, parser, ec);
      if (ec == http::error::body_limit || ec == http::error::header_limit ||
          ec == http::error::buffer_overflow) {
        return ApiError{"bad_response",
                        i18n::F("the node at {} sent a reply larger than any it should; check "
                                "that --node points at a lovebank-node",
                                url_),
                        0};
      }
      if (ec) return unreachable(ec.message());
      if (std::chrono::steady_clock::now() > deadline) {
        return unreachable(i18n::T("it did not finish its reply within two minutes"));
      }
    }
    auto res = parser.release();
    socket.shutdown(tcp::socket::shutdown_both, ec);
    RawReply reply;
    reply.status = static_cast<int>(res.result_int());
    reply.content_type = std::string(res[http::field::content_type]);
    for (const auto& field : res) {
      reply.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    reply.body = std::move(res.body());
    return reply;
  } catch (const std::exception& e) {
    return unreachable(e.what());
  }
}

std::string RawReply::Header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (beast::iequals(n, name)) return v;
  }
  return {};
}

ApiResult<json::value> NodeClient::Call(bool post, const std::string& target,
                                        const std::string& body) const {
  auto raw = Fetch(post, target, body);
  if (!raw) return raw.error();
  return ParseReply(*raw);
}

ApiResult<RawReply> NodeClient::GetRaw(const std::string& target) const {
  auto raw = Fetch(false, target, {});
  // A large reply (an export page) may find the node's reply budget spent (503 with
  // Retry-After): a read is safe to ask again, a few times, after the wait it names.
  for (int attempt = 0; attempt < 3 && raw && raw->status == 503 && !raw->Header("Retry-After").empty();
       ++attempt) {
    int wait = std::clamp(std::atoi(raw->Header("Retry-After").c_str()), 1, 10);
    std::this_thread::sleep_for(std::chrono::seconds(wait));
    raw = Fetch(false, target, {});
  }
  if (raw && raw->status >= 400) return ParseReply(*raw).error();
  return raw;
}

ApiResult<json::value> NodeClient::ParseReply(const RawReply& raw) const {
  json::error_code jec;
  json::value doc = json::parse(raw.body, jec);
  int status = raw.status;
  if (jec) {
    return ApiError{"bad_response",
                    i18n::F("the node at {} answered something that is not JSON (HTTP {}); is "
                            "--node pointing at a Lovebank node?",
                            url_, status),
                    status};
  }
  if (status >= 400) {
    ApiError error{"error", i18n::F("the node refused (HTTP {})", status), status};
    if (doc.is_object()) {
      if (auto* c = doc.as_object().if_contains("error"); c && c->is_string()) {
        error.code = std::string(c->as_string());
      }
      if (auto* m = doc.as_object().if_contains("message"); m && m->is_string()) {
        error.message = std::string(m->as_string());
      }
    }
    error.lang = raw.Header("Content-Language");
    return error;
  }
  return doc;
}

Exit ExitForCode(std::string_view code) {
  // The wallet's own failures first: they never come from a node.
  struct Own {
    std::string_view code;
    Exit exit;
  };
  static constexpr Own kOwn[] = {
      {"unreachable", kUnreachable},
      {"wrong_passphrase", kWrongPassphrase},
      {"wallet_behind", kChainConflict},
      {"keystore", kKeystore},
      {"usage", kUsage},
      {"io", kInternal},
      {"audit_failed", kAuditFailed},
      {"bad_response", kInternal},
      {"not_confirmed", kNotConfirmed},
  };
  for (const auto& p : kOwn) {
    if (p.code == code) return p.exit;
  }
  auto refusal = ledger::RefusalFromName(code);
  if (!refusal) return kRefused;  // a newer node's code: its message says what it is
  using C = ledger::RefusalCode;
  switch (*refusal) {
    case C::kInsufficientPoints: return kInsufficientPoints;
    case C::kRoleMissing: case C::kNotYourItem: return kRoleMissing;
    case C::kSelfConfirmation:
    case C::kSelfRecord:
    case C::kSelfTransfer:
    case C::kOwnRequest:
      return kSelfDealing;
    case C::kNotFound:
    case C::kUnknownItem:
    case C::kUnknownVoucher:
    case C::kUnknownRequest:
      return kNotFound;
    case C::kOutOfStock: return kOutOfStock;
    case C::kAlreadyFulfilled: return kAlreadyFulfilled;
    case C::kChainConflict: case C::kMissingPrevious: return kChainConflict;
    case C::kBadVoucher: return kBadVoucher;
    case C::kBadKey:
    case C::kBadId:
    case C::kAmbiguousId:
    case C::kBadDate:
      return kUsage;
    case C::kDiskFull: case C::kStorageError: case C::kBusy: case C::kShuttingDown:
      return kNodeError;
    case C::kInternal: return kInternal;
    default: return kRefused;
  }
}

}  // namespace lovebank::wallet
