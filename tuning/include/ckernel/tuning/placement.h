// Memory for model weights, on the best pages the host can give: a shared hugetlbfs file if possible,
// else anonymous memory advised for transparent huge pages, else normal pages. The Placement says
// which it got and why the better ones were not possible.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "ckernel/tuning/memory_mapping.h"

namespace ck::tuning {

enum class PageKind { hugetlbfs, transparent_huge_pages, normal_pages };
std::string_view to_string(PageKind kind);

struct Placement {
  PageKind kind = PageKind::normal_pages;
  std::uint64_t page_size = 0;  // what backs the region: the huge page size, or the base page size
  std::string why;              // every step tried, in order: "hugetlbfs: ...; THP: ..."
};

struct WeightRegionRequest {
  std::uint64_t bytes = 0;
  // A file to create inside a hugetlbfs mount (the first choice). Unset: skip hugetlbfs.
  std::optional<std::filesystem::path> hugetlbfs_file;
  // Bind the pages to this NUMA node, set before any page is faulted in.
  std::optional<int> node;
  // Fault every page in now, so that a shortage shows here and not at first use.
  bool populate = true;
};

struct WeightRegion {
  MemoryMapping memory;
  Placement placement;
  std::optional<std::filesystem::path> file;  // the hugetlbfs file when kind == hugetlbfs
};

// Walks the fallback chain. Throws only when even normal pages cannot be had (or the node is refused).
WeightRegion map_weight_region(const WeightRegionRequest& request);

// The system-wide THP mode: "always", "madvise" or "never" (empty when the kernel has no THP).
std::string transparent_hugepage_mode();

}  // namespace ck::tuning
