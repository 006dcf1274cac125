#include "tenant.h"

#include "ckernel/tuning/error.h"
#include "cgroup_home.h"
#include "errors.h"
#include "log.h"
#include "names.h"

namespace ck::daemon {
namespace {

tuning::IdList parse_list(const std::string& text, const char* what) {
  try {
    return tuning::IdList::parse(text);
  } catch (const tuning::TuningError& e) {
    throw DaemonError(error_name::kInvalidArgument,
                      std::string(what) + " '" + text + "' is not a list such as 0-3,8");
  }
}

}  // namespace

ValidatedTenant validate_tenant(const TenantRecord& request, const HostCapacity& host,
                                const std::vector<std::pair<std::string, tuning::IdList>>& taken) {
  require_valid_name(request.name, "tenant");
  ValidatedTenant tenant{request, parse_list(request.cpus, "cpus"), parse_list(request.mems, "mems")};
  if (tenant.cpus.empty())
    throw DaemonError(error_name::kInvalidArgument, "cpus is empty: give at least one CPU");
  if (const tuning::IdList missing = tenant.cpus.difference(host.cpus); !missing.empty()) {
    throw DaemonError(error_name::kCpusUnavailable,
                      "CPUs " + missing.to_string() +
                          " do not exist or are offline (online CPUs: " + host.cpus.to_string() + ")");
  }
  for (const auto& [other, cpus] : taken) {
    if (const tuning::IdList shared = tenant.cpus.intersection(cpus); !shared.empty()) {
      throw DaemonError(error_name::kCpusUnavailable,
                        "CPUs " + shared.to_string() + " belong to tenant '" + other + "'");
    }
  }
  if (tenant.nodes.empty()) tenant.nodes = host.nodes;
  if (const tuning::IdList missing = tenant.nodes.difference(host.nodes); !missing.empty()) {
    throw DaemonError(error_name::kNodesUnavailable,
                      "memory nodes " + missing.to_string() +
                          " do not exist (nodes with memory: " + host.nodes.to_string() + ")");
  }
  if (request.memory_limit_bytes > host.memory_bytes) {
    throw DaemonError(error_name::kLimitTooLarge,
                      "memory limit " + std::to_string(request.memory_limit_bytes) +
                          " bytes is above the host's " + std::to_string(host.memory_bytes) + " bytes");
  }
  tenant.record.cpus = tenant.cpus.to_string();
  tenant.record.mems = tenant.nodes.to_string();
  return tenant;
}

std::string default_cgroup_parent() {
  CgroupHome home = prepare_default_cgroup_home();
  if (!home.note.empty()) log(LogLevel::info, home.note);
  return home.tenant_parent;
}

}  // namespace ck::daemon
