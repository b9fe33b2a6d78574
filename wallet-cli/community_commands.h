// The commands about the community and its people: founding it, enrolling and updating
// members, the roster of members, roles and nodes, and granting or revoking them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "wallet-cli/wallet.h"

namespace lovebank::wallet {

struct FoundArgs {
  std::string name;
  std::vector<std::string> categories;
  std::vector<std::string> deadlines;  // CATEGORY:URGENCY=TAKE/RESOLVE, e.g. care:emergency=30m/2h
  std::uint32_t max_per_entry = 0, max_per_day = 0;
  std::int32_t utc_offset = 0;
  std::uint32_t window_days = 0;  // 0: kDefaultServiceWindowDays
  std::string time_zone;          // an IANA name; sets the offset
  bool offset_given = false;      // --utc-offset-minutes was on the command line
  std::string out;
};
int CommunityFound(Wallet& w, const FoundArgs& a);

struct EnrolArgs {
  std::string key, name, grid, building;
  std::vector<std::string> teams;
};
int MemberEnrol(Wallet& w, const EnrolArgs& a);

struct UpdateArgs {
  std::string key;
  std::optional<std::string> name, grid, building;
  std::optional<std::vector<std::string>> teams;
};
// A profile update names the profile it replaces (see the .cc).
int MemberUpdate(Wallet& w, const UpdateArgs& a);

int MemberList(Wallet& w, bool wide);
int MemberShow(Wallet& w, const std::string& key_text);
int RoleList(Wallet& w, const std::string& only, bool wide);
int NodeList(Wallet& w, bool wide);
int RoleAct(Wallet& w, bool grant, const std::string& key_text, const std::string& role_name);
int NodeAct(Wallet& w, bool grant, const std::string& key_text, const std::string& label);

}  // namespace lovebank::wallet
