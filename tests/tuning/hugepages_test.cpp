// Huge page pools, hugetlbfs mounts and shared hugetlbfs files on the real kernel.
#include "ckernel/tuning/hugepages.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstring>
#include <fstream>

#include "child_process.h"
#include "ckernel/tuning/error.h"
#include "ckernel/tuning/hugetlbfs_mount.h"
#include "ckernel/tuning/memory_mapping.h"
#include "ckernel/tuning/topology.h"
#include "ckernel/tuning/units.h"
#include "test_support.h"

namespace ck::tuning {
namespace {

namespace fs = std::filesystem;
using testing::ChildProcess;
using testing::test_path;

constexpr std::uint64_t k2M = 2 * kMiB;

HugetlbfsOptions options_2m() {
  HugetlbfsOptions options;
  options.page_size = k2M;
  return options;
}

std::uint64_t meminfo_hugepages_free() {
  std::ifstream in("/proc/meminfo");
  std::string name, rest;
  std::uint64_t value = 0;
  while (in >> name >> value) {
    std::getline(in, rest);
    if (name == "HugePages_Free:") return value;
  }
  return 0;
}

bool is_mount_point(const fs::path& path) {
  for (const fs::path& point : hugetlbfs_mount_points()) {
    if (point == path) return true;
  }
  return false;
}

TEST(HugePageReservation, GrowsTheNodePoolAndRestoresIt) {
  CK_REQUIRE_ROOT();
  const std::uint64_t before = node_hugepage_pool(0, k2M).total;
  {
    HugePageReservation reservation(0, k2M, 4);
    EXPECT_EQ(reservation.count_before(), before);
    EXPECT_EQ(node_hugepage_pool(0, k2M).total, before + reservation.granted());
    // A VM with little free memory may grant fewer; then the summary must say so.
    if (reservation.complete()) {
      EXPECT_EQ(reservation.granted(), 4u);
      EXPECT_EQ(reservation.summary(), "node 0: 4 of 4 x 2 MiB pages granted");
    } else {
      EXPECT_NE(reservation.summary().find("only"), std::string::npos) << reservation.summary();
    }
    {
      HugePageReservation nested(0, k2M, 2);
      EXPECT_EQ(node_hugepage_pool(0, k2M).total, before + reservation.granted() + nested.granted());
    }
    EXPECT_EQ(node_hugepage_pool(0, k2M).total, before + reservation.granted());
  }
  EXPECT_EQ(node_hugepage_pool(0, k2M).total, before) << "nr_hugepages not restored";
}

TEST(HugePageReservation, RefusesANodeThatDoesNotExist) {
  try {
    HugePageReservation reservation(7, k2M, 1);
    FAIL() << "node 7 accepted";
  } catch (const TuningError& error) {
    EXPECT_EQ(std::string(error.what()),
              "hugepages /sys/devices/system/node/node7: NUMA node 7 does not exist (online nodes: " +
                  online_nodes().to_string() + ")");
  }
}

TEST(HugePageReservation, RefusesAnUnsupportedPageSize) {
  try {
    HugePageReservation reservation(0, 4 * kMiB, 1);
    FAIL() << "4 MiB pages accepted";
  } catch (const TuningError& error) {
    EXPECT_NE(std::string(error.what()).find("page size 4 MiB is not supported (supported: "),
              std::string::npos)
        << error.what();
  }
}

TEST(HugetlbfsMount, CreatesItsMountPointAndRemovesItAfterUnmounting) {
  CK_REQUIRE_ROOT();
  const fs::path point = test_path("hugetlbfs");
  ASSERT_FALSE(fs::exists(point));
  {
    HugetlbfsOptions options = options_2m();
    options.size_limit_bytes = 8 * kMiB;
    HugetlbfsMount mount(point, options);
    EXPECT_TRUE(mount.created_mount_point());
    EXPECT_TRUE(is_hugetlbfs(point));
    EXPECT_TRUE(is_mount_point(point));
    EXPECT_EQ(mount.page_size(), k2M);
    EXPECT_EQ(mount.mount_options(), "pagesize=2097152,size=8388608,mode=0770");
    EXPECT_EQ(find_hugetlbfs_mount(k2M), std::optional<fs::path>(point));
  }
  EXPECT_FALSE(is_mount_point(point)) << "still mounted";
  EXPECT_FALSE(fs::exists(point)) << "mount point it created was left behind";
  EXPECT_FALSE(fs::exists(point.parent_path())) << "parent it created was left behind";
}

TEST(HugetlbfsMount, KeepsAMountPointThatExisted) {
  CK_REQUIRE_ROOT();
  const fs::path point = test_path("existing");
  fs::create_directories(point);
  {
    HugetlbfsMount mount(point);
    EXPECT_FALSE(mount.created_mount_point());
    EXPECT_TRUE(is_hugetlbfs(point));
  }
  EXPECT_FALSE(is_mount_point(point));
  EXPECT_TRUE(fs::is_directory(point));
  testing::remove_test_directory(point.parent_path());
}

TEST(HugetlbfsMount, RefusalNamesTheCallAndThePath) {
  CK_REQUIRE_ROOT();
  const fs::path point = test_path("refused");
  try {
    // min_size larger than the free pool: the kernel refuses to mount.
    HugetlbfsOptions options = options_2m();
    options.min_size_bytes = 1024 * kGiB;
    HugetlbfsMount mount(point, options);
    FAIL() << "mount with an impossible min_size succeeded";
  } catch (const TuningError& error) {
    EXPECT_EQ(error.path(), point.string());
    EXPECT_NE(error.call().find("mount -t hugetlbfs -o pagesize=2097152,min_size="), std::string::npos)
        << error.what();
    EXPECT_NE(error.error_number(), 0);
  }
  EXPECT_FALSE(fs::exists(point)) << "failed mount left its mount point";
}

TEST(HugePageFile, IsOneCopySharedByTwoProcesses) {
  CK_REQUIRE_ROOT();
  HugePageReservation reservation(0, k2M, 4);
  ASSERT_GE(reservation.granted(), 2u) << reservation.summary();
  const fs::path point = test_path("shared");
  HugetlbfsMount mount(point, options_2m());
  const fs::path file = point / "weights";

  const std::uint64_t free_before = meminfo_hugepages_free();
  HugePageFile parent_view = HugePageFile::create(file, 4 * kMiB);
  ASSERT_EQ(parent_view.size(), 4 * kMiB);
  std::memset(parent_view.data(), 0x5a, parent_view.size());
  const std::uint64_t free_after_parent = meminfo_hugepages_free();
  EXPECT_EQ(free_before - free_after_parent, 2u) << "4 MiB in 2 MiB pages";

  // The child maps the same file by name, as a second tenant's engine would, and reads the parent's data.
  ChildProcess child([&file](int report_fd) {
    HugePageFile child_view = HugePageFile::open(file);
    populate(child_view.data(), child_view.size(), /*for_write=*/false);
    for (std::size_t i = 0; i < child_view.size(); i += 4096) {
      if (child_view.data()[i] != std::byte{0x5a}) return 1;
    }
    const std::string address = std::to_string(reinterpret_cast<std::uintptr_t>(child_view.data())) + "\n";
    if (::write(report_fd, address.data(), address.size()) < 0) return 2;
    ::pause();
    return 0;
  });
  child.start();
  const std::string reported = child.read_report_line();
  ASSERT_FALSE(reported.empty()) << "child failed, status " << child.wait();
  const auto* child_address = reinterpret_cast<const void*>(std::stoull(reported));

  EXPECT_EQ(meminfo_hugepages_free(), free_after_parent) << "the child's mapping took pages of its own";
  const MappingPageStats in_child = read_mapping_page_stats(child.pid(), child_address);
  const MappingPageStats in_parent = read_mapping_page_stats(::getpid(), parent_view.data());
  EXPECT_EQ(in_child.kernel_page_size, k2M);
  EXPECT_EQ(in_parent.kernel_page_size, k2M);
  EXPECT_EQ(in_child.shared_hugetlb, 4 * kMiB) << "pages mapped by both processes count as shared";
  EXPECT_EQ(in_parent.shared_hugetlb, 4 * kMiB);
  EXPECT_EQ(in_child.private_hugetlb, 0u);

  child.kill(SIGKILL);
  child.wait();
  parent_view.remove_file();
}

TEST(HugePageFile, ShortPoolFailsAtMapTimeNotAtFirstTouch) {
  CK_REQUIRE_ROOT();
  const fs::path point = test_path("short");
  HugetlbfsMount mount(point, options_2m());
  const std::uint64_t free_pages = node_hugepage_pool(0, k2M).free;
  try {
    HugePageFile::create(point / "too-big", (free_pages + 1) * k2M);
    FAIL() << "mapped more huge pages than the pool has";
  } catch (const TuningError& error) {
    EXPECT_EQ(error.error_number(), ENOMEM) << error.what();
    EXPECT_NE(error.path().find("too-big"), std::string::npos) << error.what();
  }
  // The file it could not fill is gone again: nothing for the next start to trip over.
  EXPECT_FALSE(fs::exists(point / "too-big"));
}

}  // namespace
}  // namespace ck::tuning
