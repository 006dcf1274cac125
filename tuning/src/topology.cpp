#include "ckernel/tuning/topology.h"

#include <sched.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include "ckernel/tuning/error.h"
#include "ckernel/tuning/units.h"
#include "cpuid_caches.h"
#include "meminfo.h"
#include "sysfs.h"

namespace ck::tuning {
namespace {

namespace fs = std::filesystem;

fs::path cpus_directory() { return detail::sys_path("devices/system/cpu"); }
fs::path nodes_directory() { return detail::sys_path("devices/system/node"); }
fs::path node_directory(int node) { return nodes_directory() / ("node" + std::to_string(node)); }

int read_int_or(const fs::path& path, int fallback) {
  const auto text = detail::try_read_text(path);
  if (!text) return fallback;
  try {
    return std::stoi(*text);
  } catch (const std::exception&) {
    return fallback;
  }
}

// sysfs cache sizes read "32K", "1024K", "32M".
std::uint64_t parse_cache_size(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  if (text.empty()) return 0;
  std::uint64_t multiplier = 1;
  switch (text.back()) {
    case 'K':
      multiplier = kKiB;
      break;
    case 'M':
      multiplier = kMiB;
      break;
    case 'G':
      multiplier = kGiB;
      break;
    default:
      break;
  }
  if (multiplier != 1) text.pop_back();
  try {
    return std::stoull(text) * multiplier;
  } catch (const std::exception&) {
    return 0;
  }
}

// The node of each CPU, from the nodes' cpulist files (libnuma's numa_node_of_cpu reads the same sets
// as cpumap). A CPU no node lists, as on a kernel without NUMA, is on node 0.
std::map<int, int> node_of_each_cpu(const IdList& nodes) {
  std::map<int, int> node_of;
  for (const int node : nodes.ids()) {
    const auto cpulist = detail::try_read_text(node_directory(node) / "cpulist");
    if (!cpulist) continue;
    const IdList cpus = IdList::parse(*cpulist);
    for (const int cpu : cpus.ids()) node_of.emplace(cpu, node);
  }
  return node_of;
}

CpuInfo read_cpu(int cpu, const std::map<int, int>& node_of) {
  const fs::path topology = cpus_directory() / ("cpu" + std::to_string(cpu)) / "topology";
  CpuInfo info;
  info.id = cpu;
  info.core_id = read_int_or(topology / "core_id", cpu);
  info.package_id = read_int_or(topology / "physical_package_id", 0);
  const auto node = node_of.find(cpu);
  info.node = node != node_of.end() ? node->second : 0;
  const auto siblings = detail::try_read_text(topology / "thread_siblings_list");
  info.smt_siblings = siblings ? IdList::parse(*siblings) : IdList{cpu};
  return info;
}

std::vector<CacheInfo> read_caches(const IdList& cpus) {
  std::vector<CacheInfo> caches;
  std::set<std::tuple<int, std::string, std::vector<int>>> seen;
  for (const int cpu : cpus.ids()) {
    const fs::path cache_dir = cpus_directory() / ("cpu" + std::to_string(cpu)) / "cache";
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(cache_dir, error)) {
      if (!entry.path().filename().string().starts_with("index")) continue;
      CacheInfo cache;
      cache.level = read_int_or(entry.path() / "level", 0);
      cache.type = detail::try_read_text(entry.path() / "type").value_or("");
      if (!cache.type.empty() && cache.type.back() == '\n') cache.type.pop_back();
      cache.size_bytes = parse_cache_size(detail::try_read_text(entry.path() / "size").value_or(""));
      const auto shared = detail::try_read_text(entry.path() / "shared_cpu_list");
      cache.shared_by = shared ? IdList::parse(*shared) : IdList{cpu};
      if (seen.insert({cache.level, cache.type, cache.shared_by.ids()}).second) caches.push_back(cache);
    }
  }
  std::sort(caches.begin(), caches.end(), [](const CacheInfo& a, const CacheInfo& b) {
    return std::tie(a.level, a.type, a.shared_by.ids()) < std::tie(b.level, b.type, b.shared_by.ids());
  });
  return caches;
}

NumaNode read_node(int id, const std::vector<CpuInfo>& cpus) {
  NumaNode node;
  node.id = id;
  std::vector<int> node_cpus;
  for (const CpuInfo& cpu : cpus) {
    if (cpu.node == id) node_cpus.push_back(cpu.id);
  }
  node.cpus = IdList(std::move(node_cpus));
  // The node's own meminfo (what libnuma's numa_node_size64 reads); a kernel without NUMA has only the
  // machine's, which is then node 0's.
  auto meminfo = detail::try_read_text(node_directory(id) / "meminfo");
  if (!meminfo && id == 0 && !fs::exists(nodes_directory()))
    meminfo = detail::try_read_text(detail::proc_path("meminfo"));
  if (meminfo) {
    node.memory_total_bytes = detail::meminfo_bytes(*meminfo, "MemTotal").value_or(0);
    node.memory_free_bytes = detail::meminfo_bytes(*meminfo, "MemFree").value_or(0);
  }
  node.hugepages = node_hugepage_pools(id);
  return node;
}

std::size_t count_physical_cores(const std::vector<CpuInfo>& cpus) {
  std::set<std::pair<int, int>> cores;
  for (const CpuInfo& cpu : cpus) cores.insert({cpu.package_id, cpu.core_id});
  return cores.size();
}

}  // namespace

