#include "wallet-cli/chain_state.h"

#include <boost/json.hpp>

#include "base/file.h"

namespace lovebank::wallet {

namespace json = boost::json;

// A chain record holds a few ids per community: far below this.
constexpr std::size_t kMaxChainRecordBytes = 1 << 20;

Result<ChainState> ChainState::Load(const std::string& path) {
  ChainState state;
  state.path_ = path;
  auto text = ReadSmallFile(path, kMaxChainRecordBytes, "chain record");
  if (!text) {
    if (text.error().code == ErrorCode::kNotFound) return state;  // nothing signed yet
    return MakeError(text.error().code,
                     text.error().message + "; the chain record sits beside the keystore");
  }
  json::error_code ec;
  json::value doc = json::parse(*text, ec);
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
  if (auto s = ReplaceFile(path_, text, 0600, "chain record"); !s) {
    return MakeError(s.error().code, s.error().message + "; nothing was signed");
  }
  return OkStatus();
}

}  // namespace lovebank::wallet
