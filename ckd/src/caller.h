// Who asked for something: the D-Bus caller's user and groups, kept with a model so that its file is
// always opened with the rights of the user who loaded it, on the first load and on every restore.
#pragma once

#include <sys/types.h>

#include <vector>

namespace ck::daemon {

struct Caller {
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  // supplementary
};

// The user's primary group and current group memberships, from the user database; a uid without an
// entry gets its own uid as group and no others.
Caller caller_for_uid(uid_t uid);

// Every group `user` is in, its primary `gid` included (getgrouplist): the one lookup behind a caller's
// and a worker's groups.
std::vector<gid_t> groups_of(const char* user, gid_t gid);

}  // namespace ck::daemon
