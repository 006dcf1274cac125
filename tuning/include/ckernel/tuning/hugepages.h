// The kernel's persistent huge page pools, per NUMA node
// (/sys/devices/system/node/nodeN/hugepages/hugepages-<size>kB/), and an RAII reservation that grows a
// node's pool and gives the pages back when it ends.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace ck::tuning {

struct HugePagePool {
  std::uint64_t page_size = 0;  // bytes
  std::uint64_t total = 0;      // nr_hugepages
  std::uint64_t free = 0;       // free_hugepages
  std::uint64_t surplus = 0;    // surplus_hugepages
};

// Page sizes the kernel supports (/sys/kernel/mm/hugepages), ascending.
std::vector<std::uint64_t> supported_hugepage_sizes();

// The size hugetlbfs and MAP_HUGETLB use when none is named (Hugepagesize in /proc/meminfo).
std::uint64_t default_hugepage_size();

// The sysfs directory of one node's pool of one page size. Throws TuningError saying which nodes and
// sizes exist when the node or the size does not.
std::filesystem::path node_hugepage_directory(int node, std::uint64_t page_size);

HugePagePool node_hugepage_pool(int node, std::uint64_t page_size);

// Every page size's pool on the node (empty when the node has none).
std::vector<HugePagePool> node_hugepage_pools(int node);

// Lowers a node's pool by `pages` (not below 0): what a reservation's give-back does, and what gives back
// the pages a reservation recorded elsewhere once its owner is gone (ckd's ledger after a crash).
void shrink_hugepage_pool(int node, std::uint64_t page_size, std::uint64_t pages);

// Adds pages to a node's pool by raising its nr_hugepages, reads back what the kernel actually
// allocated (it grants fewer when memory is fragmented or short), and on destruction lowers the pool by
// the pages it added, restoring the count it found. Lowering by its own grant rather than writing back
// the old value keeps nested or overlapping reservations correct.
class HugePageReservation {
 public:
  // Throws TuningError when the node or size does not exist or the kernel refuses the write. A partial
  // grant is not an error: check complete() / shortfall_message().
  HugePageReservation(int node, std::uint64_t page_size, std::uint64_t pages);
  ~HugePageReservation();
  HugePageReservation(HugePageReservation&& other) noexcept;
  HugePageReservation& operator=(HugePageReservation&&) = delete;
  HugePageReservation(const HugePageReservation&) = delete;
  HugePageReservation& operator=(const HugePageReservation&) = delete;

  int node() const noexcept { return node_; }
  std::uint64_t page_size() const noexcept { return page_size_; }
  std::uint64_t requested() const noexcept { return requested_; }
  std::uint64_t granted() const noexcept { return granted_; }
  std::uint64_t count_before() const noexcept { return count_before_; }
  bool complete() const noexcept { return granted_ >= requested_; }
  // "node 0: 4 of 4 x 2 MiB pages granted" or "node 0: only 3 of 4 x 2 MiB pages granted ...".
  std::string summary() const;

  // Gives the pages back now; throws if the kernel refuses. The destructor does this silently.
  void give_back();

 private:
  int node_;
  std::uint64_t page_size_;
  std::uint64_t requested_;
  std::uint64_t count_before_ = 0;
  std::uint64_t granted_ = 0;
  std::filesystem::path directory_;
  bool owned_ = true;
};

}  // namespace ck::tuning
