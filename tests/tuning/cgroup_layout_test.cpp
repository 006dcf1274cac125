// The version rule and the report of a cgroup layout, for hosts the test host is not. Finding the
// layout (detect_cgroup_layout) asks libcgroup about the real mount table and is tested on the host.
#include "ckernel/tuning/cgroup_layout.h"

#include <gtest/gtest.h>

namespace ck::tuning {
namespace {

CgroupLayout layout_of(std::initializer_list<std::pair<const char*, CgroupVersion>> controllers) {
  CgroupLayout layout;
  for (const auto& [name, version] : controllers) {
    const std::string mount_point =
        version == CgroupVersion::v2 ? "/sys/fs/cgroup" : "/sys/fs/cgroup/" + std::string(name);
    layout.controllers.push_back({name, mount_point, version});
  }
  return layout;
}

TEST(CgroupLayout, UnifiedWhenCpusetCpuAndMemoryAllAreOnV2) {
  const CgroupLayout layout =
      layout_of({{"cpuset", CgroupVersion::v2}, {"cpu", CgroupVersion::v2}, {"memory", CgroupVersion::v2}});
  EXPECT_EQ(layout.version(), CgroupVersion::v2);
  EXPECT_EQ(
      layout.describe(),
      "cgroup v2: cpuset at /sys/fs/cgroup (v2), cpu at /sys/fs/cgroup (v2), memory at /sys/fs/cgroup (v2)");
  EXPECT_EQ(layout.find("cpuacct"), nullptr);
}

// Hybrid hosts: one tenant controller left on v1 makes the tenants v1 (v1 files, v1 rules).
TEST(CgroupLayout, V1WhenAnyTenantControllerIsOnV1OrMissing) {
  const CgroupLayout hybrid = layout_of({{"cpuset", CgroupVersion::v1},
                                         {"cpu", CgroupVersion::v2},
                                         {"cpuacct", CgroupVersion::v1},
                                         {"memory", CgroupVersion::v2}});
  EXPECT_EQ(hybrid.version(), CgroupVersion::v1);
  ASSERT_NE(hybrid.find("cpuset"), nullptr);
  EXPECT_EQ(hybrid.find("cpuset")->mount_point, "/sys/fs/cgroup/cpuset");
  const CgroupLayout no_memory = layout_of({{"cpuset", CgroupVersion::v2}, {"cpu", CgroupVersion::v2}});
  EXPECT_EQ(no_memory.version(), CgroupVersion::v1);
}

}  // namespace
}  // namespace ck::tuning
