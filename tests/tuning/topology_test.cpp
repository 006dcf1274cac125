// Topology against independent sources: sysconf, /proc/cpuinfo, /proc/meminfo and /sys.
#include "ckernel/tuning/topology.h"

#include <gtest/gtest.h>
#include <numa.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "ckernel/tuning/units.h"

namespace ck::tuning {
namespace {

std::set<std::string> proc_cpuinfo_flags() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (!line.starts_with("flags")) continue;
    std::istringstream words(line.substr(line.find(':') + 1));
    std::set<std::string> flags;
    std::string flag;
    while (words >> flag) flags.insert(flag);
    return flags;
  }
  return {};
}

std::uint64_t proc_cpuinfo_cache_size() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("cache size")) return std::stoull(line.substr(line.find(':') + 1)) * kKiB;
  }
  return 0;
}

std::uint64_t meminfo_value(const std::string& key) {
  std::ifstream in("/proc/meminfo");
  std::string name;
  std::uint64_t value = 0;
  std::string rest;
  while (in >> name >> value) {
    std::getline(in, rest);
    if (name == key + ":") return value;
  }
  return 0;
}

TEST(Topology, OnlineCpusMatchSysconf) {
  const Topology topology = discover_topology();
  EXPECT_EQ(topology.online_cpus.size(), static_cast<std::size_t>(::sysconf(_SC_NPROCESSORS_ONLN)));
  ASSERT_EQ(topology.cpus.size(), topology.online_cpus.size());
  EXPECT_GE(topology.physical_cores, 1u);
  EXPECT_LE(topology.physical_cores, topology.cpus.size());
  for (const CpuInfo& cpu : topology.cpus) {
    EXPECT_TRUE(topology.online_cpus.contains(cpu.id));
    EXPECT_TRUE(cpu.smt_siblings.contains(cpu.id)) << "cpu " << cpu.id << " is its own SMT sibling";
    EXPECT_NE(topology.find_node(cpu.node), nullptr) << "cpu " << cpu.id << " on node " << cpu.node;
  }
}

TEST(Topology, NodesPartitionTheCpusAndHaveMemory) {
  const Topology topology = discover_topology();
  ASSERT_FALSE(topology.nodes.empty());
  IdList all;
  for (const NumaNode& node : topology.nodes) {
    EXPECT_TRUE(all.intersection(node.cpus).empty()) << "node " << node.id << " shares CPUs with another";
    all = all.union_with(node.cpus);
  }
  EXPECT_EQ(all, topology.online_cpus);
  const NumaNode* node0 = topology.find_node(0);
  ASSERT_NE(node0, nullptr);
  EXPECT_GT(node0->memory_total_bytes, 0u);
  EXPECT_LE(node0->memory_free_bytes, node0->memory_total_bytes);
  EXPECT_EQ(topology.find_node(7), nullptr);
}

// The topology reads each node's cpulist and meminfo itself (so that the host seam can redirect them);
// on the real host that must be what libnuma, which reads the same files, says.
TEST(Topology, NodesAgreeWithLibnuma) {
  if (numa_available() < 0) GTEST_SKIP() << "libnuma: this kernel has no NUMA support";
  const Topology topology = discover_topology();
  for (const CpuInfo& cpu : topology.cpus) {
    EXPECT_EQ(cpu.node, numa_node_of_cpu(cpu.id)) << "cpu " << cpu.id;
  }
  for (const NumaNode& node : topology.nodes) {
    // Free memory moves between two reads; the total does not.
    const long long total = numa_node_size64(node.id, nullptr);
    EXPECT_EQ(node.memory_total_bytes, static_cast<std::uint64_t>(total > 0 ? total : 0))
        << "node " << node.id;
  }
}

