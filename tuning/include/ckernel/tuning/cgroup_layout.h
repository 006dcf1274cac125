// Which cgroup version each controller a tenant needs is mounted as, and where. Hosts run pure v1,
// pure v2 (unified), or hybrid (v1 controllers plus a cgroup2 mount that holds none or few of them).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace ck::tuning {

enum class CgroupVersion { v1, v2 };

struct ControllerMount {
  std::string controller;  // "cpuset", "cpu", "cpuacct", "memory"
  std::filesystem::path mount_point;
  CgroupVersion version = CgroupVersion::v1;
};

struct CgroupLayout {
  std::vector<ControllerMount> controllers;  // the tenant controllers that are mounted

  const ControllerMount* find(std::string_view controller) const;
  // The version the tenant controllers are on: v2 when cpuset, cpu and memory all are.
  CgroupVersion version() const;
  // "cgroup v1: cpuset at /sys/fs/cgroup/cpuset, cpu at ..., memory at ..."
  std::string describe() const;
  // One controller per distinct mount, in order: co-mounted controllers (v1's "cpu,cpuacct", or all of
  // them on v2) share one directory, so a group is made, moved into and deleted once per hierarchy.
  std::vector<ControllerMount> distinct_hierarchies() const;
};

// Asks libcgroup where each tenant controller is mounted and statfs what the mount is.
CgroupLayout detect_cgroup_layout();

}  // namespace ck::tuning
