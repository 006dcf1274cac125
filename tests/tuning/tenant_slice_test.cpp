// Tenant cgroups on the real kernel: confinement to the tenant's CPUs, OOM kills inside the tenant's
// memory limit, usage, removal, and the refusals.
#include "ckernel/tuning/tenant_slice.h"

#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>

#include "child_process.h"
#include "ckernel/tuning/error.h"
#include "ckernel/tuning/topology.h"
#include "ckernel/tuning/units.h"
#include "test_support.h"

namespace ck::tuning {
namespace {

namespace fs = std::filesystem;
using testing::ChildProcess;
using testing::kTestCgroupParent;

TenantSpec spec(const std::string& name, IdList cpus, IdList nodes = IdList{0}) {
  TenantSpec s;
  s.name = name;
  s.parent = std::string(kTestCgroupParent);
  s.cpus = std::move(cpus);
  s.memory_nodes = std::move(nodes);
  return s;
}

// The group of pid in the hierarchy whose controller list contains `controller` (/proc/PID/cgroup).
std::string cgroup_of(pid_t pid, const std::string& controller) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cgroup");
  std::string line;
  while (std::getline(in, line)) {
    const auto first = line.find(':');
    const auto second = line.find(':', first + 1);
    std::istringstream names(line.substr(first + 1, second - first - 1));
    std::string name;
    while (std::getline(names, name, ',')) {
      if (name == controller) return line.substr(second + 1);
    }
  }
  return "";
}

std::string affinity_of(pid_t pid) {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(pid, sizeof set, &set) != 0) return "error";
  std::vector<int> cpus;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
  }
  return IdList(std::move(cpus)).to_string();
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  std::string text;
  std::getline(in, text);
  return text;
}

void report(int fd, const std::string& text) {
  const std::string line = text + "\n";
  if (::write(fd, line.data(), line.size()) < 0) ::_exit(3);
}

// Touches `bytes` of fresh anonymous memory, one write per page.
bool touch_memory(std::size_t bytes) {
  void* memory = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) return false;
  for (std::size_t offset = 0; offset < bytes; offset += 4096) static_cast<char*>(memory)[offset] = 1;
  return true;
}

std::string refusal_of(const TenantSpec& s) {
  try {
    TenantSlice slice = TenantSlice::create(s);
    return "accepted";
  } catch (const TuningError& error) {
    return error.what();
  }
}

class TenantSliceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CK_REQUIRE_ROOT();
    for (const char* controller : {"cpuset", "cpu", "memory"}) {
      if (detect_cgroup_layout().find(controller) == nullptr) GTEST_SKIP() << controller << " is not mounted";
    }
    ASSERT_FALSE(fs::exists(parent_directory("cpuset")))
        << "a previous run left " << parent_directory("cpuset");
  }

  void TearDown() override {
    // Every slice of the test has ended by now: nothing of the test parent may remain.
    if (::geteuid() == 0) {
      for (const char* controller : {"cpuset", "cpu", "memory"}) {
        EXPECT_FALSE(fs::exists(parent_directory(controller)))
            << parent_directory(controller) << " left behind";
      }
    }
  }

  static fs::path parent_directory(const std::string& controller) {
    const CgroupLayout layout = detect_cgroup_layout();
    const ControllerMount* mount = layout.find(controller);
    return mount == nullptr ? fs::path() : mount->mount_point / kTestCgroupParent;
  }

  static bool two_cpus() { return online_cpus().contains_all(IdList{0, 1}); }
};

TEST_F(TenantSliceTest, AttachedChildRunsOnlyOnTheTenantCpus) {
  if (!two_cpus()) GTEST_SKIP() << "needs CPUs 0 and 1";
  TenantSpec s = spec("affinity", IdList{1});
  s.cpu_weight = 50;
  TenantSlice slice = TenantSlice::create(s);
  EXPECT_EQ(read_file(slice.directory("cpuset") / "cpuset.cpus"), "1");
  EXPECT_EQ(read_file(slice.directory("cpuset") / "cpuset.mems"), "0");
  if (slice.version() == CgroupVersion::v1) {
    EXPECT_EQ(read_file(slice.directory("cpu") / "cpu.shares"), "512")
        << "weight 50 is half the default share";
    // The intermediate group got its parent's CPUs and nodes, or the tenant could not have them.
    EXPECT_EQ(IdList::parse(read_file(parent_directory("cpuset") / "cpuset.cpus")), online_cpus());
  }

  ChildProcess child([](int report_fd) {
    report(report_fd, affinity_of(0) + " on cpu " + std::to_string(sched_getcpu()));
    return 0;
  });
  slice.attach(child.pid());
  EXPECT_EQ(affinity_of(child.pid()), "1") << "sched_getaffinity equals the tenant's cpuset";
  EXPECT_EQ(slice.processes(), std::vector<pid_t>{child.pid()});
  EXPECT_EQ(cgroup_of(child.pid(), "cpuset"), "/" + std::string(kTestCgroupParent) + "/affinity");
  EXPECT_EQ(cgroup_of(child.pid(), "memory"), "/" + std::string(kTestCgroupParent) + "/affinity");
  child.start();
  EXPECT_EQ(child.read_report_line(), "1 on cpu 1") << "what the child itself sees";
  EXPECT_EQ(child.wait(), 0);
}

