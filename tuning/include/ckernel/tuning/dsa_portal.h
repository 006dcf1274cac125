// Where DSA descriptors go: a work queue portal. The real one is the 4 KiB page of /dev/dsa/wqX.Y
// mapped into this process, written with MOVDIR64B (dedicated queue) or ENQCMD (shared queue). Behind
// this interface a test supplies a fake portal whose "device" runs in memory, so the submission logic
// (batches, completion records, partial completions) is tested without hardware.
#pragma once

#include <linux/idxd.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "ckernel/kernels/cpu_features.h"
#include "ckernel/tuning/dsa_inventory.h"

namespace ck::tuning {

static_assert(sizeof(dsa_hw_desc) == 64, "a DSA descriptor is 64 bytes");
static_assert(sizeof(dsa_completion_record) == 32, "a DSA completion record is 32 bytes");

struct WorkQueueLimits {
  std::size_t depth = 0;                // descriptors the queue holds
  std::size_t max_batch_size = 0;       // descriptors in one batch; below 2, no batches
  std::uint64_t max_transfer_size = 0;  // bytes one descriptor may move
};

enum class SubmitResult { accepted, retry };

class WorkQueuePortal {
 public:
  virtual ~WorkQueuePortal() = default;

  virtual std::string name() const = 0;
  // A dedicated queue takes MOVDIR64B and never refuses, so the submitter must keep at most depth
  // descriptors in flight; a shared one takes ENQCMD and answers retry when it is full.
  virtual bool dedicated() const = 0;
  virtual WorkQueueLimits limits() const = 0;
  // Writes one 64-byte descriptor to the portal.
  virtual SubmitResult submit(const dsa_hw_desc& descriptor) = 0;
  // Called between polls of a completion record. The device writes records on its own, so hardware
  // only needs the CPU to pause; a fake device does its work here.
  virtual void await_completion_step() = 0;
};

// The portal of a real work queue.
class HardwareWorkQueuePortal final : public WorkQueuePortal {
 public:
  // Opens the queue's character device and maps its portal. Throws TuningError naming the device.
  HardwareWorkQueuePortal(const DsaWorkQueue& queue, const ck::kernels::CpuFeatures& isa);
  ~HardwareWorkQueuePortal() override;
  HardwareWorkQueuePortal(const HardwareWorkQueuePortal&) = delete;
  HardwareWorkQueuePortal& operator=(const HardwareWorkQueuePortal&) = delete;

  std::string name() const override;
  bool dedicated() const override { return queue_.dedicated; }
  WorkQueueLimits limits() const override;
  SubmitResult submit(const dsa_hw_desc& descriptor) override;
  void await_completion_step() override;

 private:
  DsaWorkQueue queue_;
  int fd_ = -1;
  void* portal_ = nullptr;
};

struct PortalChoice {
  std::unique_ptr<WorkQueuePortal> portal;  // empty when no queue is usable
  std::string reason;                       // which queue and why, or why none
};

// The first enabled user work queue on an enabled DSA device with shared virtual addressing (so that
// descriptors may carry this process's addresses) whose submission instruction this CPU has.
PortalChoice open_dsa_portal(const DsaInventory& inventory, const ck::kernels::CpuFeatures& isa);

}  // namespace ck::tuning
