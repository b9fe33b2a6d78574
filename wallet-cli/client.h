// A small blocking HTTP/JSON client for the node's API (Boost.Beast over TCP).
#pragma once

#include <boost/json/value.hpp>
#include <string>

#include "base/result.h"

namespace lovebank::wallet {

// A failed call: `code` is the node's error code (docs/api.md) or "unreachable" /
// "bad_response"; `message` is for a person.
struct ApiError {
  std::string code;
  std::string message;
  int http_status = 0;
};

template <class T>
using ApiResult = Result<T, ApiError>;

class NodeClient {
 public:
  // `url` is http://HOST:PORT (no path). kInvalidArgument on anything else.
  static Result<NodeClient> Create(const std::string& url);

  ApiResult<boost::json::value> Get(const std::string& target) const;
  ApiResult<boost::json::value> Post(const std::string& target,
                                     const boost::json::value& body) const;
  const std::string& url() const { return url_; }

 private:
  NodeClient(std::string url, std::string host, std::string port)
      : url_(std::move(url)), host_(std::move(host)), port_(std::move(port)) {}
  ApiResult<boost::json::value> Call(bool post, const std::string& target,
                                     const std::string& body) const;

  std::string url_, host_, port_;
};

}  // namespace lovebank::wallet