TEST_F(TenantSliceTest, ChildPastTheMemoryLimitIsKilledInsideItsTenantOnly) {
  TenantSpec greedy_spec = spec("greedy", online_cpus());
  greedy_spec.memory_limit_bytes = 64 * kMiB;
  TenantSpec modest_spec = spec("modest", online_cpus());
  modest_spec.memory_limit_bytes = 64 * kMiB;
  TenantSlice greedy = TenantSlice::create(greedy_spec);
  TenantSlice modest = TenantSlice::create(modest_spec);

  ChildProcess modest_child([](int report_fd) {
    if (!touch_memory(16 * kMiB)) return 1;
    report(report_fd, "ready");
    ::pause();
    return 0;
  });
  modest.attach(modest_child.pid());
  modest_child.start();
  ASSERT_EQ(modest_child.read_report_line(), "ready");

  ChildProcess greedy_child([](int) { return touch_memory(256 * kMiB) ? 0 : 1; });
  greedy.attach(greedy_child.pid());
  greedy_child.start();
  const int status = greedy_child.wait();
  ASSERT_TRUE(WIFSIGNALED(status)) << "the child touched 256 MiB under a 64 MiB limit and lived (status "
                                   << status << ")";
  EXPECT_EQ(WTERMSIG(status), SIGKILL) << "the OOM killer sends SIGKILL";
  EXPECT_GE(greedy.usage().oom_kills, 1u);
  EXPECT_LE(greedy.usage().memory_peak_bytes, 64 * kMiB);

  EXPECT_TRUE(modest_child.running()) << "the other tenant's child was killed too";
  const TenantUsage modest_usage = modest.usage();
  EXPECT_EQ(modest_usage.oom_kills, 0u);
  EXPECT_GE(modest_usage.memory_bytes, 16 * kMiB);
  modest_child.kill(SIGTERM);
  const int modest_status = modest_child.wait();
  EXPECT_TRUE(WIFSIGNALED(modest_status) && WTERMSIG(modest_status) == SIGTERM) << "status " << modest_status;
}

TEST_F(TenantSliceTest, UsageCountsTheTenantsCpuTime) {
  TenantSlice slice = TenantSlice::create(spec("busy", online_cpus()));
  const std::uint64_t before = slice.usage().cpu_time_ns;
  ChildProcess child([](int) {
    // 200 ms of the child's own CPU time, however busy the host is.
    timespec used{};
    do {
      clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &used);
    } while (used.tv_sec == 0 && used.tv_nsec < 200'000'000);
    return 0;
  });
  slice.attach(child.pid());
  child.start();
  EXPECT_EQ(child.wait(), 0);
  // The little the child spent before it was attached (fork, waiting to start) was counted elsewhere.
  EXPECT_GE(slice.usage().cpu_time_ns - before, 180'000'000u)
      << "the child's 200 ms of CPU time are the tenant's";
}

TEST_F(TenantSliceTest, RemoveMovesRemainingProcessesBackAndDeletesTheGroups) {
  const std::string home_memory = cgroup_of(::getpid(), "memory");
  const std::string home_cpuset = cgroup_of(::getpid(), "cpuset");
  ChildProcess child([](int) {
    ::pause();
    return 0;
  });
  {
    TenantSlice slice = TenantSlice::create(spec("leaving", IdList{0}));
    slice.attach(child.pid());
    EXPECT_EQ(affinity_of(child.pid()), "0");
    slice.remove();
    EXPECT_FALSE(fs::exists(slice.directory("cpuset")));
    EXPECT_FALSE(fs::exists(slice.directory("memory")));
  }
  EXPECT_EQ(cgroup_of(child.pid(), "memory"), home_memory) << "moved back where the creating process lives";
  EXPECT_EQ(cgroup_of(child.pid(), "cpuset"), home_cpuset);
  EXPECT_EQ(affinity_of(child.pid()), affinity_of(::getpid()));
}

