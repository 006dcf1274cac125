// A tenant: its validated settings, its cgroup slice and the models loaded in it. Validation happens
// before anything is created, so a refused tenant leaves no trace and the error names what to change.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ckernel/tuning/id_list.h"
#include "ckernel/tuning/tenant_slice.h"
#include "loaded_model.h"
#include "state_file.h"

namespace ck::daemon {

struct HostCapacity {
  tuning::IdList cpus;   // online
  tuning::IdList nodes;  // with memory
  std::uint64_t memory_bytes = 0;
};

struct ValidatedTenant {
  TenantRecord record;  // cpulists normalised ("0-1"), mems "" made explicit
  tuning::IdList cpus;
  tuning::IdList nodes;
};

// Throws DaemonError: InvalidArgument (name, malformed or empty cpulist), CpusUnavailable (missing,
// offline or held by one of `taken`), NodesUnavailable, LimitTooLarge. memory_limit_bytes 0: no limit.
ValidatedTenant validate_tenant(const TenantRecord& request, const HostCapacity& host,
                                const std::vector<std::pair<std::string, tuning::IdList>>& taken);

// A tenant of the state file is kept even when its group cannot be made (its CPUs went offline, the
// cgroup file system refused): it is then inactive, says why, and ckd tries again. Its models wait in
// `waiting` until it is active.
struct Tenant {
  TenantRecord record;
  std::optional<ValidatedTenant> settings;   // set while active
  std::optional<tuning::TenantSlice> slice;  // set while active
  std::string error;                         // why it is not active
  std::map<std::string, std::unique_ptr<LoadedModel>> models;
  std::vector<ModelRecord> waiting;

  const std::string& name() const { return record.name; }
  bool active() const { return slice.has_value(); }
};

// The parent of tenant groups: the service's own cgroup when systemd delegated one to ckd (its path in
// /proc/self/cgroup ends in ".service"), else "ckernel".
std::string default_cgroup_parent();

}  // namespace ck::daemon
