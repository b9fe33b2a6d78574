// The pure half of the HTTP layer: statuses, error replies and request parsing with
// the server's limits (node/http_server.h). No sockets, no coroutines: the fuzz target
// drives it.
#include <boost/asio/buffer.hpp>

#include "node/http_server.h"

namespace lovebank::node {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using ledger::RefusalCode;

int HttpStatus(RefusalCode code) {
  using C = RefusalCode;
  switch (code) {
    case C::kBadRequest: case C::kBadKey: case C::kBadId: case C::kBadDate: case C::kBadVoucher:
      return 400;
    case C::kRoleMissing: case C::kKeyFenced: case C::kNotYourItem: return 403;
    case C::kNotFound: case C::kUnknownItem: case C::kUnknownVoucher: return 404;
    case C::kMethodNotAllowed: return 405;
    case C::kGenesisExists: case C::kChainConflict: case C::kMissingPrevious:
    case C::kForkSuspended: case C::kRejected: case C::kReversed: case C::kAlreadyFulfilled:
    case C::kOutOfStock: case C::kConflictingKeyMove: case C::kAlreadyEnrolled:
    case C::kStaleUpdate:
    case C::kItemWithdrawn:
    case C::kUnknownRequest:
    case C::kOwnRequest:
    case C::kRequestFull:
    case C::kAlreadyTaken:
    case C::kNotTaken:
    case C::kStaleRequest:
    case C::kNotResident:
    case C::kTakesCredit:
    case C::kNoEffect:
    case C::kOfflineLimit:
    case C::kFork: case C::kSuspended: case C::kOverlap: case C::kDayCapExceeded:
    case C::kAmbiguousId:
      return 409;
    case C::kTooLarge: case C::kOversize: return 413;
    case C::kInternal: return 500;
    case C::kStorageError: case C::kBusy: case C::kShuttingDown: return 503;
    case C::kDiskFull: return 507;
    default: return 422;
  }
}

HttpReply JsonReply(int status, const json::value& value) {
  return HttpReply{status, json::serialize(value) + "\n", "application/json", {}, {}};
}

bool ReplyBudget::Hold::Resize(std::uint64_t bytes) {
  if (bytes <= bytes_) {
    budget_->in_flight_.fetch_sub(bytes_ - bytes);
    bytes_ = bytes;
    return true;
  }
  auto more = budget_->Take(bytes - bytes_);
  if (!more) return false;
  more->bytes_ = 0;  // its bytes now belong to this hold
  bytes_ = bytes;
  return true;
}

std::shared_ptr<ReplyBudget::Hold> ReplyBudget::Take(std::uint64_t bytes) {
  std::uint64_t now = in_flight_.load();
  do {
    if (now + bytes > max_) return nullptr;
  } while (!in_flight_.compare_exchange_weak(now, now + bytes));
  return std::make_shared<Hold>(this, bytes);
}

HttpReply BusyReply(i18n::Lang lang) {
  HttpReply reply = ErrorReply(RefusalCode::kBusy,
                               i18n::Tr(lang,
                                        "the node is sending as much as it may at once; try again "
                                        "in a few seconds"));
  SayLanguage(reply, lang);
  reply.headers.emplace_back("Retry-After", "5");
  return reply;
}

void SayLanguage(HttpReply& reply, i18n::Lang lang) {
  reply.headers.emplace(reply.headers.begin(), "Content-Language", std::string(i18n::Tag(lang)));
}

i18n::Lang RequestLang(const HttpRequest& req) {
  return i18n::FromAcceptLanguage(std::string_view(req[http::field::accept_language]),
                                  i18n::Lang::kEn);
}

HttpReply ErrorReply(RefusalCode code, std::string_view message) {
  return JsonReply(HttpStatus(code),
                   json::object{{"error", ledger::RefusalName(code)}, {"message", message}});
}

void ConfigureParser(HttpRequestParser& parser, const HttpOptions& options) {
  parser.body_limit(options.max_body_bytes);
  parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
}

std::size_t ReadBufferBytes(const HttpOptions& options) {
  return options.max_header_bytes + kReadSlackBytes;
}

bool IsTooLarge(const boost::beast::error_code& ec) {
  return ec == http::error::body_limit || ec == http::error::header_limit ||
         ec == http::error::buffer_overflow;
}

ParsedRequest ParseHttpRequest(std::string_view bytes, const HttpOptions& options) {
  ParsedRequest out;
  HttpRequestParser parser;
  ConfigureParser(parser, options);
  parser.eager(true);
  const std::size_t limit = ReadBufferBytes(options);
  std::string buffer;  // what a connection's read buffer would hold
  while (!parser.is_done()) {
    std::size_t take = std::min(limit - buffer.size(), bytes.size());
    buffer.append(bytes.substr(0, take));
    bytes.remove_prefix(take);
    if (buffer.empty()) return out;  // the bytes end inside the request
    beast::error_code ec;
    std::size_t used = parser.put(asio::buffer(buffer.data(), buffer.size()), ec);
    buffer.erase(0, used);
    if (ec == http::error::need_more) {
      if (buffer.size() >= limit) {
        out.too_large = true;
        return out;
      }
      if (bytes.empty()) return out;
      continue;
    }
    if (ec) {
      out.too_large = IsTooLarge(ec);
      out.error = ec.message();
      return out;
    }
  }
  out.complete = true;
  out.request = parser.release();
  return out;
}

}  // namespace lovebank::node
