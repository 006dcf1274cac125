#include "ckernel/tuning/dsa_portal.h"

#include <fcntl.h>
#include <immintrin.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ckernel/tuning/error.h"

namespace ck::tuning {
namespace {

constexpr std::size_t kPortalSize = 4096;

// Both instructions write the whole 64-byte descriptor atomically to the portal. The fence first makes
// the descriptor's completion record reset (and any data written for the device) visible before it.
__attribute__((target("movdir64b"))) void write_movdir64b(void* portal, const dsa_hw_desc& descriptor) {
  _mm_sfence();
  _movdir64b(portal, &descriptor);
}

// ENQCMD reports in ZF whether the shared queue took the descriptor; _enqcmd returns nonzero when not.
__attribute__((target("enqcmd"))) bool write_enqcmd(void* portal, const dsa_hw_desc& descriptor) {
  _mm_sfence();
  return _enqcmd(portal, &descriptor) == 0;
}

}  // namespace

HardwareWorkQueuePortal::HardwareWorkQueuePortal(const DsaWorkQueue& queue,
                                                 const ck::kernels::CpuFeatures& isa)
    : queue_(queue) {
  if (queue.device_path.empty()) throw TuningError("open", queue.name, "the work queue has no user device");
  if (queue.dedicated && !isa.movdir64b) {
    throw TuningError("open", queue.device_path, "a dedicated queue needs MOVDIR64B, which this CPU lacks");
  }
  if (!queue.dedicated && !isa.enqcmd) {
    throw TuningError("open", queue.device_path, "a shared queue needs ENQCMD, which this CPU lacks");
  }
  fd_ = ::open(queue.device_path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd_ < 0) throw_errno("open", queue.device_path);
  portal_ = ::mmap(nullptr, kPortalSize, PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd_, 0);
  if (portal_ == MAP_FAILED) {
    const int error = errno;
    ::close(fd_);
    throw_errno("mmap portal of", queue.device_path, error);
  }
}

HardwareWorkQueuePortal::~HardwareWorkQueuePortal() {
  ::munmap(portal_, kPortalSize);
  ::close(fd_);
}

std::string HardwareWorkQueuePortal::name() const {
  return queue_.name + " (" + (queue_.dedicated ? "dedicated" : "shared") + ", " +
         std::to_string(queue_.size) + " entries)";
}

WorkQueueLimits HardwareWorkQueuePortal::limits() const {
  return {static_cast<std::size_t>(queue_.size), queue_.max_batch_size, queue_.max_transfer_size};
}

SubmitResult HardwareWorkQueuePortal::submit(const dsa_hw_desc& descriptor) {
  if (queue_.dedicated) {
    write_movdir64b(portal_, descriptor);
    return SubmitResult::accepted;
  }
  return write_enqcmd(portal_, descriptor) ? SubmitResult::accepted : SubmitResult::retry;
}

void HardwareWorkQueuePortal::await_completion_step() { _mm_pause(); }

PortalChoice open_dsa_portal(const DsaInventory& inventory, const ck::kernels::CpuFeatures& isa) {
  PortalChoice choice;
  std::string why_not;
  for (const DsaDevice& device : inventory.devices) {
    if (!device.enabled) {
      why_not += device.name + " is disabled; ";
      continue;
    }
    if (!device.pasid_enabled) {
      why_not += device.name + " has no PASID (shared virtual addressing is off); ";
      continue;
    }
    for (const DsaWorkQueue& queue : device.work_queues) {
      if (!queue.enabled || !queue.user_type || queue.device_path.empty()) continue;
      try {
        choice.portal = std::make_unique<HardwareWorkQueuePortal>(queue, isa);
        choice.reason = "work queue " + choice.portal->name() + " on " + device.name + " (node " +
                        std::to_string(device.numa_node) + ")";
        return choice;
      } catch (const TuningError& error) {
        why_not += std::string(error.what()) + "; ";
      }
    }
    why_not += device.name + " has no usable enabled user work queue; ";
  }
  if (why_not.size() >= 2) why_not.resize(why_not.size() - 2);
  choice.reason = why_not.empty() ? "no DSA device" : why_not;
  return choice;
}

}  // namespace ck::tuning
