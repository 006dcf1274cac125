// A tenant's cgroup ("ckernel/<tenant>"), made through libcgroup: its CPUs and memory nodes (cpuset),
// memory limit, CPU weight, the processes attached to it and what they use. The group is removed when
// the TenantSlice ends, after its processes are moved back where the creating process lives.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ckernel/tuning/cgroup_layout.h"
#include "ckernel/tuning/id_list.h"

namespace ck::tuning {

struct TenantSpec {
  std::string name;                // letters, digits, '_', '-', '.'; the group is <parent>/<name>
  std::string parent = "ckernel";  // one or more levels, created as needed
  IdList cpus;                     // cpuset.cpus; must be online CPUs
  IdList memory_nodes;             // cpuset.mems; must be nodes with memory
  bool exclusive_cpus = false;     // no other tenant under the same parent may use these CPUs
  std::optional<std::uint64_t> memory_limit_bytes;
  // Relative CPU share on the cgroup v2 scale, 1..10000 with 100 the default; cpu.weight on v2,
  // converted to cpu.shares (100 -> 1024) on v1.
  std::optional<unsigned> cpu_weight;
};

struct TenantUsage {
  std::uint64_t memory_bytes = 0;       // memory.usage_in_bytes (v1) / memory.current (v2)
  std::uint64_t memory_peak_bytes = 0;  // memory.max_usage_in_bytes / memory.peak; 0 if the kernel has none
  std::uint64_t cpu_time_ns = 0;        // cpuacct.usage / cpu.stat usage_usec
  std::uint64_t oom_kills = 0;          // oom_kill in memory.oom_control / memory.events
};

// The CPUs an existing tenant holds, read from its cpuset.
struct TenantCpus {
  std::string name;
  IdList cpus;
  bool exclusive = false;
};

class TenantSlice {
 public:
  // Validates the spec against the host and the other tenants under the same parent before creating
  // anything, so a refused tenant leaves no trace. Refusals are TuningErrors such as
  // "TenantSlice::create ckernel/b: CPUs 64 do not exist (online CPUs: 0-1)" or
  // "TenantSlice::create ckernel/b: CPUs 1 are exclusive to tenant 'a'".
  static TenantSlice create(const TenantSpec& spec);

  ~TenantSlice();
  TenantSlice(TenantSlice&& other) noexcept;
  TenantSlice& operator=(TenantSlice&&) = delete;
  TenantSlice(const TenantSlice&) = delete;
  TenantSlice& operator=(const TenantSlice&) = delete;

  const TenantSpec& spec() const noexcept { return spec_; }
  const std::string& group() const noexcept { return group_; }  // "ckernel/a"
  CgroupVersion version() const noexcept { return layout_.version(); }
  // The group's directory in one controller's hierarchy.
  std::filesystem::path directory(std::string_view controller) const;

  // Moves the process and all its threads into the tenant.
  void attach(pid_t pid);
  std::vector<pid_t> processes() const;
  TenantUsage usage() const;

  // Moves remaining processes back to the creating process's groups, removes the group and the parent
  // levels this slice created once they are empty. Throws on failure; the destructor does the same
  // silently.
  void remove();

 private:
  TenantSlice(TenantSpec spec, CgroupLayout layout);
  std::string value(const std::string& controller, const std::string& file) const;

  TenantSpec spec_;
  CgroupLayout layout_;
  std::string group_;
  // Every mounted tenant controller: creating a group with all of them also enables each one in the
  // parent's cgroup.subtree_control on v2.
  std::vector<std::string> controllers_;
  std::vector<std::string> hierarchies_;      // one controller per distinct mount, for moves and deletes
  std::vector<std::string> created_parents_;  // deepest first
  std::map<std::string, std::string> home_groups_;  // controller -> group of the creating process
  bool exists_ = false;
};

// The tenants under parent and their CPUs (cpuset hierarchy), for refusals and for ckd's reports.
std::vector<TenantCpus> list_tenant_cpus(const std::string& parent = "ckernel");

}  // namespace ck::tuning
