#include "wallet-cli/chain_state.h"

#include <fcntl.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace lovebank::wallet {

namespace json = boost::json;

Result<ChainState> ChainState::Load(const std::string& path) {
  ChainState state;
  state.path_ = path;
  std::ifstream in(path);
  if (!in) return state;
  std::ostringstream text;
  text << in.rdbuf();
  json::error_code ec;
  json::value doc = json::parse(text.str(), ec);
  auto damaged = [&] {
    return MakeError(ErrorCode::kDataLoss,
                     "the wallet's chain record " + path +
                         " is damaged; move it away and run `lovebank key resync`");
  };
  if (ec || !doc.is_object()) return damaged();
  try {
    for (const auto& [network, value] : doc.as_object()) {
      const auto& o = value.as_object();
      ChainRecord r;
      r.seq = o.at("seq").to_number<std::uint64_t>();
      r.id = std::string(o.at("id").as_string());
      r.acknowledged = o.at("acknowledged").as_bool();
      r.refused = o.at("refused").as_bool();
      for (const auto& e : o.at("recent").as_array()) r.recent.emplace_back(e.as_string());
      state.records_[std::string(network)] = std::move(r);
    }
  } catch (const std::exception&) {
    return damaged();
  }
  return state;
}

ChainRecord ChainState::Get(const std::string& network) const {
  auto it = records_.find(network);
  return it == records_.end() ? ChainRecord{} : it->second;
}

Status ChainState::Put(const std::string& network, const ChainRecord& record) {
  records_[network] = record;
  json::object doc;
  for (const auto& [n, r] : records_) {
    json::array recent;
    for (const auto& e : r.recent) recent.emplace_back(e);
    doc[n] = {{"seq", r.seq},
              {"id", r.id},
              {"acknowledged", r.acknowledged},
              {"refused", r.refused},
              {"recent", std::move(recent)}};
  }
  std::string text = json::serialize(doc) + "\n";
  std::string temp = path_ + ".tmp";
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  bool ok = fd >= 0 &&
            ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            ::fsync(fd) == 0;
  int saved = errno;
  if (fd >= 0) ::close(fd);
  if (!ok || ::rename(temp.c_str(), path_.c_str()) != 0) {
    ::unlink(temp.c_str());
    return MakeError(saved == ENOSPC ? ErrorCode::kResourceExhausted : ErrorCode::kUnavailable,
                     "cannot save the wallet's chain record " + path_ + ": " +
                         std::strerror(saved) + "; nothing was signed");
  }
  // The rename must be durable too: sync the directory.
  auto slash = path_.rfind('/');
  std::string dir = slash == std::string::npos ? "." : path_.substr(0, slash);
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return OkStatus();
}

}  // namespace lovebank::wallet
