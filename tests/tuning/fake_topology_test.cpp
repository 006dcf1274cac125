// Topology of machines the test host is not, read from fake sysfs/procfs trees (fake_host.h).
#include <gtest/gtest.h>

#include "ckernel/tuning/error.h"
#include "ckernel/tuning/numa_policy.h"
#include "ckernel/tuning/topology.h"
#include "ckernel/tuning/units.h"
#include "fake_host.h"

namespace ck::tuning {
namespace {

using testing::FakeHost;

constexpr std::uint64_t k2M = 2 * kMiB;
constexpr std::uint64_t k1G = kGiB;

// Two sockets, one node each, two cores per node with two SMT threads on the first one:
// node 0 = CPUs 0-1 (one core), node 1 = CPUs 2-3 (two cores); 2 MiB and 1 GiB pages.
void two_node_four_cpu_machine(const FakeHost& host) {
  host.online_cpus("0-3");
  host.cpu(0, 0, 0, "0-1");
  host.cpu(1, 0, 0, "0-1");
  host.cpu(2, 0, 1, "2");
  host.cpu(3, 1, 1, "3");
  host.nodes("0-1", "0-1");
  host.node(0, "0-1", 4 * 1024 * 1024, 1024 * 1024);
  host.node(1, "2-3", 8 * 1024 * 1024, 6 * 1024 * 1024);
  host.global_pool(k2M, 12);
  host.global_pool(k1G, 1);
  host.node_pool(0, k2M, 8, 3, 1);
  host.node_pool(0, k1G, 1, 1);
  host.node_pool(1, k2M, 4, 4);
  host.node_pool(1, k1G, 0);
}

TEST(FakeTopology, TwoNodesFourCpus) {
  const FakeHost host;
  two_node_four_cpu_machine(host);
  EXPECT_EQ(online_cpus(), (IdList{0, 1, 2, 3}));
  EXPECT_EQ(online_nodes(), (IdList{0, 1}));
  EXPECT_EQ(nodes_with_memory(), (IdList{0, 1}));

  const Topology topology = discover_topology();
  ASSERT_EQ(topology.cpus.size(), 4u);
  EXPECT_EQ(topology.physical_cores, 3u);  // (package 0, core 0), (1, 0), (1, 1)
  EXPECT_EQ(topology.cpus[1].smt_siblings, (IdList{0, 1}));
  EXPECT_EQ(topology.cpus[1].node, 0);
  EXPECT_EQ(topology.cpus[2].node, 1);
  EXPECT_EQ(topology.cpus[3].package_id, 1);
  EXPECT_EQ(topology.cpus[3].core_id, 1);
  EXPECT_EQ(topology.node_ids(), (IdList{0, 1}));
  EXPECT_EQ(topology.hugepage_sizes, (std::vector<std::uint64_t>{k2M, k1G}));

  const NumaNode* node0 = topology.find_node(0);
  const NumaNode* node1 = topology.find_node(1);
  ASSERT_NE(node0, nullptr);
  ASSERT_NE(node1, nullptr);
  EXPECT_EQ(node0->cpus, (IdList{0, 1}));
  EXPECT_EQ(node1->cpus, (IdList{2, 3}));
  EXPECT_EQ(node0->memory_total_bytes, 4 * kGiB);
  EXPECT_EQ(node0->memory_free_bytes, 1 * kGiB);
  EXPECT_EQ(node1->memory_total_bytes, 8 * kGiB);
  EXPECT_EQ(node1->memory_free_bytes, 6 * kGiB);
  ASSERT_EQ(node0->hugepages.size(), 2u);
  EXPECT_EQ(node0->hugepages[0].page_size, k2M);
  EXPECT_EQ(node0->hugepages[0].total, 8u);
  EXPECT_EQ(node0->hugepages[0].free, 3u);
  EXPECT_EQ(node0->hugepages[0].surplus, 1u);
  EXPECT_EQ(node0->hugepages[1].page_size, k1G);
  EXPECT_EQ(node0->hugepages[1].total, 1u);
  ASSERT_EQ(node1->hugepages.size(), 2u);
  EXPECT_EQ(node1->hugepages[0].free, 4u);
  EXPECT_EQ(node1->hugepages[1].total, 0u);

  const std::string report = topology.describe();
  EXPECT_NE(report.find("numa node 1: cpus 2-3, memory 8192 MiB (6144 MiB free)"), std::string::npos)
      << report;
  EXPECT_NE(report.find("  hugepages 2 MiB: total 8, free 3, surplus 1"), std::string::npos) << report;
}

// A CPU-only node (memory hot-removed, or CXL-style topologies the other way round): listed online,
// absent from has_memory, its meminfo all zero.
TEST(FakeTopology, NodeWithoutMemory) {
  const FakeHost host;
  two_node_four_cpu_machine(host);
  host.nodes("0-1", "0");
  host.node(1, "2-3", 0, 0);
  EXPECT_EQ(nodes_with_memory(), IdList{0});
  const Topology topology = discover_topology();
  const NumaNode* node1 = topology.find_node(1);
  ASSERT_NE(node1, nullptr);
  EXPECT_EQ(node1->cpus, (IdList{2, 3}));
  EXPECT_EQ(node1->memory_total_bytes, 0u);
  EXPECT_EQ(node1->memory_free_bytes, 0u);
}

// An offline CPU has no topology directory to read and is in no node's list of CPUs.
TEST(FakeTopology, OfflineCpusAreLeftOut) {
  const FakeHost host;
  two_node_four_cpu_machine(host);
  host.online_cpus("0-1,3");
  host.node(1, "3", 8 * 1024 * 1024, 6 * 1024 * 1024);
  std::filesystem::remove_all(host.sys() / "devices/system/cpu/cpu2");
  const Topology topology = discover_topology();
  ASSERT_EQ(topology.cpus.size(), 3u);
  EXPECT_EQ(topology.online_cpus, (IdList{0, 1, 3}));
  EXPECT_EQ(topology.cpus[2].id, 3);
  EXPECT_EQ(topology.cpus[2].node, 1);
  ASSERT_NE(topology.find_node(1), nullptr);
  EXPECT_EQ(topology.find_node(1)->cpus, IdList{3});
}

// A kernel built without NUMA has no /sys/devices/system/node: one node 0 with every CPU, the machine's
// memory from /proc/meminfo, and the global huge page pools as node 0's.
TEST(FakeTopology, KernelWithoutNumaIsOneNode) {
  const FakeHost host;
  host.online_cpus("0-1");
  host.cpu(0, 0, 0, "0");
  host.cpu(1, 1, 0, "1");
  host.write("proc/meminfo",
             "MemTotal:        2048000 kB\nMemFree:          512000 kB\nHugepagesize:       2048 kB\n");
  host.global_pool(k2M, 5, 2);
  EXPECT_EQ(online_nodes(), IdList{0});
  EXPECT_EQ(nodes_with_memory(), IdList{0});
  const Topology topology = discover_topology();
  ASSERT_EQ(topology.nodes.size(), 1u);
  const NumaNode& node0 = topology.nodes[0];
  EXPECT_EQ(node0.id, 0);
  EXPECT_EQ(node0.cpus, (IdList{0, 1}));
  EXPECT_EQ(node0.memory_total_bytes, 2048000 * kKiB);
  EXPECT_EQ(node0.memory_free_bytes, 512000 * kKiB);
  ASSERT_EQ(node0.hugepages.size(), 1u);
  EXPECT_EQ(node0.hugepages[0].total, 5u);
  EXPECT_EQ(node0.hugepages[0].free, 2u);
}

// One entry per cache instance: the L1 and L2 each CPU pair shares are listed once, the L3 once.
TEST(FakeTopology, CachesFromSysfsAreListedOncePerInstance) {
  const FakeHost host;
  two_node_four_cpu_machine(host);
  const auto cache = [&host](int cpu, int index, int level, const char* type, const char* size,
                             const char* shared) {
    const auto directory = std::filesystem::path("sys/devices/system/cpu") / ("cpu" + std::to_string(cpu)) /
                           "cache" / ("index" + std::to_string(index));
    host.write(directory / "level", std::to_string(level) + "\n");
    host.write(directory / "type", std::string(type) + "\n");
    host.write(directory / "size", std::string(size) + "\n");
    host.write(directory / "shared_cpu_list", std::string(shared) + "\n");
  };
  for (const int cpu : {0, 1}) {
    cache(cpu, 0, 1, "Data", "48K", "0-1");
    cache(cpu, 1, 2, "Unified", "2048K", "0-1");
    cache(cpu, 2, 3, "Unified", "32M", "0-3");
  }
  const Topology topology = discover_topology();
  ASSERT_EQ(topology.caches.size(), 3u);
  EXPECT_EQ(topology.caches[0].level, 1);
  EXPECT_EQ(topology.caches[0].type, "Data");
  EXPECT_EQ(topology.caches[0].size_bytes, 48 * kKiB);
  EXPECT_EQ(topology.caches[1].size_bytes, 2 * kMiB);
  EXPECT_EQ(topology.caches[2].shared_by, (IdList{0, 1, 2, 3}));
  EXPECT_EQ(topology.last_level_cache_bytes(), 32 * kMiB);
}

// What mbind, NodeLocalBuffer and map_weight_region check first: the refusal names the nodes and
// those that have memory.
TEST(FakeTopology, MemoryNodesThatDoNotExistOrHaveNoMemoryAreRefused) {
  const FakeHost host;
  two_node_four_cpu_machine(host);
  host.nodes("0-1", "0");
  EXPECT_NO_THROW(require_memory_nodes(IdList{0}, "test"));
  const auto refusal = [](const IdList& nodes) {
    try {
      require_memory_nodes(nodes, "test");
    } catch (const TuningError& error) {
      return std::string(error.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(refusal(IdList{1}), "test: NUMA node 1 has no memory (nodes with memory: 0)");
  EXPECT_EQ(refusal(IdList{0, 2, 3}), "test: NUMA nodes 2-3 do not exist (nodes with memory: 0)");
}

}  // namespace
}  // namespace ck::tuning
