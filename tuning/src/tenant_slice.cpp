#include "ckernel/tuning/tenant_slice.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <sstream>
#include <utility>

#include "ckernel/tuning/error.h"
#include "libcgroup_support.h"
#include "tenant_validation.h"

namespace ck::tuning {
namespace {

namespace fs = std::filesystem;
using detail::kCreateTenant;
using detail::trimmed;

// The group above a level, as libcgroup names the root.
std::string above(const std::string& level) {
  const auto slash = level.rfind('/');
  return slash == std::string::npos ? "/" : level.substr(0, slash);
}

// "key value" lines (memory.oom_control, memory.events, cpu.stat).
std::uint64_t keyed_value(const std::string& content, const std::string& key) {
  std::istringstream lines(content);
  std::string name;
  std::uint64_t value = 0;
  while (lines >> name >> value) {
    if (name == key) return value;
  }
  return 0;
}

bool exists_in_any(const std::string& group, const std::vector<std::string>& controllers) {
  return std::any_of(controllers.begin(), controllers.end(), [&group](const std::string& controller) {
    return fs::exists(detail::cgroup_directory(group, controller));
  });
}

bool exists_in_all(const std::string& group, const std::vector<std::string>& controllers) {
  return std::all_of(controllers.begin(), controllers.end(), [&group](const std::string& controller) {
    return fs::exists(detail::cgroup_directory(group, controller));
  });
}

bool has_children(const std::string& group, const std::vector<std::string>& controllers) {
  for (const std::string& controller : controllers) {
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(detail::cgroup_directory(group, controller), error)) {
      if (entry.is_directory()) return true;
    }
  }
  return false;
}

}  // namespace

TenantSlice::TenantSlice(TenantSpec spec, CgroupLayout layout)
    : spec_(std::move(spec)), layout_(std::move(layout)), group_(spec_.parent + "/" + spec_.name) {
  for (const ControllerMount& mount : layout_.controllers) controllers_.push_back(mount.controller);
  for (const ControllerMount& mount : layout_.distinct_hierarchies())
    hierarchies_.push_back(mount.controller);
}

TenantSlice TenantSlice::create(const TenantSpec& spec) {
  const std::string group = spec.parent + "/" + spec.name;
  detail::validate_tenant_spec(spec, group);
  const std::vector<std::string> levels = detail::parent_levels(spec.parent);
  CgroupLayout layout = detect_cgroup_layout();
  for (const char* needed : {"cpuset", "cpu", "memory"}) {
    if (layout.find(needed) == nullptr) {
      throw TuningError(
          kCreateTenant, group,
          std::string("the ") + needed + " controller is not mounted (" + layout.describe() + ")");
    }
  }
  const bool v1 = layout.version() == CgroupVersion::v1;
  if (spec.exclusive_cpus && !v1) {
    throw TuningError(kCreateTenant, group,
                      "exclusive CPUs are implemented for cgroup v1 (cpuset.cpu_exclusive) only");
  }
  TenantSlice slice(spec, std::move(layout));
  if (exists_in_any(group, slice.controllers_)) {
    throw TuningError(kCreateTenant, group,
                      "the tenant already exists (" + detail::cgroup_directory(group, "cpuset") + ")");
  }
  detail::validate_against_other_tenants(spec, group);

  for (const std::string& controller : slice.hierarchies_) {
    slice.home_groups_[controller] = detail::current_cgroup(::getpid(), controller);
  }
  slice.exists_ = true;  // from here on, a failure undoes what was made (the destructor runs remove())
  for (const std::string& level : levels) {
    // A level missing from some hierarchy (a controller mounted later, say) is completed there.
    const bool existed = exists_in_any(level, slice.controllers_);
    if (!exists_in_all(level, slice.controllers_)) detail::create_cgroup(level, slice.controllers_);
    if (!existed) slice.created_parents_.insert(slice.created_parents_.begin(), level);
    // cgroup v1 cpusets start empty and refuse tasks (and children's CPUs) until they have CPUs and
    // memory nodes: every level gets its parent's.
    if (v1 && trimmed(detail::read_cgroup_value(level, "cpuset", "cpuset.cpus")).empty()) {
      detail::write_cgroup_value(level, "cpuset", "cpuset.cpus",
                                 trimmed(detail::read_cgroup_value(above(level), "cpuset", "cpuset.cpus")));
      detail::write_cgroup_value(level, "cpuset", "cpuset.mems",
                                 trimmed(detail::read_cgroup_value(above(level), "cpuset", "cpuset.mems")));
    }
    // v1 lets a cpuset be CPU-exclusive only if its parent is.
    if (spec.exclusive_cpus &&
        trimmed(detail::read_cgroup_value(level, "cpuset", "cpuset.cpu_exclusive")) != "1") {
      try {
        detail::write_cgroup_value(level, "cpuset", "cpuset.cpu_exclusive", "1");
      } catch (const TuningError& error) {
        throw TuningError(kCreateTenant, group,
                          "cannot make parent " + level +
                              " CPU-exclusive, which exclusive tenants need on cgroup v1 "
                              "(does another group beside it use the same CPUs?): " +
                              error.what());
      }
    }
  }

  detail::create_cgroup(group, slice.controllers_);
  detail::write_cgroup_value(group, "cpuset", "cpuset.cpus", spec.cpus.to_string());
  detail::write_cgroup_value(group, "cpuset", "cpuset.mems", spec.memory_nodes.to_string());
  if (spec.exclusive_cpus) detail::write_cgroup_value(group, "cpuset", "cpuset.cpu_exclusive", "1");
  if (spec.memory_limit_bytes) {
    detail::write_cgroup_value(group, "memory", v1 ? "memory.limit_in_bytes" : "memory.max",
                               std::to_string(*spec.memory_limit_bytes));
  }
  if (spec.cpu_weight) {
    if (v1) {
      // cpu.shares: 1024 is the default share, as weight 100 is on v2; the kernel's minimum is 2.
      const unsigned shares = std::max(2u, *spec.cpu_weight * 1024u / 100u);
      detail::write_cgroup_value(group, "cpu", "cpu.shares", std::to_string(shares));
    } else {
      detail::write_cgroup_value(group, "cpu", "cpu.weight", std::to_string(*spec.cpu_weight));
    }
  }
  return slice;
}

