// The huge pages ckd reserves for weight copies: per copy, sized to it, never more than a cap in all,
// and given back when the copy ends (the model is unloaded). Every change is written to a ledger in the
// runtime directory, so that the pages of a ckd that was killed are given back by the next one instead of
// piling up in the kernel's pool.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "ckernel/tuning/hugepages.h"
#include "ckernel/tuning/id_list.h"

namespace ck::daemon {

class HugePageBudget {
 public:
  // cap_pages: the most pages all copies together may hold. nodes: where unbound copies spread theirs.
  HugePageBudget(std::uint64_t cap_pages, std::uint64_t page_size, tuning::IdList nodes,
                 std::filesystem::path ledger);
  ~HugePageBudget();
  HugePageBudget(const HugePageBudget&) = delete;
  HugePageBudget& operator=(const HugePageBudget&) = delete;

  // Gives back the pages a previous instance recorded in `ledger` and removes it. Returns what it did,
  // for the log (nothing when there was no ledger). Call once no hugetlbfs file holds those pages.
  static std::optional<std::string> release_previous(const std::filesystem::path& ledger,
                                                     std::uint64_t page_size);

  // Reserves the pages for `bytes` on `node` (unset: spread over the nodes). The returned owner holds
  // them; releasing it gives them back. Throws tuning::TuningError naming the cap or the short pool.
  // Thread-safe: copies are made on ckd's file thread, released on its event loop.
  std::shared_ptr<const void> reserve(std::optional<int> node, std::uint64_t bytes);

  std::uint64_t cap_pages() const noexcept { return cap_pages_; }
  std::uint64_t page_size() const noexcept { return page_size_; }
  std::uint64_t reserved_pages() const;

 private:
  class Hold;
  void release(std::vector<tuning::HugePageReservation>& reservations);
  void write_ledger() const;  // with mutex_ held

  const std::uint64_t cap_pages_;
  const std::uint64_t page_size_;
  const tuning::IdList nodes_;
  const std::filesystem::path ledger_;
  mutable std::mutex mutex_;
  std::map<int, std::uint64_t> reserved_by_node_;
};

}  // namespace ck::daemon
