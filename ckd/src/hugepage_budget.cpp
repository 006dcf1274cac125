#include "hugepage_budget.h"

#include <fstream>
#include <sstream>
#include <vector>

#include "ckernel/tuning/atomic_file.h"
#include "ckernel/tuning/error.h"
#include "ckernel/tuning/hugepages.h"
#include "ckernel/tuning/units.h"

namespace ck::daemon {

namespace fs = std::filesystem;

// The reservations of one copy; gives them back (through the budget, under its lock) when the copy ends.
class HugePageBudget::Hold {
 public:
  Hold(HugePageBudget& budget, std::vector<tuning::HugePageReservation> reservations)
      : budget_(budget), reservations_(std::move(reservations)) {}
  ~Hold() { budget_.release(reservations_); }
  Hold(const Hold&) = delete;
  Hold& operator=(const Hold&) = delete;

 private:
  HugePageBudget& budget_;
  std::vector<tuning::HugePageReservation> reservations_;
};

HugePageBudget::HugePageBudget(std::uint64_t cap_pages, std::uint64_t page_size, tuning::IdList nodes,
                               fs::path ledger)
    : cap_pages_(cap_pages), page_size_(page_size), nodes_(std::move(nodes)), ledger_(std::move(ledger)) {
  const std::lock_guard lock(mutex_);
  write_ledger();
}

HugePageBudget::~HugePageBudget() {
  // Every hold is gone by now (the copies die with the models, before the host): nothing is owed.
  std::error_code ignored;
  fs::remove(ledger_, ignored);
}

std::optional<std::string> HugePageBudget::release_previous(const fs::path& ledger, std::uint64_t page_size) {
  std::ifstream in(ledger);
  if (!in) return std::nullopt;
  std::ostringstream report;
  int node = 0;
  std::uint64_t pages = 0;
  while (in >> node >> pages) {
    if (pages == 0) continue;
    try {
      tuning::shrink_hugepage_pool(node, page_size, pages);
      report << (report.tellp() > 0 ? ", " : "") << pages << " on node " << node;
    } catch (const tuning::TuningError& e) {
      report << (report.tellp() > 0 ? ", " : "") << "node " << node << ": " << e.what();
    }
  }
  std::error_code ignored;
  fs::remove(ledger, ignored);
  const std::string text = report.str();
  if (text.empty()) return std::nullopt;
  return "gave back the huge pages a previous ckd left reserved (" + text + ")";
}

std::shared_ptr<const void> HugePageBudget::reserve(std::optional<int> node, std::uint64_t bytes) {
  const std::uint64_t wanted = (bytes + page_size_ - 1) / page_size_;
  const std::lock_guard lock(mutex_);
  std::uint64_t held = 0;
  for (const auto& [id, pages] : reserved_by_node_) held += pages;
  if (held + wanted > cap_pages_) {
    throw tuning::TuningError("hugepages", ledger_.parent_path().string(),
                              "the copy needs " + std::to_string(wanted) + " pages of " +
                                  tuning::format_bytes(page_size_) + " and " + std::to_string(held) +
                                  " are in use, but ckd may reserve at most " + std::to_string(cap_pages_) +
                                  " (the hugepages setting)");
  }
  std::vector<int> targets = node ? std::vector<int>{*node} : nodes_.ids();
  if (targets.empty()) targets.push_back(0);
  std::vector<tuning::HugePageReservation> reservations;
  try {
    for (std::size_t i = 0; i < targets.size(); ++i) {
      const std::uint64_t share = wanted / targets.size() + (i < wanted % targets.size() ? 1 : 0);
      if (share == 0) continue;
      tuning::HugePageReservation& reservation = reservations.emplace_back(targets[i], page_size_, share);
      reserved_by_node_[reservation.node()] += reservation.granted();
      write_ledger();  // at once: the pages are in the pool now, whatever happens next
      if (!reservation.complete())
        throw tuning::TuningError("hugepages", "node " + std::to_string(targets[i]), reservation.summary());
    }
  } catch (...) {
    for (tuning::HugePageReservation& made : reservations) {
      reserved_by_node_[made.node()] -= made.granted();
      try {
        made.give_back();
      } catch (const tuning::TuningError&) {
        // Reported by the refusal below; the pool keeps them.
      }
    }
    write_ledger();
    throw;
  }
  return std::make_shared<const Hold>(*this, std::move(reservations));
}

std::uint64_t HugePageBudget::reserved_pages() const {
  const std::lock_guard lock(mutex_);
  std::uint64_t held = 0;
  for (const auto& [id, pages] : reserved_by_node_) held += pages;
  return held;
}

void HugePageBudget::release(std::vector<tuning::HugePageReservation>& reservations) {
  // Under the lock: a give-back and a reservation both read and rewrite nr_hugepages, and interleaved
  // they would lose one of the two changes. The ledger is rewritten first: a kill between the two leaks
  // these pages rather than let the next ckd lower the pool by pages that are no longer ckd's.
  const std::lock_guard lock(mutex_);
  for (const tuning::HugePageReservation& reservation : reservations)
    reserved_by_node_[reservation.node()] -= reservation.granted();
  write_ledger();
  for (tuning::HugePageReservation& reservation : reservations) {
    try {
      reservation.give_back();
    } catch (const tuning::TuningError&) {
      // The pool keeps them; the ledger no longer claims them, so nothing else would lower it either.
    }
  }
}

void HugePageBudget::write_ledger() const {
  std::ostringstream text;
  for (const auto& [node, pages] : reserved_by_node_) {
    if (pages > 0) text << node << ' ' << pages << '\n';
  }
  try {
    tuning::write_file_atomically(ledger_, text.str());
  } catch (const std::exception&) {
    // The runtime directory is gone or full: the pages are still accounted here, and given back here.
  }
}

}  // namespace ck::daemon