IdList online_cpus() { return IdList::parse(detail::read_text(cpus_directory() / "online")); }

IdList online_nodes() {
  const auto text = detail::try_read_text(nodes_directory() / "online");
  return text ? IdList::parse(*text) : IdList{0};
}

IdList nodes_with_memory() {
  const auto text = detail::try_read_text(nodes_directory() / "has_memory");
  return text ? IdList::parse(*text) : IdList{0};
}

IdList allowed_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) throw_errno("sched_getaffinity", "self");
  std::vector<int> ids;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &set)) ids.push_back(cpu);
  }
  return IdList(std::move(ids));
}

Topology discover_topology() {
  Topology topology;
  topology.online_cpus = online_cpus();
  const IdList nodes = online_nodes();
  const std::map<int, int> node_of = node_of_each_cpu(nodes);
  for (const int cpu : topology.online_cpus.ids()) topology.cpus.push_back(read_cpu(cpu, node_of));
  topology.physical_cores = count_physical_cores(topology.cpus);
  for (const int node : nodes.ids()) topology.nodes.push_back(read_node(node, topology.cpus));
  topology.caches = read_caches(topology.online_cpus);
  if (topology.caches.empty()) topology.caches = detail::caches_from_cpuid();
  topology.isa = ck::kernels::detect_cpu_features();
  topology.hugepage_sizes = supported_hugepage_sizes();
  topology.dsa = discover_dsa_devices();
  return topology;
}

IdList Topology::node_ids() const {
  std::vector<int> ids;
  for (const NumaNode& node : nodes) ids.push_back(node.id);
  return IdList(std::move(ids));
}

const NumaNode* Topology::find_node(int id) const {
  for (const NumaNode& node : nodes) {
    if (node.id == id) return &node;
  }
  return nullptr;
}

std::uint64_t Topology::last_level_cache_bytes() const {
  const CacheInfo* last = nullptr;
  for (const CacheInfo& cache : caches) {
    if (cache.type == "Instruction") continue;
    if (last == nullptr || cache.level > last->level) last = &cache;
  }
  return last != nullptr ? last->size_bytes : 0;
}

std::string Topology::describe() const {
  std::ostringstream out;
  out << "cpus online: " << online_cpus.to_string() << " (" << cpus.size() << " threads, " << physical_cores
      << " cores)\n";
  for (const CpuInfo& cpu : cpus) {
    out << "  cpu " << cpu.id << ": package " << cpu.package_id << " core " << cpu.core_id << " node "
        << cpu.node << " smt siblings " << cpu.smt_siblings.to_string() << "\n";
  }
  for (const NumaNode& node : nodes) {
    out << "numa node " << node.id << ": cpus " << node.cpus.to_string() << ", memory "
        << node.memory_total_bytes / kMiB << " MiB (" << node.memory_free_bytes / kMiB << " MiB free)\n";
    for (const HugePagePool& pool : node.hugepages) {
      out << "  hugepages " << format_bytes(pool.page_size) << ": total " << pool.total << ", free "
          << pool.free << ", surplus " << pool.surplus << "\n";
    }
  }
  for (const CacheInfo& cache : caches) {
    out << "cache L" << cache.level << " " << cache.type << " " << format_bytes(cache.size_bytes)
        << (cache.shared_by.empty() ? " (from cpuid; sharing CPUs unknown)"
                                    : " shared by cpus " + cache.shared_by.to_string())
        << "\n";
  }
  out << "isa: " << isa.to_string() << "\n";
  out << "dsa: " << dsa.status << "\n";
  for (const DsaDevice& device : dsa.devices) {
    out << "  " << device.name << " node " << device.numa_node << (device.enabled ? " enabled" : " disabled")
        << (device.pasid_enabled ? ", shared virtual addressing" : ", no PASID") << "\n";
    for (const DsaWorkQueue& wq : device.work_queues) {
      out << "    " << wq.name << (wq.dedicated ? " dedicated" : " shared")
          << (wq.enabled ? " enabled" : " disabled") << (wq.user_type ? " user" : "") << " size " << wq.size
          << (wq.device_path.empty() ? "" : " " + wq.device_path) << "\n";
    }
  }
  return out.str();
}

}  // namespace ck::tuning
