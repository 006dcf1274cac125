#include "ckernel/tuning/hugepages.h"

#include <algorithm>
#include <charconv>
#include <utility>

#include "ckernel/tuning/error.h"
#include "ckernel/tuning/id_list.h"
#include "ckernel/tuning/topology.h"
#include "ckernel/tuning/units.h"
#include "meminfo.h"
#include "sysfs.h"

namespace ck::tuning {
namespace {

namespace fs = std::filesystem;

fs::path global_pools_directory() { return detail::sys_path("kernel/mm/hugepages"); }
fs::path nodes_directory() { return detail::sys_path("devices/system/node"); }

std::string pool_directory_name(std::uint64_t page_size) {
  return "hugepages-" + std::to_string(page_size / kKiB) + "kB";
}

// "hugepages-2048kB" -> 2 MiB; 0 for anything else.
std::uint64_t page_size_from_directory_name(const std::string& name) {
  constexpr std::string_view prefix = "hugepages-";
  constexpr std::string_view suffix = "kB";
  if (name.size() <= prefix.size() + suffix.size() || !name.starts_with(prefix) || !name.ends_with(suffix)) {
    return 0;
  }
  std::uint64_t kib = 0;
  const char* first = name.data() + prefix.size();
  const char* last = name.data() + name.size() - suffix.size();
  const auto [end, error] = std::from_chars(first, last, kib);
  return error == std::errc() && end == last ? kib * kKiB : 0;
}

std::string sizes_text(const std::vector<std::uint64_t>& sizes) {
  std::string text;
  for (const std::uint64_t size : sizes) text += (text.empty() ? "" : ", ") + format_bytes(size);
  return text.empty() ? "none" : text;
}

HugePagePool read_pool(const fs::path& directory, std::uint64_t page_size) {
  HugePagePool pool;
  pool.page_size = page_size;
  pool.total = detail::read_u64(directory / "nr_hugepages");
  pool.free = detail::read_u64(directory / "free_hugepages");
  pool.surplus = detail::read_u64(directory / "surplus_hugepages");
  return pool;
}

// Lowers the pool in `directory` by `pages`, not below 0. Pages still mapped somewhere become surplus
// pages and are freed when their last user unmaps them.
void shrink_pool(const fs::path& directory, std::uint64_t pages) {
  const fs::path count_file = directory / "nr_hugepages";
  const std::uint64_t current = detail::read_u64(count_file);
  detail::write_text(count_file, std::to_string(current > pages ? current - pages : 0));
}

}  // namespace

std::vector<std::uint64_t> supported_hugepage_sizes() {
  std::vector<std::uint64_t> sizes;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(global_pools_directory(), error)) {
    if (const std::uint64_t size = page_size_from_directory_name(entry.path().filename().string())) {
      sizes.push_back(size);
    }
  }
  std::sort(sizes.begin(), sizes.end());
  return sizes;
}

std::uint64_t default_hugepage_size() {
  const fs::path meminfo = detail::proc_path("meminfo");
  if (const auto size = detail::meminfo_bytes(detail::read_text(meminfo), "Hugepagesize")) return *size;
  throw TuningError("read", meminfo.string(), "no Hugepagesize line: this kernel has no huge page support");
}

fs::path node_hugepage_directory(int node, std::uint64_t page_size) {
  const fs::path global_pools = global_pools_directory();
  const fs::path nodes_root = nodes_directory();
  const std::vector<std::uint64_t> sizes = supported_hugepage_sizes();
  if (std::find(sizes.begin(), sizes.end(), page_size) == sizes.end()) {
    throw TuningError(
        "hugepages", global_pools.string(),
        "page size " + format_bytes(page_size) + " is not supported (supported: " + sizes_text(sizes) + ")");
  }
  // A kernel built without NUMA has no node directories; its single pool is the global one.
  if (!fs::exists(nodes_root) && node == 0) return global_pools / pool_directory_name(page_size);
  const IdList nodes = online_nodes();
  if (!nodes.contains(node)) {
    throw TuningError(
        "hugepages", (nodes_root / ("node" + std::to_string(node))).string(),
        "NUMA node " + std::to_string(node) + " does not exist (online nodes: " + nodes.to_string() + ")");
  }
  return nodes_root / ("node" + std::to_string(node)) / "hugepages" / pool_directory_name(page_size);
}

HugePagePool node_hugepage_pool(int node, std::uint64_t page_size) {
  return read_pool(node_hugepage_directory(node, page_size), page_size);
}

std::vector<HugePagePool> node_hugepage_pools(int node) {
  std::vector<HugePagePool> pools;
  for (const std::uint64_t size : supported_hugepage_sizes()) pools.push_back(node_hugepage_pool(node, size));
  return pools;
}

HugePageReservation::HugePageReservation(int node, std::uint64_t page_size, std::uint64_t pages)
    : node_(node),
      page_size_(page_size),
      requested_(pages),
      directory_(node_hugepage_directory(node, page_size)) {
  const fs::path count_file = directory_ / "nr_hugepages";
  count_before_ = detail::read_u64(count_file);
  if (pages == 0) return;
  detail::write_text(count_file, std::to_string(count_before_ + pages));
  // The kernel accepts the write even when it could allocate fewer pages; the file tells what it got.
  const std::uint64_t count_after = detail::read_u64(count_file);
  granted_ = count_after > count_before_ ? count_after - count_before_ : 0;
}

HugePageReservation::HugePageReservation(HugePageReservation&& other) noexcept
    : node_(other.node_),
      page_size_(other.page_size_),
      requested_(other.requested_),
      count_before_(other.count_before_),
      granted_(other.granted_),
      directory_(std::move(other.directory_)),
      owned_(std::exchange(other.owned_, false)) {}

HugePageReservation::~HugePageReservation() {
  try {
    give_back();
  } catch (const TuningError&) {
    // Nothing sensible to do in a destructor; the pool keeps the pages until someone lowers it.
  }
}

void HugePageReservation::give_back() {
  if (!owned_ || granted_ == 0) {
    owned_ = false;
    return;
  }
  owned_ = false;
  // The pool this reservation grew, as it was found then (a test's fake tree may be gone by now).
  shrink_pool(directory_, granted_);
}

void shrink_hugepage_pool(int node, std::uint64_t page_size, std::uint64_t pages) {
  shrink_pool(node_hugepage_directory(node, page_size), pages);
}

std::string HugePageReservation::summary() const {
  const std::string what = " x " + format_bytes(page_size_) + " pages";
  std::string text = "node " + std::to_string(node_) + ": ";
  if (complete()) {
    return text + std::to_string(granted_) + " of " + std::to_string(requested_) + what + " granted";
  }
  return text + "only " + std::to_string(granted_) + " of " + std::to_string(requested_) + what +
         " granted (the kernel could not allocate more contiguous memory on this node)";
}

}  // namespace ck::tuning
