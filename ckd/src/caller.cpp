#include "caller.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <string>

namespace ck::daemon {

Caller caller_for_uid(uid_t uid) {
  Caller caller{uid, static_cast<gid_t>(uid), {}};
  std::string buffer(16384, '\0');
  passwd entry{};
  passwd* found = nullptr;
  if (::getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found) != 0 || found == nullptr) return caller;
  caller.gid = entry.pw_gid;
  int count = 0;
  ::getgrouplist(entry.pw_name, entry.pw_gid, nullptr, &count);
  caller.groups.resize(static_cast<std::size_t>(count));
  if (::getgrouplist(entry.pw_name, entry.pw_gid, caller.groups.data(), &count) < 0) caller.groups.clear();
  caller.groups.resize(static_cast<std::size_t>(std::max(count, 0)));
  return caller;
}

}  // namespace ck::daemon