TEST(Topology, CachesAreDescribed) {
  const Topology topology = discover_topology();
  ASSERT_FALSE(topology.caches.empty()) << "neither sysfs nor cpuid describe a cache";
  const bool from_sysfs = std::filesystem::exists("/sys/devices/system/cpu/cpu0/cache/index0");
  for (const CacheInfo& cache : topology.caches) {
    EXPECT_GE(cache.level, 1);
    EXPECT_GT(cache.size_bytes, 0u) << "L" << cache.level << " " << cache.type;
    EXPECT_EQ(cache.shared_by.empty(), !from_sysfs) << "sharing CPUs are known exactly when sysfs has them";
  }
  EXPECT_GT(topology.last_level_cache_bytes(), 0u);
  // /proc/cpuinfo's "cache size" is one of them (the L2 on AMD, the last level on Intel).
  const std::uint64_t cpuinfo_cache = proc_cpuinfo_cache_size();
  if (cpuinfo_cache != 0) {
    bool found = false;
    for (const CacheInfo& cache : topology.caches) found = found || cache.size_bytes == cpuinfo_cache;
    EXPECT_TRUE(found) << "no cache of " << cpuinfo_cache << " bytes:\n" << topology.describe();
  }
}

TEST(Topology, CpuFeaturesAgreeWithProcCpuinfo) {
  const ck::kernels::CpuFeatures isa = ck::kernels::detect_cpu_features();
  const std::set<std::string> flags = proc_cpuinfo_flags();
  ASSERT_FALSE(flags.empty());
  const std::pair<bool, const char*> checks[] = {
      {isa.avx2, "avx2"},
      {isa.fma, "fma"},
      {isa.f16c, "f16c"},
      {isa.avx512f, "avx512f"},
      {isa.avx512bw, "avx512bw"},
      {isa.avx512dq, "avx512dq"},
      {isa.avx512vl, "avx512vl"},
      {isa.avx512_vnni, "avx512_vnni"},
      {isa.avx512_bf16, "avx512_bf16"},
      {isa.amx_tile, "amx_tile"},
      {isa.amx_int8, "amx_int8"},
      {isa.amx_bf16, "amx_bf16"},
      {isa.movdir64b, "movdir64b"},
      {isa.enqcmd, "enqcmd"},
      {isa.waitpkg, "waitpkg"},
  };
  for (const auto& [detected, name] : checks) {
    EXPECT_EQ(detected, flags.count(name) == 1) << name << " differs from /proc/cpuinfo";
  }
}

TEST(Topology, HugepagePoolsPerNodeAddUpToMeminfo) {
  const Topology topology = discover_topology();
  ASSERT_FALSE(topology.hugepage_sizes.empty()) << "no huge page support";
  const std::uint64_t default_size = default_hugepage_size();
  EXPECT_EQ(default_size, meminfo_value("Hugepagesize") * kKiB);
  std::uint64_t total = 0, free = 0;
  for (const NumaNode& node : topology.nodes) {
    ASSERT_EQ(node.hugepages.size(), topology.hugepage_sizes.size());
    for (const HugePagePool& pool : node.hugepages) {
      EXPECT_LE(pool.free, pool.total);
      if (pool.page_size == default_size) {
        total += pool.total;
        free += pool.free;
      }
    }
  }
  EXPECT_EQ(total, meminfo_value("HugePages_Total"));
  EXPECT_EQ(free, meminfo_value("HugePages_Free"));
}

TEST(Topology, AbsentDsaIsReportedCleanly) {
  if (std::filesystem::exists("/sys/bus/dsa/devices") && !std::filesystem::is_empty("/sys/bus/dsa/devices")) {
    GTEST_SKIP() << "this host has DSA devices";
  }
  const DsaInventory dsa = discover_dsa_devices();
  EXPECT_FALSE(dsa.present());
  EXPECT_TRUE(dsa.status.starts_with("absent: ")) << dsa.status;
}

TEST(Topology, DescribeNamesEveryPart) {
  const Topology topology = discover_topology();
  const std::string text = topology.describe();
  EXPECT_NE(text.find("cpus online: " + topology.online_cpus.to_string()), std::string::npos) << text;
  EXPECT_NE(text.find("numa node 0: cpus"), std::string::npos) << text;
  EXPECT_NE(text.find("hugepages 2 MiB"), std::string::npos) << text;
  EXPECT_NE(text.find("isa: "), std::string::npos) << text;
  EXPECT_NE(text.find("dsa: "), std::string::npos) << text;
}

}  // namespace
}  // namespace ck::tuning
