// Cache sizes from cpuid, for hosts (often VMs) whose sysfs has no /sys/devices/system/cpu/cpuN/cache.
#pragma once

#include <vector>

#include "ckernel/tuning/topology.h"

namespace ck::tuning::detail {

// The caches of the CPU this runs on. cpuid does not say which CPU ids share a cache, so shared_by is
// left empty ("unknown").
std::vector<CacheInfo> caches_from_cpuid();

}  // namespace ck::tuning::detail
