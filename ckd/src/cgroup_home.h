// Where ckd makes its tenant groups when no --cgroup-parent is given, and, on the unified cgroup v2
// hierarchy, the move that makes that possible.
//
// Under systemd with Delegate=yes, ckd owns the subtree of its service's cgroup
// ("system.slice/ckd.service") and tenants go right below it. cgroup v2 forbids a group to hold processes
// and also hand controllers to its children ("no internal processes"), so there ckd first moves itself
// into the leaf `<service cgroup>/_daemon` (a name no tenant can have: tenant names start with a letter or
// digit) and then enables cpuset, cpu and memory in the service cgroup's cgroup.subtree_control. Workers
// are forked from ckd in that leaf and moved into their tenant. On cgroup v1 (or hybrid) hosts nothing
// moves: every v1 hierarchy lets a group hold processes and children at once.
#pragma once

#include <string>

namespace ck::daemon {

// The leaf of the service cgroup that ckd's own process lives in on cgroup v2.
inline constexpr const char* kDaemonLeaf = "_daemon";

struct CgroupHome {
  std::string tenant_parent;  // group below which tenants are made, relative to the hierarchy roots
  std::string note;           // what was done, for the log ("" when nothing was)
};

// The service's own cgroup when systemd delegated one (the unified line of /proc/self/cgroup ends in
// ".service", or ".service/_daemon" after an earlier move), else "ckernel". On cgroup v2 with a delegated
// service cgroup it moves this process into `<service>/_daemon` and enables the tenant controllers for
// the service cgroup's children first. Throws tuning::TuningError naming the file and the reason when
// the kernel refuses (e.g. the service cgroup was not delegated the cpuset controller).
CgroupHome prepare_default_cgroup_home();

}  // namespace ck::daemon
