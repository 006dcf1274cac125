// The sweep of a killed ckd's tenant groups on the real cgroup tree: it removes the groups named, and
// nothing outside its parent whatever the names say.
#include "ckernel/tuning/stale_groups.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "ckernel/tuning/cgroup_layout.h"
#include "test_support.h"

namespace ck::tuning {
namespace {

namespace fs = std::filesystem;
using testing::kTestCgroupParent;

TEST(StaleGroups, RemovesTheNamedGroupsAndNothingAboveTheParent) {
  CK_REQUIRE_ROOT();
  const std::vector<ControllerMount> hierarchies = detect_cgroup_layout().distinct_hierarchies();
  if (hierarchies.empty()) GTEST_SKIP() << "no cgroup hierarchy is mounted";
  // The parent one level down in the test's own group: were ".." followed, the sweep would remove the
  // test group (empty, harmless) instead of the host's groups, and the test would see it gone.
  const std::string parent = std::string(kTestCgroupParent) + "/sweep";
  for (const ControllerMount& mount : hierarchies) {
    ASSERT_FALSE(fs::exists(mount.mount_point / kTestCgroupParent)) << "a previous run left it";
    fs::create_directories(mount.mount_point / parent / "stale");
    fs::create_directories(mount.mount_point / parent / "kept");
  }
  const StaleGroupSweep sweep =
      remove_stale_tenant_groups(parent, {"..", ".", "", "stale/..", "../sweep", "stale"});
  EXPECT_EQ(sweep.removed_groups, std::vector<std::string>{parent + "/stale"});
  EXPECT_TRUE(sweep.killed_processes.empty());
  EXPECT_TRUE(sweep.problems.empty());
  for (const ControllerMount& mount : hierarchies) {
    EXPECT_FALSE(fs::exists(mount.mount_point / parent / "stale")) << mount.mount_point;
    EXPECT_TRUE(fs::exists(mount.mount_point / parent / "kept"))
        << mount.mount_point << ": a group not named";
    EXPECT_TRUE(fs::exists(mount.mount_point / parent)) << mount.mount_point << ": the parent itself";
    // Groups go with rmdir, deepest first (cgroup directories hold only interface files).
    for (const fs::path& group : {mount.mount_point / parent / "kept", mount.mount_point / parent,
                                  mount.mount_point / kTestCgroupParent}) {
      std::error_code error;
      fs::remove(group, error);
    }
  }
}

}  // namespace
}  // namespace ck::tuning
