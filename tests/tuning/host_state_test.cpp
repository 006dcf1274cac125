// The safety net itself: what a test that dies half-way leaks (huge pages, a mount, a tenant cgroup with
// a process in it) is found and put back by HostStateSnapshot, as the environment and the ctest
// fixture use it.
#include "host_state.h"

#include <gtest/gtest.h>

#include "child_process.h"
#include "ckernel/tuning/hugepages.h"
#include "ckernel/tuning/hugetlbfs_mount.h"
#include "ckernel/tuning/tenant_slice.h"
#include "ckernel/tuning/topology.h"
#include "ckernel/tuning/units.h"
#include "test_support.h"

namespace ck::tuning {
namespace {

using testing::ChildProcess;
using testing::HostStateSnapshot;

bool mentions(const std::vector<std::string>& lines, const std::string& part) {
  for (const std::string& line : lines) {
    if (line.find(part) != std::string::npos) return true;
  }
  return false;
}

TEST(HostState, RestoresWhatADyingTestLeaked) {
  CK_REQUIRE_ROOT();
  const HostStateSnapshot before = HostStateSnapshot::take();
  ChildProcess stray([](int) {
    ::pause();
    return 0;
  });

  // Leaked on purpose: their destructors never run, as in a test process that crashed.
  auto* reservation = new HugePageReservation(0, 2 * kMiB, 2);
  auto* mount = new HugetlbfsMount(testing::test_path("leaked-mount"));
  TenantSpec spec;
  spec.name = "leaked";
  spec.parent = std::string(testing::kTestCgroupParent);
  spec.cpus = online_cpus();
  spec.memory_nodes = IdList{0};
  auto* slice = new TenantSlice(TenantSlice::create(spec));
  slice->attach(stray.pid());
  static_cast<void>(reservation);
  static_cast<void>(mount);

  const std::vector<std::string> leaked = before.differences_from(HostStateSnapshot::take());
  EXPECT_TRUE(mentions(leaked, "nr_hugepages was ")) << ::testing::PrintToString(leaked);
  EXPECT_TRUE(mentions(leaked, "hugetlbfs mount " + mount->mount_point().string() + " appeared"));
  EXPECT_TRUE(mentions(leaked, "cgroup ")) << ::testing::PrintToString(leaked);

  const std::vector<std::string> actions = before.restore();
  EXPECT_TRUE(mentions(actions, "killed leftover test process " + std::to_string(stray.pid())))
      << ::testing::PrintToString(actions);
  EXPECT_TRUE(mentions(actions, "unmounted " + mount->mount_point().string()));
  EXPECT_TRUE(mentions(actions, "removed cgroup "));
  EXPECT_TRUE(mentions(actions, "reset "));

  const std::vector<std::string> remaining = before.differences_from(HostStateSnapshot::take());
  EXPECT_TRUE(remaining.empty()) << ::testing::PrintToString(remaining);
  EXPECT_FALSE(stray.running());
}

TEST(HostState, SurvivesASerializationRoundTrip) {
  const HostStateSnapshot snapshot = HostStateSnapshot::take();
  const HostStateSnapshot copy = HostStateSnapshot::parse(snapshot.serialize());
  EXPECT_TRUE(snapshot.differences_from(copy).empty());
  EXPECT_EQ(copy.serialize(), snapshot.serialize());
  EXPECT_FALSE(snapshot.hugepage_counts.empty()) << "no nr_hugepages file found";
}

}  // namespace
}  // namespace ck::tuning
