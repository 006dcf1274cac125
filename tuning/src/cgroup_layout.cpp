#include "ckernel/tuning/cgroup_layout.h"

#include <libcgroup.h>
#include <linux/magic.h>
#include <sys/vfs.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

#include "libcgroup_support.h"

namespace ck::tuning {
namespace {

// cpuacct exists only on v1; on v2 the cpu controller's cpu.stat carries the usage.
constexpr const char* kTenantControllers[] = {"cpuset", "cpu", "cpuacct", "memory"};

}  // namespace

const ControllerMount* CgroupLayout::find(std::string_view controller) const {
  for (const ControllerMount& mount : controllers) {
    if (mount.controller == controller) return &mount;
  }
  return nullptr;
}

CgroupVersion CgroupLayout::version() const {
  for (const char* needed : {"cpuset", "cpu", "memory"}) {
    const ControllerMount* mount = find(needed);
    if (mount == nullptr || mount->version != CgroupVersion::v2) return CgroupVersion::v1;
  }
  return CgroupVersion::v2;
}

std::string CgroupLayout::describe() const {
  std::string text = version() == CgroupVersion::v2 ? "cgroup v2:" : "cgroup v1:";
  for (const ControllerMount& mount : controllers) {
    text += (text.back() == ':' ? " " : ", ") + mount.controller + " at " + mount.mount_point.string() +
            (mount.version == CgroupVersion::v2 ? " (v2)" : "");
  }
  return text;
}

std::vector<ControllerMount> CgroupLayout::distinct_hierarchies() const {
  std::vector<ControllerMount> hierarchies;
  for (const ControllerMount& mount : controllers) {
    const bool seen =
        std::any_of(hierarchies.begin(), hierarchies.end(),
                    [&mount](const ControllerMount& kept) { return kept.mount_point == mount.mount_point; });
    if (!seen) hierarchies.push_back(mount);
  }
  return hierarchies;
}

CgroupLayout detect_cgroup_layout() {
  detail::ensure_libcgroup_initialized();
  CgroupLayout layout;
  for (const char* controller : kTenantControllers) {
    char* raw = nullptr;
    if (cgroup_get_subsys_mount_point(controller, &raw) != 0 || raw == nullptr) continue;
    const std::unique_ptr<char, decltype(&std::free)> owned(raw, &std::free);
    struct statfs info {};
    if (::statfs(raw, &info) != 0) continue;
    ControllerMount mount;
    mount.controller = controller;
    mount.mount_point = raw;
    mount.version = info.f_type == CGROUP2_SUPER_MAGIC ? CgroupVersion::v2 : CgroupVersion::v1;
    layout.controllers.push_back(std::move(mount));
  }
  return layout;
}

}  // namespace ck::tuning
