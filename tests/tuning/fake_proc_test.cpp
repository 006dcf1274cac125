// What the library parses out of procfs and sysfs text, against fake trees (fake_host.h): hugetlbfs
// mounts in mountinfo, the transparent huge page mode, a mapping's smaps counters.
#include <gtest/gtest.h>
#include <unistd.h>

#include "ckernel/tuning/error.h"
#include "ckernel/tuning/hugetlbfs_mount.h"
#include "ckernel/tuning/memory_mapping.h"
#include "ckernel/tuning/placement.h"
#include "ckernel/tuning/units.h"
#include "fake_host.h"

namespace ck::tuning {
namespace {

using testing::FakeHost;

// Optional fields (shared:, master:) before the "-", an escaped blank and an escaped backslash in mount
// points, pagesize= in K, M and G, and a tmpfs that is no hugetlbfs.
constexpr const char* kMountinfo =
    "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro\n"
    "30 22 0:25 / /dev/hugepages rw,relatime shared:12 - hugetlbfs hugetlbfs rw,pagesize=2M\n"
    "31 22 0:26 / /run/ck\\040pages rw,relatime shared:13 master:2 - hugetlbfs none "
    "rw,pagesize=1024M,size=2G\n"
    "32 22 0:27 / /mnt/back\\134slash rw - hugetlbfs none rw,pagesize=64K\n"
    "33 22 0:28 / /run/user/0 rw,nosuid,nodev shared:20 - tmpfs tmpfs rw,size=1000k,mode=700\n";

TEST(FakeMountinfo, ListsHugetlbfsMountsWithUnescapedPaths) {
  const FakeHost host;
  host.write("proc/self/mountinfo", kMountinfo);
  EXPECT_EQ(hugetlbfs_mount_points(),
            (std::vector<std::filesystem::path>{"/dev/hugepages", "/run/ck pages", "/mnt/back\\slash"}));
}

TEST(FakeMountinfo, FindsAMountByPageSize) {
  const FakeHost host;
  host.write("proc/self/mountinfo", kMountinfo);
  EXPECT_EQ(find_hugetlbfs_mount(2 * kMiB), std::optional<std::filesystem::path>("/dev/hugepages"));
  EXPECT_EQ(find_hugetlbfs_mount(kGiB), std::optional<std::filesystem::path>("/run/ck pages"));
  EXPECT_EQ(find_hugetlbfs_mount(64 * kKiB), std::optional<std::filesystem::path>("/mnt/back\\slash"));
  EXPECT_EQ(find_hugetlbfs_mount(0), std::optional<std::filesystem::path>("/dev/hugepages"));
  EXPECT_EQ(find_hugetlbfs_mount(16 * kGiB), std::nullopt);
}

TEST(FakeMountinfo, NoHugetlbfsMounted) {
  const FakeHost host;
  host.write("proc/self/mountinfo", "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n");
  EXPECT_TRUE(hugetlbfs_mount_points().empty());
  EXPECT_EQ(find_hugetlbfs_mount(), std::nullopt);
}

TEST(FakeMountinfo, UnreadableMountinfoNamesTheFile) {
  const FakeHost host;
  try {
    hugetlbfs_mount_points();
    FAIL() << "expected TuningError";
  } catch (const TuningError& error) {
    EXPECT_NE(std::string(error.what()).find((host.proc() / "self/mountinfo").string()), std::string::npos)
        << error.what();
  }
}

TEST(FakeTransparentHugePages, TheBracketedWordIsTheMode) {
  const FakeHost host;
  EXPECT_EQ(transparent_hugepage_mode(), "");  // a kernel without THP
  host.write("sys/kernel/mm/transparent_hugepage/enabled", "always [madvise] never\n");
  EXPECT_EQ(transparent_hugepage_mode(), "madvise");
  host.write("sys/kernel/mm/transparent_hugepage/enabled", "[always] madvise never\n");
  EXPECT_EQ(transparent_hugepage_mode(), "always");
  host.write("sys/kernel/mm/transparent_hugepage/enabled", "garbled\n");
  EXPECT_EQ(transparent_hugepage_mode(), "");
}

// The counters of the one mapping that holds the address; the mapping after it is not read.
TEST(FakeSmaps, CountersOfTheMappingHoldingTheAddress) {
  const FakeHost host;
  host.write("proc/4242/smaps",
             "7f0000000000-7f0000200000 rw-p 00000000 00:00 0 \n"
             "Size:               2048 kB\n"
             "KernelPageSize:        4 kB\n"
             "Rss:                  12 kB\n"
             "7f0040000000-7f0080000000 rw-s 00000000 00:2f 1234                       /run/ck pages/w\n"
             "Size:            1048576 kB\n"
             "KernelPageSize:  1048576 kB\n"
             "Rss:                   0 kB\n"
             "AnonHugePages:         0 kB\n"
             "Shared_Hugetlb:  1048576 kB\n"
             "Private_Hugetlb:       0 kB\n"
             "VmFlags: rd wr sh mr mw me ms de ht sd\n"
             "7f0080000000-7f0080200000 rw-p 00000000 00:00 0 \n"
             "Size:               2048 kB\n"
             "AnonHugePages:      2048 kB\n");
  const auto* address = reinterpret_cast<const void*>(std::uintptr_t{0x7f0040001000});
  const MappingPageStats stats = read_mapping_page_stats(4242, address);
  EXPECT_EQ(stats.size, kGiB);
  EXPECT_EQ(stats.kernel_page_size, kGiB);
  EXPECT_EQ(stats.rss, 0u);
  EXPECT_EQ(stats.anon_huge_pages, 0u);
  EXPECT_EQ(stats.shared_hugetlb, kGiB);
  EXPECT_EQ(stats.private_hugetlb, 0u);

  const auto* outside = reinterpret_cast<const void*>(std::uintptr_t{0x1000});
  EXPECT_THROW(read_mapping_page_stats(4242, outside), TuningError);
}

}  // namespace
}  // namespace ck::tuning
