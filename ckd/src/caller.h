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
// entry keeps gid 0's rights only if it is root, else gets its own uid as group and no others.
Caller caller_for_uid(uid_t uid);

}  // namespace ck::daemon