TEST_F(TenantSliceTest, RefusesCpusThatDoNotExist) {
  EXPECT_EQ(refusal_of(spec("bad", IdList{0, 64})),
            "TenantSlice::create ckernel-test/bad: CPU 64 does not exist (online CPUs: " +
                online_cpus().to_string() + ")");
  EXPECT_EQ(refusal_of(spec("bad", IdList{64, 65})),
            "TenantSlice::create ckernel-test/bad: CPUs 64-65 do not exist (online CPUs: " +
                online_cpus().to_string() + ")");
}

TEST_F(TenantSliceTest, RefusesMemoryNodesThatDoNotExist) {
  EXPECT_EQ(refusal_of(spec("bad", IdList{0}, IdList{7})),
            "TenantSlice::create ckernel-test/bad: NUMA node 7 does not exist (nodes with memory: " +
                nodes_with_memory().to_string() + ")");
}

TEST_F(TenantSliceTest, RefusesOverlapWithAnotherTenantsExclusiveCpus) {
  if (!two_cpus()) GTEST_SKIP() << "needs CPUs 0 and 1";
  if (detect_cgroup_layout().version() != CgroupVersion::v1) {
    GTEST_SKIP() << "exclusive CPUs are implemented for cgroup v1 only";
  }
  TenantSpec exclusive = spec("a", IdList{1});
  exclusive.exclusive_cpus = true;
  TenantSlice a = TenantSlice::create(exclusive);
  if (a.version() == CgroupVersion::v1) {
    EXPECT_EQ(read_file(a.directory("cpuset") / "cpuset.cpu_exclusive"), "1") << "the kernel enforces it too";
  }
  EXPECT_EQ(refusal_of(spec("b", IdList{0, 1})),
            "TenantSlice::create ckernel-test/b: CPU 1 is exclusive to tenant 'a'");
  TenantSlice b = TenantSlice::create(spec("b", IdList{0}));  // beside the exclusive CPU: fine
  TenantSpec greedy = spec("c", IdList{0});
  greedy.exclusive_cpus = true;
  EXPECT_EQ(refusal_of(greedy),
            "TenantSlice::create ckernel-test/c: exclusive CPU 0 is already used by tenant 'b'");
  EXPECT_FALSE(fs::exists(parent_directory("cpuset") / "c")) << "a refused tenant leaves no group";

  const std::vector<TenantCpus> tenants = list_tenant_cpus(std::string(kTestCgroupParent));
  ASSERT_EQ(tenants.size(), 2u);
  EXPECT_EQ(tenants[0].name, "a");
  EXPECT_TRUE(tenants[0].exclusive);
  EXPECT_EQ(tenants[1].cpus, IdList{0});
}

TEST_F(TenantSliceTest, RefusesDuplicatesAndBadNames) {
  TenantSlice first = TenantSlice::create(spec("twin", IdList{0}));
  EXPECT_EQ(refusal_of(spec("twin", IdList{0})),
            "TenantSlice::create ckernel-test/twin: the tenant already exists (" +
                first.directory("cpuset").string() + ")");
  EXPECT_EQ(refusal_of(spec("../escape", IdList{0})),
            "TenantSlice::create ckernel-test/../escape: invalid tenant name '../escape'");
}

TEST(CgroupLayout, MatchesTheMountTable) {
  const CgroupLayout layout = detect_cgroup_layout();
  ASSERT_NE(layout.find("memory"), nullptr) << layout.describe();
  std::ifstream mountinfo("/proc/self/mountinfo");
  std::string line;
  std::string mounts;
  while (std::getline(mountinfo, line)) mounts += line + "\n";
  for (const ControllerMount& mount : layout.controllers) {
    const std::string type = mount.version == CgroupVersion::v2 ? " - cgroup2 " : " - cgroup ";
    const std::string entry = " " + mount.mount_point.string() + " ";
    const auto at = mounts.find(entry);
    ASSERT_NE(at, std::string::npos) << mount.mount_point;
    const std::string mount_line = mounts.substr(at, mounts.find('\n', at) - at);
    EXPECT_NE(mount_line.find(type), std::string::npos) << mount_line;
    if (mount.version == CgroupVersion::v1) {
      EXPECT_NE(mount_line.find(mount.controller), std::string::npos) << mount_line;
    }
  }
  EXPECT_NE(layout.describe().find("memory at " + layout.find("memory")->mount_point.string()),
            std::string::npos);
}

}  // namespace
}  // namespace ck::tuning
