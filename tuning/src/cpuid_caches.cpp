#include "cpuid_caches.h"

#include <cpuid.h>

#include "ckernel/tuning/units.h"

namespace ck::tuning::detail {
namespace {

const char* cache_type_name(unsigned type) {
  switch (type) {
    case 1:
      return "Data";
    case 2:
      return "Instruction";
    case 3:
      return "Unified";
    default:
      return nullptr;
  }
}

// Intel leaf 4 and AMD leaf 0x8000001D share one layout: one sub-leaf per cache until type 0.
std::vector<CacheInfo> deterministic_caches(unsigned leaf) {
  std::vector<CacheInfo> caches;
  if (static_cast<unsigned>(__get_cpuid_max(leaf & 0x80000000u, nullptr)) < leaf) return caches;
  for (unsigned index = 0; index < 16; ++index) {
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    __cpuid_count(leaf, index, eax, ebx, ecx, edx);
    const char* type = cache_type_name(eax & 0x1f);
    if (type == nullptr) break;
    CacheInfo cache;
    cache.level = static_cast<int>((eax >> 5) & 0x7);
    cache.type = type;
    const std::uint64_t ways = ((ebx >> 22) & 0x3ff) + 1;
    const std::uint64_t partitions = ((ebx >> 12) & 0x3ff) + 1;
    const std::uint64_t line = (ebx & 0xfff) + 1;
    const std::uint64_t sets = static_cast<std::uint64_t>(ecx) + 1;
    cache.size_bytes = ways * partitions * line * sets;
    caches.push_back(cache);
  }
  return caches;
}

// AMD's older leaves: L1 in 0x80000005, L2 and L3 in 0x80000006.
std::vector<CacheInfo> amd_legacy_caches() {
  std::vector<CacheInfo> caches;
  if (static_cast<unsigned>(__get_cpuid_max(0x80000000u, nullptr)) < 0x80000006u) return caches;
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  __cpuid(0x80000005u, eax, ebx, ecx, edx);
  if ((ecx >> 24) != 0) caches.push_back({1, "Data", (ecx >> 24) * kKiB, {}});
  if ((edx >> 24) != 0) caches.push_back({1, "Instruction", (edx >> 24) * kKiB, {}});
  __cpuid(0x80000006u, eax, ebx, ecx, edx);
  if ((ecx >> 16) != 0) caches.push_back({2, "Unified", (ecx >> 16) * kKiB, {}});
  if ((edx >> 18) != 0) caches.push_back({3, "Unified", std::uint64_t{edx >> 18} * 512 * kKiB, {}});
  return caches;
}

}  // namespace

std::vector<CacheInfo> caches_from_cpuid() {
  if (auto caches = deterministic_caches(4); !caches.empty()) return caches;
  if (auto caches = deterministic_caches(0x8000001du); !caches.empty()) return caches;
  return amd_legacy_caches();
}

}  // namespace ck::tuning::detail
