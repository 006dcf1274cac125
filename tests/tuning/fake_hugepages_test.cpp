// Huge page pools and reservations against fake sysfs trees (fake_host.h): the reading, the
// arithmetic of a reservation, and the refusals, on kernels the test host is not.
#include <gtest/gtest.h>

#include "ckernel/tuning/error.h"
#include "ckernel/tuning/hugepages.h"
#include "ckernel/tuning/units.h"
#include "fake_host.h"

namespace ck::tuning {
namespace {

using testing::FakeHost;

constexpr std::uint64_t k2M = 2 * kMiB;
constexpr std::uint64_t k1G = kGiB;
const char* const kNode1Count2M = "sys/devices/system/node/node1/hugepages/hugepages-2048kB/nr_hugepages";

void two_nodes_with_pools(const FakeHost& host) {
  host.nodes("0-1", "0-1");
  host.global_pool(k1G, 0);
  host.global_pool(k2M, 30);
  host.node_pool(0, k2M, 20, 7, 2);
  host.node_pool(0, k1G, 0);
  host.node_pool(1, k2M, 10, 10);
  host.node_pool(1, k1G, 2, 1);
}

std::string error_text(const auto& call) {
  try {
    call();
  } catch (const TuningError& error) {
    return error.what();
  }
  return "no error";
}

TEST(FakeHugePages, SupportedSizesAscendingAndOnlyPoolDirectories) {
  const FakeHost host;
  two_nodes_with_pools(host);
  host.write("sys/kernel/mm/hugepages/README", "not a pool\n");
  host.write("sys/kernel/mm/hugepages/hugepages-xkB/nr_hugepages", "0\n");
  EXPECT_EQ(supported_hugepage_sizes(), (std::vector<std::uint64_t>{k2M, k1G}));
}

TEST(FakeHugePages, PoolsPerNodeAndSize) {
  const FakeHost host;
  two_nodes_with_pools(host);
  const HugePagePool node0 = node_hugepage_pool(0, k2M);
  EXPECT_EQ(node0.page_size, k2M);
  EXPECT_EQ(node0.total, 20u);
  EXPECT_EQ(node0.free, 7u);
  EXPECT_EQ(node0.surplus, 2u);
  const HugePagePool node1 = node_hugepage_pool(1, k1G);
  EXPECT_EQ(node1.total, 2u);
  EXPECT_EQ(node1.free, 1u);
  const std::vector<HugePagePool> pools = node_hugepage_pools(1);
  ASSERT_EQ(pools.size(), 2u);
  EXPECT_EQ(pools[0].page_size, k2M);
  EXPECT_EQ(pools[0].total, 10u);
  EXPECT_EQ(pools[1].page_size, k1G);
  EXPECT_EQ(node_hugepage_directory(1, k2M),
            host.sys() / "devices/system/node/node1/hugepages/hugepages-2048kB");
}

TEST(FakeHugePages, DefaultSizeFromMeminfo) {
  const FakeHost host;
  host.write("proc/meminfo",
             "MemTotal:       16318372 kB\nHugePages_Total:      30\nHugepagesize:    1048576 kB\n"
             "Hugetlb:         61440 kB\n");
  EXPECT_EQ(default_hugepage_size(), k1G);
}

TEST(FakeHugePages, KernelWithoutHugePagesSaysSo) {
  const FakeHost host;
  host.write("proc/meminfo", "MemTotal:       16318372 kB\nMemFree:         1000 kB\n");
  EXPECT_EQ(error_text([] { default_hugepage_size(); }),
            "read " + (host.proc() / "meminfo").string() +
                ": no Hugepagesize line: this kernel has no huge page support");
  EXPECT_TRUE(supported_hugepage_sizes().empty());
}

// Some kernels (and some VMs) offer 1 GiB pages only, or 2 MiB only; the refusal names what exists.
TEST(FakeHugePages, KernelWithout2MiBPagesRefusesThem) {
  const FakeHost host;
  host.nodes("0", "0");
  host.global_pool(k1G, 0);
  host.node_pool(0, k1G, 0);
  EXPECT_EQ(error_text([] { node_hugepage_pool(0, k2M); }),
            "hugepages " + (host.sys() / "kernel/mm/hugepages").string() +
                ": page size 2 MiB is not supported (supported: 1 GiB)");
  EXPECT_EQ(node_hugepage_pools(0).size(), 1u);
}

TEST(FakeHugePages, UnknownNodeNamesTheOnlineNodes) {
  const FakeHost host;
  two_nodes_with_pools(host);
  EXPECT_EQ(error_text([] { node_hugepage_pool(3, k2M); }),
            "hugepages " + (host.sys() / "devices/system/node/node3").string() +
                ": NUMA node 3 does not exist (online nodes: 0-1)");
}

// A reservation writes nr_hugepages: before each one, make sure the pool it will write is the fake's, so
// that a broken seam fails the test instead of changing the real host's pools.
void require_fake_pool(const FakeHost& host, int node, std::uint64_t page_size) {
  const auto directory = node_hugepage_directory(node, page_size);
  ASSERT_TRUE(directory.string().starts_with(host.sys().string())) << directory;
}

TEST(FakeHugePages, ReservationRaisesTheCountAndLowersItByItsGrant) {
  const FakeHost host;
  two_nodes_with_pools(host);
  ASSERT_NO_FATAL_FAILURE(require_fake_pool(host, 1, k2M));
  {
    HugePageReservation reservation(1, k2M, 4);
    EXPECT_EQ(host.read(kNode1Count2M), "14");
    EXPECT_EQ(reservation.count_before(), 10u);
    EXPECT_EQ(reservation.granted(), 4u);
    EXPECT_TRUE(reservation.complete());
    EXPECT_EQ(reservation.summary(), "node 1: 4 of 4 x 2 MiB pages granted");
    // Another reservation raises the pool meanwhile; this one takes back its own 4 pages only.
    host.write(kNode1Count2M, "20\n");
  }
  EXPECT_EQ(host.read(kNode1Count2M), "16");
}

TEST(FakeHugePages, ReservationGivesBackOnce) {
  const FakeHost host;
  two_nodes_with_pools(host);
  ASSERT_NO_FATAL_FAILURE(require_fake_pool(host, 0, k2M));
  HugePageReservation reservation(0, k2M, 5);
  EXPECT_EQ(host.read("sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages"), "25");
  reservation.give_back();
  EXPECT_EQ(host.read("sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages"), "20");
  reservation.give_back();
  EXPECT_EQ(host.read("sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages"), "20");
}

// A reservation of nothing leaves the file alone; a moved-from reservation gives nothing back, so the
// pages go back once.
TEST(FakeHugePages, ZeroPagesWriteNothingAndMovedFromOwnsNothing) {
  const FakeHost host;
  two_nodes_with_pools(host);
  ASSERT_NO_FATAL_FAILURE(require_fake_pool(host, 1, k2M));
  {
    const HugePageReservation none(1, k2M, 0);
    EXPECT_EQ(none.granted(), 0u);
    EXPECT_TRUE(none.complete());
    EXPECT_EQ(host.read(kNode1Count2M), "10\n");  // untouched, the kernel's own newline kept
  }
  {
    HugePageReservation first(1, k2M, 2);
    const HugePageReservation second(std::move(first));
    EXPECT_EQ(second.granted(), 2u);
  }
  EXPECT_EQ(host.read(kNode1Count2M), "10");
}

}  // namespace
}  // namespace ck::tuning
