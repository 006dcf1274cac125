// The weight-memory fallback chain: hugetlbfs, then transparent huge pages, then normal pages.
#include "ckernel/tuning/placement.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>

#include "ckernel/tuning/error.h"
#include "ckernel/tuning/hugepages.h"
#include "ckernel/tuning/hugetlbfs_mount.h"
#include "ckernel/tuning/numa_policy.h"
#include "ckernel/tuning/topology.h"
#include "ckernel/tuning/units.h"
#include "test_support.h"

namespace ck::tuning {
namespace {

namespace fs = std::filesystem;
using testing::test_path;

constexpr std::uint64_t k2M = 2 * kMiB;

HugetlbfsOptions options_2m() {
  HugetlbfsOptions options;
  options.page_size = k2M;
  return options;
}

WeightRegionRequest request(std::uint64_t bytes, std::optional<fs::path> file, std::optional<int> node = {}) {
  WeightRegionRequest r;
  r.bytes = bytes;
  r.hugetlbfs_file = std::move(file);
  r.node = node;
  return r;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(Placement, UsesHugetlbfsWhenAMountHasFreePages) {
  CK_REQUIRE_ROOT();
  // A host may keep a pool of its own; the reservation adds to it.
  const std::uint64_t free_before = node_hugepage_pool(0, k2M).free;
  HugePageReservation reservation(0, k2M, 2);
  ASSERT_EQ(reservation.granted(), 2u) << reservation.summary();
  const fs::path point = test_path("mnt");
  HugetlbfsMount mount(point, options_2m());
  WeightRegion region = map_weight_region(request(3 * kMiB, point / "model", 0));
  EXPECT_EQ(region.placement.kind, PageKind::hugetlbfs) << region.placement.why;
  EXPECT_EQ(region.placement.page_size, k2M);
  EXPECT_EQ(region.memory.size(), 4 * kMiB) << "rounded up to whole huge pages";
  EXPECT_TRUE(contains(region.placement.why, "hugetlbfs: 2 MiB pages in " + (point / "model").string()))
      << region.placement.why;
  EXPECT_EQ(read_mapping_page_stats(::getpid(), region.memory.data()).private_hugetlb, 4 * kMiB);
  EXPECT_EQ(node_hugepage_pool(0, k2M).free, free_before) << "both reserved pages are in use";
  for (const int node : page_nodes(region.memory.data(), region.memory.size())) EXPECT_EQ(node, 0);
}

TEST(Placement, FallsBackToTransparentHugePagesWithoutHugetlbfs) {
  const std::string thp = transparent_hugepage_mode();
  // /tmp is not hugetlbfs, so the first choice is impossible.
  WeightRegion region = map_weight_region(request(8 * kMiB, fs::path("/tmp/not-hugetlbfs/w")));
  EXPECT_TRUE(contains(region.placement.why, "hugetlbfs: /tmp/not-hugetlbfs is not a hugetlbfs mount"))
      << region.placement.why;
  if (thp == "never" || thp.empty()) {
    EXPECT_EQ(region.placement.kind, PageKind::normal_pages) << region.placement.why;
    EXPECT_TRUE(contains(region.placement.why, "THP: disabled")) << region.placement.why;
    return;
  }
  ASSERT_EQ(region.placement.kind, PageKind::transparent_huge_pages) << region.placement.why;
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(region.memory.data()) % k2M, 0u) << "THP needs 2 MiB alignment";
  const MappingPageStats stats = read_mapping_page_stats(::getpid(), region.memory.data());
  EXPECT_GT(stats.anon_huge_pages, 0u) << "no transparent huge page backs the region";
  EXPECT_TRUE(contains(region.placement.why, "THP: ")) << region.placement.why;
}

TEST(Placement, FallsBackWhenTheHugePagePoolIsEmpty) {
  CK_REQUIRE_ROOT();
  const fs::path point = test_path("empty-pool");
  HugetlbfsMount mount(point, options_2m());
  const std::uint64_t needed = node_hugepage_pool(0, k2M).free + 1;
  const fs::path file = point / "model";
  WeightRegion region = map_weight_region(request(needed * k2M, file));
  EXPECT_NE(region.placement.kind, PageKind::hugetlbfs);
  EXPECT_TRUE(contains(region.placement.why, "hugetlbfs: mmap MAP_SHARED")) << region.placement.why;
  EXPECT_TRUE(contains(region.placement.why, "Cannot allocate memory")) << region.placement.why;
  EXPECT_FALSE(fs::exists(file)) << "the file it could not fill was left in the mount";
}

TEST(Placement, RefusesANodeThatDoesNotExist) {
  try {
    map_weight_region(request(kMiB, std::nullopt, 7));
    FAIL() << "node 7 accepted";
  } catch (const TuningError& error) {
    EXPECT_STREQ(error.what(), ("map_weight_region: NUMA node 7 does not exist (nodes with memory: " +
                                nodes_with_memory().to_string() + ")")
                                   .c_str());
  }
}

}  // namespace
}  // namespace ck::tuning