std::string TenantSlice::value(const std::string& controller, const std::string& file) const {
  return trimmed(detail::read_cgroup_value(group_, controller, file));
}

TenantSlice::TenantSlice(TenantSlice&& other) noexcept
    : spec_(std::move(other.spec_)),
      layout_(std::move(other.layout_)),
      group_(std::move(other.group_)),
      controllers_(std::move(other.controllers_)),
      hierarchies_(std::move(other.hierarchies_)),
      created_parents_(std::move(other.created_parents_)),
      home_groups_(std::move(other.home_groups_)),
      exists_(std::exchange(other.exists_, false)) {}

TenantSlice::~TenantSlice() {
  try {
    remove();
  } catch (const TuningError&) {
    // Leftover groups are reported and removed by ckd's start-up sweep (and by the test environment).
  }
}

fs::path TenantSlice::directory(std::string_view controller) const {
  return detail::cgroup_directory(group_, std::string(controller));
}

void TenantSlice::attach(pid_t pid) {
  if (!exists_) throw TuningError("TenantSlice::attach", group_, "the tenant was removed");
  detail::move_process(pid, group_, hierarchies_);
}

std::vector<pid_t> TenantSlice::processes() const { return detail::cgroup_processes(group_, "memory"); }

TenantUsage TenantSlice::usage() const {
  TenantUsage usage;
  if (version() == CgroupVersion::v1) {
    usage.memory_bytes = std::stoull(value("memory", "memory.usage_in_bytes"));
    usage.memory_peak_bytes = std::stoull(value("memory", "memory.max_usage_in_bytes"));
    usage.oom_kills = keyed_value(value("memory", "memory.oom_control"), "oom_kill");
    if (layout_.find("cpuacct") != nullptr) {
      usage.cpu_time_ns = std::stoull(value("cpuacct", "cpuacct.usage"));
    }
    return usage;
  }
  usage.memory_bytes = std::stoull(value("memory", "memory.current"));
  if (fs::exists(directory("memory") / "memory.peak")) {
    usage.memory_peak_bytes = std::stoull(value("memory", "memory.peak"));
  }
  usage.oom_kills = keyed_value(value("memory", "memory.events"), "oom_kill");
  usage.cpu_time_ns = keyed_value(value("cpu", "cpu.stat"), "usage_usec") * 1000;
  return usage;
}

void TenantSlice::remove() {
  if (!exists_) return;
  exists_ = false;
  if (exists_in_any(group_, hierarchies_)) {
    for (const std::string& controller : hierarchies_) {
      for (const pid_t pid : detail::cgroup_processes(group_, controller)) {
        try {
          detail::move_process(pid, home_groups_.at(controller), {controller});
        } catch (const TuningError& error) {
          // A process that exited meanwhile is fine.
          if (error.error_number() != ESRCH && error.error_number() != ENOENT) throw;
        }
      }
    }
    detail::delete_cgroup(group_, hierarchies_);
  }
  for (const std::string& level : created_parents_) {
    if (exists_in_any(level, hierarchies_) && !has_children(level, hierarchies_)) {
      detail::delete_cgroup(level, hierarchies_);
    }
  }
  created_parents_.clear();
}

}  // namespace ck::tuning
