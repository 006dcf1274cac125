// A DSA work queue in memory, for testing the submission logic without hardware. Descriptors written
// to its portal page are executed by a software "device" each time the submitter polls
// (await_completion_step), which writes the completion records the hardware would write. Page faults,
// descriptor-list faults and error statuses can be injected, and the device records what it was given
// and whether the submitter broke a rule (overfilling a dedicated queue, oversized transfers).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "ckernel/tuning/dsa_portal.h"

namespace ck::tuning::testing {

class FakeDsaDevice final : public WorkQueuePortal {
 public:
  struct Config {
    bool dedicated = true;
    std::size_t depth = 8;
    std::size_t max_batch_size = 8;
    std::uint64_t max_transfer_size = std::uint64_t{1} << 20;
    bool stalled = false;  // never completes anything (a hung device)
  };

  // What the device executed, in order (a batch, then its members).
  struct Executed {
    std::uint8_t opcode = 0;
    std::uint64_t src = 0;  // memmove source, or the batch's descriptor list
    std::uint64_t dst = 0;
    std::uint32_t size = 0;  // memmove bytes, or the batch's descriptor count
    std::uint32_t flags = 0;
    bool in_batch = false;
    std::uint8_t status = 0;  // what it wrote to the completion record
  };

  explicit FakeDsaDevice(Config config);

  // The next memmove whose source (on_write false) or destination (on_write true) covers address stops
  // there, as if the page were not present. descending: the device was copying backwards (it does so
  // for overlapping buffers) and stops at address going down, having finished everything above it.
  void inject_page_fault(const void* address, bool on_write, bool descending = false);
  // The batch with this number (0 = the first received) cannot read its descriptor list from index on.
  void inject_list_fault(std::size_t batch_number, std::size_t index);
  // The memmove with this number (0 = the first executed) completes with this error status.
  void inject_status(std::size_t memmove_number, std::uint8_t status);

  const std::vector<Executed>& executed() const noexcept { return executed_; }
  std::size_t max_in_flight() const noexcept { return max_in_flight_; }
  std::size_t overflows() const noexcept { return overflows_; }
  std::size_t refusals() const noexcept { return refusals_; }
  std::size_t queued() const noexcept { return queued_slots_.size(); }

  std::string name() const override;
  bool dedicated() const override { return config_.dedicated; }
  WorkQueueLimits limits() const override;
  SubmitResult submit(const dsa_hw_desc& descriptor) override;
  void await_completion_step() override;

 private:
  struct PageFault {
    std::uint64_t address;
    bool on_write;
    bool descending;
  };

  void execute(const dsa_hw_desc& descriptor);
  std::uint8_t run_memmove(const dsa_hw_desc& descriptor, bool in_batch);
  void run_batch(const dsa_hw_desc& descriptor);
  void complete(const dsa_hw_desc& descriptor, std::uint8_t status, std::uint32_t completed,
                std::uint64_t fault_address = 0, std::uint8_t result = 0);

  Config config_;
  // Descriptors land in this page exactly as MOVDIR64B would put them into the device's portal.
  alignas(64) std::array<std::byte, 4096> portal_page_{};
  std::deque<std::size_t> queued_slots_;
  std::size_t next_slot_ = 0;
  std::vector<PageFault> page_faults_;
  std::optional<std::pair<std::size_t, std::size_t>> list_fault_;
  std::optional<std::pair<std::size_t, std::uint8_t>> injected_status_;
  std::size_t memmoves_ = 0;
  std::size_t batches_ = 0;
  std::vector<Executed> executed_;
  std::size_t max_in_flight_ = 0;
  std::size_t overflows_ = 0;
  std::size_t refusals_ = 0;
};

}  // namespace ck::tuning::testing
