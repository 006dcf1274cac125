// Weight copies on an Intel Data Streaming Accelerator: the copy is cut into memmove descriptors (at
// most the queue's transfer size), grouped into batch descriptors, written to a work queue portal, and
// finished by polling completion records. A partial completion (the device hit a page that was not
// present) is resumed: the page is faulted in from the CPU and the remainder resubmitted.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "ckernel/tuning/copy_engine.h"
#include "ckernel/tuning/dsa_portal.h"

namespace ck::tuning {

struct DsaCopyOptions {
  std::size_t piece_bytes = std::size_t{2} << 20;  // bytes per memmove (capped by the queue's max transfer)
  bool use_batches = true;                         // batch descriptors when the queue allows them
  // No completion record for this long means the device is stuck; the copy fails.
  std::chrono::milliseconds completion_timeout{5000};
};

struct DsaCopyStats {
  std::uint64_t memmove_descriptors = 0;     // built, one per piece and per resumed remainder
  std::uint64_t batch_descriptors = 0;       // built
  std::uint64_t submissions = 0;             // portal writes the queue accepted (resubmissions included)
  std::uint64_t retries = 0;                 // portal writes a shared queue refused
  std::uint64_t page_fault_resumptions = 0;  // partial completions resumed where the device stopped
};

class DsaCopyEngine final : public CopyEngine {
 public:
  explicit DsaCopyEngine(std::unique_ptr<WorkQueuePortal> portal, DsaCopyOptions options = {});
  ~DsaCopyEngine() override;

  std::string name() const override;
  const DsaCopyStats& stats() const noexcept { return stats_; }

 protected:
  // Throws TuningError("DSA memmove" / "DSA batch", portal, status text) when the device reports an
  // error, and on timeout; in-flight descriptors are waited for before the error propagates.
  void copy_bytes(void* dst, const void* src, std::size_t bytes, const CopyProgress& progress) override;

 private:
  class Copy;
  std::unique_ptr<WorkQueuePortal> portal_;
  DsaCopyOptions options_;
  DsaCopyStats stats_;
};

// The meaning of a completion status byte ("page fault without block-on-fault", ...).
std::string dsa_status_text(std::uint8_t status);

}  // namespace ck::tuning
