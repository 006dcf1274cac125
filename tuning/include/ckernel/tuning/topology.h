// What the host is made of, as far as placing tenants and weights is concerned: CPUs, cores and SMT
// siblings, NUMA nodes with their CPUs, memory and huge page pools, caches, ISA features and DSA devices.
// Read from sysfs and procfs (under host_paths()), cpuid and libaccel-config.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ckernel/kernels/cpu_features.h"
#include "ckernel/tuning/dsa_inventory.h"
#include "ckernel/tuning/hugepages.h"
#include "ckernel/tuning/id_list.h"

namespace ck::tuning {

struct CpuInfo {
  int id = 0;
  int core_id = 0;      // unique within a package only
  int package_id = 0;   // the socket
  int node = 0;         // NUMA node
  IdList smt_siblings;  // the hardware threads of this core, this CPU included
};

struct CacheInfo {
  int level = 0;
  std::string type;  // "Data", "Instruction", "Unified"
  std::uint64_t size_bytes = 0;
  IdList shared_by;  // the CPUs sharing this cache instance; empty when unknown (sizes from cpuid)
};

struct NumaNode {
  int id = 0;
  IdList cpus;
  std::uint64_t memory_total_bytes = 0;
  std::uint64_t memory_free_bytes = 0;
  std::vector<HugePagePool> hugepages;
};

struct Topology {
  IdList online_cpus;
  std::vector<CpuInfo> cpus;  // one per online CPU, by id
  std::size_t physical_cores = 0;
  std::vector<NumaNode> nodes;
  // One entry per distinct cache instance from sysfs; when sysfs has none (some VMs), the caches of
  // one CPU from cpuid.
  std::vector<CacheInfo> caches;
  ck::kernels::CpuFeatures isa;
  std::vector<std::uint64_t> hugepage_sizes;
  DsaInventory dsa;

  IdList node_ids() const;
  const NumaNode* find_node(int id) const;
  // The size of the largest cache (the last level), 0 when sysfs does not describe caches.
  std::uint64_t last_level_cache_bytes() const;
  // A multi-line human-readable report, as printed by `cktune topology`.
  std::string describe() const;
};

Topology discover_topology();

// The cheap queries the rest of the library validates against.
IdList online_cpus();        // /sys/devices/system/cpu/online
IdList online_nodes();       // /sys/devices/system/node/online (node 0 on a kernel without NUMA)
IdList nodes_with_memory();  // /sys/devices/system/node/has_memory
IdList allowed_cpus();       // sched_getaffinity of the calling thread

}  // namespace ck::tuning
