// A small blocking HTTP/JSON client for the node's API (Boost.Beast over TCP).
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace lovebank::wallet {

// A failed call: `code` is the node's error code (docs/api.md) or "unreachable" /
// "bad_response"; `message` is for a person.
struct ApiError {
  std::string code;
  std::string message;
  int http_status = 0;
  // The language the node worded `message` in (its Content-Language); empty when the
  // node did not say, and the message is English.
  std::string lang = {};
};

template <class T>
using ApiResult = Result<T, ApiError>;

// An answer as it came: for endpoints that are not JSON (GET /v1/export).
struct RawReply {
  int status = 0;
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string Header(std::string_view name) const;  // "" if absent
};

class NodeClient {
 public:
  // `url` is http://HOST:PORT (no path). kInvalidArgument on anything else.
  static Result<NodeClient> Create(const std::string& url);

  ApiResult<boost::json::value> Get(const std::string& target) const;
  ApiResult<boost::json::value> Post(const std::string& target,
                                     const boost::json::value& body) const;
  // GET of a non-JSON endpoint; an HTTP error still comes back as the node's ApiError.
  ApiResult<RawReply> GetRaw(const std::string& target) const;
  const std::string& url() const { return url_; }

 private:
  NodeClient(std::string url, std::string host, std::string port)
      : url_(std::move(url)), host_(std::move(host)), port_(std::move(port)) {}
  ApiResult<boost::json::value> Call(bool post, const std::string& target,
                                     const std::string& body) const;
  ApiResult<RawReply> Fetch(bool post, const std::string& target, const std::string& body) const;
  ApiResult<boost::json::value> ParseReply(const RawReply& raw) const;

  std::string url_, host_, port_;
};

}  // namespace lovebank::wallet
