#include "ckernel/tuning/placement.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "ckernel/tuning/error.h"
#include "ckernel/tuning/hugetlbfs_mount.h"
#include "ckernel/tuning/numa_policy.h"
#include "ckernel/tuning/units.h"
#include "sysfs.h"

namespace ck::tuning {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t kThpSize = 2 * kMiB;  // x86-64 PMD size

std::uint64_t base_page_size() { return static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE)); }

std::uint64_t round_up(std::uint64_t value, std::uint64_t multiple) {
  return (value + multiple - 1) / multiple * multiple;
}

void bind_and_populate(const MemoryMapping& memory, const WeightRegionRequest& request, bool for_write) {
  if (request.node) {
    set_region_policy(memory.data(), memory.size(), MemoryPolicy::bind(IdList{*request.node}));
  }
  if (request.populate) populate(memory.data(), memory.size(), for_write);
}

std::optional<WeightRegion> try_hugetlbfs(const WeightRegionRequest& request, std::string& why) {
  if (!request.hugetlbfs_file) {
    why += "hugetlbfs: no file requested";
    return std::nullopt;
  }
  const fs::path& file = *request.hugetlbfs_file;
  const bool file_existed = fs::exists(file);
  if (!is_hugetlbfs(file.parent_path())) {
    why += "hugetlbfs: " + file.parent_path().string() + " is not a hugetlbfs mount";
    return std::nullopt;
  }
  try {
    HugePageFile mapped = HugePageFile::create(file, request.bytes);
    WeightRegion region;
    region.placement = {PageKind::hugetlbfs, mapped.page_size(), ""};
    region.file = file;
    region.memory = std::move(mapped.mapping());
    // Shared file pages: read faults allocate them without disturbing contents another process wrote.
    bind_and_populate(region.memory, request, /*for_write=*/false);
    why += "hugetlbfs: " + format_bytes(mapped.page_size()) + " pages in " + file.string();
    region.placement.why = why;
    return region;
  } catch (const TuningError& error) {
    // A hugetlbfs file we created but could not fill is useless to the next process.
    if (!file_existed) ::unlink(file.c_str());
    why += std::string("hugetlbfs: ") + error.what();
    return std::nullopt;
  }
}

// Over-maps by one huge page and trims, so the region starts on a 2 MiB boundary where THP can map it.
MemoryMapping map_aligned_anonymous(std::uint64_t bytes) {
  const std::uint64_t length = round_up(bytes, kThpSize);
  const std::uint64_t oversized = length + kThpSize;
  void* raw = ::mmap(nullptr, oversized, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) throw_errno("mmap MAP_ANONYMOUS " + format_bytes(oversized), "");
  const auto start = reinterpret_cast<std::uintptr_t>(raw);
  const std::uintptr_t aligned = round_up(start, kThpSize);
  const std::uintptr_t end = start + oversized;
  if (aligned > start) ::munmap(raw, aligned - start);
  if (end > aligned + length) ::munmap(reinterpret_cast<void*>(aligned + length), end - aligned - length);
  return MemoryMapping(reinterpret_cast<void*>(aligned), length);
}

std::optional<WeightRegion> try_transparent_huge_pages(const WeightRegionRequest& request, std::string& why) {
  const std::string mode = transparent_hugepage_mode();
  if (mode.empty() || mode == "never") {
    why +=
        "THP: disabled (/sys/kernel/mm/transparent_hugepage/enabled = " + (mode.empty() ? "absent" : mode) +
        ")";
    return std::nullopt;
  }
  WeightRegion region;
  region.memory = map_aligned_anonymous(request.bytes);
  if (::madvise(region.memory.data(), region.memory.size(), MADV_HUGEPAGE) != 0) {
    why += "THP: madvise(MADV_HUGEPAGE): " + errno_text(errno);
    return std::nullopt;
  }
  bind_and_populate(region.memory, request, /*for_write=*/true);
  if (request.populate) {
    const MappingPageStats stats = read_mapping_page_stats(::getpid(), region.memory.data());
    if (stats.anon_huge_pages == 0) {
      why +=
          "THP: madvise(MADV_HUGEPAGE) accepted but the kernel faulted in no huge page (memory fragmented?)";
      region.placement = {PageKind::normal_pages, base_page_size(), why};
      return region;
    }
    why += "THP: " + format_bytes(stats.anon_huge_pages) + " of " + format_bytes(region.memory.size()) +
           " in 2 MiB pages (mode " + mode + ")";
  } else {
    why += "THP: madvise(MADV_HUGEPAGE) accepted (mode " + mode + "), pages come at first touch";
  }
  region.placement = {PageKind::transparent_huge_pages, kThpSize, why};
  return region;
}

}  // namespace

std::string_view to_string(PageKind kind) {
  switch (kind) {
    case PageKind::hugetlbfs:
      return "hugetlbfs";
    case PageKind::transparent_huge_pages:
      return "transparent huge pages";
    case PageKind::normal_pages:
      return "normal pages";
  }
  return "unknown";
}

std::string transparent_hugepage_mode() {
  const auto text = detail::try_read_text(detail::sys_path("kernel/mm/transparent_hugepage/enabled"));
  if (!text) return "";
  // "always [madvise] never": the bracketed word is the current mode.
  const auto open = text->find('[');
  const auto close = text->find(']');
  if (open == std::string::npos || close == std::string::npos || close < open) return "";
  return text->substr(open + 1, close - open - 1);
}

WeightRegion map_weight_region(const WeightRegionRequest& request) {
  if (request.bytes == 0) throw TuningError("map_weight_region", "", "zero bytes requested");
  if (request.node) require_memory_nodes(IdList{*request.node}, "map_weight_region");
  std::string why;
  if (auto region = try_hugetlbfs(request, why)) return std::move(*region);
  why += "; ";
  if (auto region = try_transparent_huge_pages(request, why)) return std::move(*region);
  why += "; normal pages";
  WeightRegion region;
  region.memory = MemoryMapping::anonymous(round_up(request.bytes, base_page_size()));
  bind_and_populate(region.memory, request, /*for_write=*/true);
  region.placement = {PageKind::normal_pages, base_page_size(), why};
  return region;
}

}  // namespace ck::tuning
