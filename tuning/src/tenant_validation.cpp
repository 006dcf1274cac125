#include "tenant_validation.h"

#include <algorithm>
#include <filesystem>
#include <sstream>

#include "ckernel/tuning/error.h"
#include "ckernel/tuning/numa_policy.h"
#include "ckernel/tuning/topology.h"
#include "libcgroup_support.h"

namespace ck::tuning {
namespace detail {
namespace {

bool valid_name(std::string_view name) {
  if (name.empty() || name == "." || name == "..") return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
  });
}

std::string cpus_phrase(const IdList& cpus) {
  return (cpus.size() == 1 ? "CPU " : "CPUs ") + cpus.to_string();
}

}  // namespace

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

std::vector<std::string> parent_levels(const std::string& parent) {
  std::vector<std::string> levels;
  std::string path;
  std::istringstream parts(parent);
  std::string part;
  while (std::getline(parts, part, '/')) {
    if (!valid_name(part)) throw TuningError(kCreateTenant, parent, "invalid parent group '" + parent + "'");
    path += (path.empty() ? "" : "/") + part;
    levels.push_back(path);
  }
  if (levels.empty()) throw TuningError(kCreateTenant, parent, "the parent group must not be empty");
  return levels;
}

void validate_tenant_spec(const TenantSpec& spec, const std::string& group) {
  if (!valid_name(spec.name)) {
    throw TuningError(kCreateTenant, group, "invalid tenant name '" + spec.name + "'");
  }
  if (spec.cpu_weight && (*spec.cpu_weight < 1 || *spec.cpu_weight > 10000)) {
    throw TuningError(kCreateTenant, group,
                      "cpu weight " + std::to_string(*spec.cpu_weight) + " is outside 1..10000");
  }
  if (spec.cpus.empty()) throw TuningError(kCreateTenant, group, "no CPUs given");
  if (spec.memory_nodes.empty()) throw TuningError(kCreateTenant, group, "no memory nodes given");
  const IdList online = online_cpus();
  const IdList missing = spec.cpus.difference(online);
  if (!missing.empty()) {
    throw TuningError(kCreateTenant, group,
                      cpus_phrase(missing) + (missing.size() == 1 ? " does" : " do") +
                          " not exist (online CPUs: " + online.to_string() + ")");
  }
  try {
    require_memory_nodes(spec.memory_nodes, kCreateTenant);
  } catch (const TuningError& refusal) {
    throw TuningError(kCreateTenant, group, refusal.reason());
  }
}

void validate_against_other_tenants(const TenantSpec& spec, const std::string& group) {
  for (const TenantCpus& other : list_tenant_cpus(spec.parent)) {
    if (other.name == spec.name) continue;
    const IdList shared = spec.cpus.intersection(other.cpus);
    if (shared.empty()) continue;
    if (other.exclusive) {
      throw TuningError(kCreateTenant, group,
                        cpus_phrase(shared) + (shared.size() == 1 ? " is" : " are") +
                            " exclusive to tenant '" + other.name + "'");
    }
    if (spec.exclusive_cpus) {
      throw TuningError(kCreateTenant, group,
                        "exclusive " + cpus_phrase(shared) + (shared.size() == 1 ? " is" : " are") +
                            " already used by tenant '" + other.name + "'");
    }
  }
}

}  // namespace detail

// The tenants' CPUs are read from the kernel, not from memory of this process, so tenants made by an
// earlier ckd (or another process) count too.
std::vector<TenantCpus> list_tenant_cpus(const std::string& parent) {
  std::vector<TenantCpus> tenants;
  const std::string parent_directory = detail::cgroup_directory(parent, "cpuset");
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(parent_directory, error)) {
    if (!entry.is_directory()) continue;
    const std::string group = parent + "/" + entry.path().filename().string();
    TenantCpus tenant;
    tenant.name = entry.path().filename().string();
    tenant.cpus = IdList::parse(detail::read_cgroup_value(group, "cpuset", "cpuset.cpus"));
    if (std::filesystem::exists(entry.path() / "cpuset.cpu_exclusive")) {
      tenant.exclusive =
          detail::trimmed(detail::read_cgroup_value(group, "cpuset", "cpuset.cpu_exclusive")) == "1";
    }
    tenants.push_back(std::move(tenant));
  }
  std::sort(tenants.begin(), tenants.end(),
            [](const TenantCpus& a, const TenantCpus& b) { return a.name < b.name; });
  return tenants;
}

}  // namespace ck::tuning
