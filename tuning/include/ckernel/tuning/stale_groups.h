// What a ckd that died without cleaning up leaves in the cgroup tree: tenant groups under its parent,
// possibly with its workers still inside. The next ckd clears them before it makes the tenants of its
// state file again, so that a crash never turns into "the tenant already exists".
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace ck::tuning {

struct StaleGroupSweep {
  std::vector<std::string> removed_groups;  // "ckernel/alice"
  std::vector<pid_t> killed_processes;
  std::vector<std::string> problems;  // what could not be removed, and why
};

// Kills the processes of the groups `parent/<name>` (in every mounted hierarchy, with the groups below
// them) and removes the groups. Only the names given are touched: a parent may hold groups that are not
// ckd's. A group that holds the calling process is left alone, and a missing one is fine. Names that are
// not one group below the parent ("", ".", "..", anything with a '/') are skipped.
StaleGroupSweep remove_stale_tenant_groups(const std::string& parent, const std::vector<std::string>& names);

// Removes `group` from every hierarchy where it exists, if it has neither processes nor child groups
// there. True when no directory of it is left.
bool remove_group_if_unused(const std::string& group);

// True when `group` exists in some mounted hierarchy.
bool group_exists(const std::string& group);

}  // namespace ck::tuning
