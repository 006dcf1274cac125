#include "caller.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <string>

namespace ck::daemon {

Caller caller_for_uid(uid_t uid) {
  Caller caller{uid, static_cast<gid_t>(uid), {}};
  std::string buffer(16384, '\0');
  passwd entry{};
  passwd* found = nullptr;
  if (::getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found) != 0 || found == nullptr) return caller;
  caller.gid = entry.pw_gid;
  caller.groups = groups_of(entry.pw_name, entry.pw_gid);
  return caller;
}

std::vector<gid_t> groups_of(const char* user, gid_t gid) {
  int count = 0;
  ::getgrouplist(user, gid, nullptr, &count);  // says how many there are
  std::vector<gid_t> groups(static_cast<std::size_t>(std::max(count, 0)));
  if (::getgrouplist(user, gid, groups.data(), &count) < 0) return {gid};
  groups.resize(static_cast<std::size_t>(count));
  return groups;
}

}  // namespace ck::daemon
