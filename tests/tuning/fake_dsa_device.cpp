#include "fake_dsa_device.h"

#include <cstring>

namespace ck::tuning::testing {
namespace {

constexpr std::size_t kSlots = 4096 / sizeof(dsa_hw_desc);

template <typename T>
T* at(std::uint64_t address) {
  return reinterpret_cast<T*>(static_cast<std::uintptr_t>(address));
}

}  // namespace

FakeDsaDevice::FakeDsaDevice(Config config) : config_(config) {
  if (config_.depth > kSlots) config_.depth = kSlots;
}

void FakeDsaDevice::inject_page_fault(const void* address, bool on_write, bool descending) {
  page_faults_.push_back({reinterpret_cast<std::uintptr_t>(address), on_write, descending});
}

void FakeDsaDevice::inject_list_fault(std::size_t batch_number, std::size_t index) {
  list_fault_ = {batch_number, index};
}

void FakeDsaDevice::inject_status(std::size_t memmove_number, std::uint8_t status) {
  injected_status_ = {memmove_number, status};
}

std::string FakeDsaDevice::name() const {
  return std::string("fake wq (") + (config_.dedicated ? "dedicated" : "shared") + ", " +
         std::to_string(config_.depth) + " entries)";
}

WorkQueueLimits FakeDsaDevice::limits() const {
  return {config_.depth, config_.max_batch_size, config_.max_transfer_size};
}

SubmitResult FakeDsaDevice::submit(const dsa_hw_desc& descriptor) {
  if (queued_slots_.size() >= config_.depth) {
    if (!config_.dedicated) {
      ++refusals_;  // ENQCMD's "retry"
      return SubmitResult::retry;
    }
    ++overflows_;  // real hardware would drop it; the submitter broke the dedicated queue's rule
  }
  const std::size_t slot = next_slot_++ % kSlots;
  std::memcpy(portal_page_.data() + slot * sizeof descriptor, &descriptor, sizeof descriptor);
  queued_slots_.push_back(slot);
  max_in_flight_ = std::max(max_in_flight_, queued_slots_.size());
  return SubmitResult::accepted;
}

void FakeDsaDevice::await_completion_step() {
  if (config_.stalled || queued_slots_.empty()) return;
  dsa_hw_desc descriptor;
  std::memcpy(&descriptor, portal_page_.data() + queued_slots_.front() * sizeof descriptor,
              sizeof descriptor);
  queued_slots_.pop_front();
  execute(descriptor);
}

void FakeDsaDevice::execute(const dsa_hw_desc& descriptor) {
  if (descriptor.opcode == DSA_OPCODE_BATCH) {
    run_batch(descriptor);
  } else if (descriptor.opcode == DSA_OPCODE_MEMMOVE) {
    run_memmove(descriptor, /*in_batch=*/false);
  } else {
    complete(descriptor, DSA_COMP_BAD_OPCODE, 0);
  }
}

void FakeDsaDevice::complete(const dsa_hw_desc& descriptor, std::uint8_t status, std::uint32_t completed,
                             std::uint64_t fault_address, std::uint8_t result) {
  if ((descriptor.flags & IDXD_OP_FLAG_RCR) == 0 || (descriptor.flags & IDXD_OP_FLAG_CRAV) == 0) return;
  auto* record = at<dsa_completion_record>(descriptor.completion_addr);
  record->bytes_completed = completed;
  record->fault_addr = fault_address;
  record->result = result;
  // The status byte goes last: the submitter polls it and then reads the rest.
  __atomic_store_n(&record->status, status, __ATOMIC_RELEASE);
}

std::uint8_t FakeDsaDevice::run_memmove(const dsa_hw_desc& descriptor, bool in_batch) {
  Executed entry{static_cast<std::uint8_t>(descriptor.opcode),
                 descriptor.src_addr,
                 descriptor.dst_addr,
                 descriptor.xfer_size,
                 descriptor.flags,
                 in_batch,
                 0};
  const std::size_t number = memmoves_++;
  std::uint8_t status = DSA_COMP_SUCCESS;
  if (descriptor.completion_addr % 32 != 0) {
    status = DSA_COMP_CRA_ALIGN;
  } else if (descriptor.xfer_size > config_.max_transfer_size) {
    status = DSA_COMP_XFER_ERANGE;
  } else if (injected_status_ && injected_status_->first == number) {
    status = injected_status_->second;
  }
  if (status != DSA_COMP_SUCCESS) {
    complete(descriptor, status, 0);
    entry.status = status;
    executed_.push_back(entry);
    return status;
  }

  const std::uint64_t size = descriptor.xfer_size;
  for (auto fault = page_faults_.begin(); fault != page_faults_.end(); ++fault) {
    const std::uint64_t base = fault->on_write ? descriptor.dst_addr : descriptor.src_addr;
    if (fault->address < base || fault->address >= base + size) continue;
    const std::uint64_t offset = fault->address - base;
    std::uint32_t completed;
    std::uint8_t result = 0;
    if (fault->descending) {
      // Copied from the end down to just above the fault.
      completed = static_cast<std::uint32_t>(size - offset - 1);
      std::memmove(at<std::byte>(descriptor.dst_addr + offset + 1),
                   at<std::byte>(descriptor.src_addr + offset + 1), completed);
      result = 1;
    } else {
      completed = static_cast<std::uint32_t>(offset);
      std::memmove(at<std::byte>(descriptor.dst_addr), at<std::byte>(descriptor.src_addr), completed);
    }
    status = DSA_COMP_PAGE_FAULT_NOBOF;
    complete(descriptor, status | (fault->on_write ? DSA_COMP_STATUS_WRITE : 0), completed, fault->address,
             result);
    page_faults_.erase(fault);  // the submitter faults the page in before resubmitting
    entry.status = status;
    executed_.push_back(entry);
    return status;
  }
  std::memmove(at<std::byte>(descriptor.dst_addr), at<std::byte>(descriptor.src_addr), size);
  complete(descriptor, DSA_COMP_SUCCESS, static_cast<std::uint32_t>(size));
  entry.status = DSA_COMP_SUCCESS;
  executed_.push_back(entry);
  return DSA_COMP_SUCCESS;
}

void FakeDsaDevice::run_batch(const dsa_hw_desc& descriptor) {
  const std::size_t number = batches_++;
  Executed entry{static_cast<std::uint8_t>(descriptor.opcode),
                 descriptor.desc_list_addr,
                 0,
                 descriptor.desc_count,
                 descriptor.flags,
                 false,
                 0};
  const auto record = [&](std::uint8_t status, std::uint32_t completed, std::uint64_t fault_address = 0) {
    complete(descriptor, status, completed, fault_address);
    entry.status = status;
    executed_.push_back(entry);
  };
  if (descriptor.desc_count < 2 || descriptor.desc_count > config_.max_batch_size) {
    return record(DSA_COMP_DESC_CNT_ERANGE, 0);
  }
  if (descriptor.desc_list_addr % 64 != 0) return record(DSA_COMP_DESCLIST_ALIGN, 0);
  std::size_t readable = descriptor.desc_count;
  if (list_fault_ && list_fault_->first == number) {
    readable = std::min(readable, list_fault_->second);
    list_fault_.reset();  // the submitter faults the list page in before resubmitting
  }
  // The batch's own entry comes before its members' in the log; its status is known only at the end.
  const std::size_t log_position = executed_.size();
  executed_.push_back(entry);
  bool failed = false;
  const auto* list = at<const dsa_hw_desc>(descriptor.desc_list_addr);
  for (std::size_t i = 0; i < readable; ++i) {
    failed |= run_memmove(list[i], /*in_batch=*/true) != DSA_COMP_SUCCESS;
  }
  if (readable < descriptor.desc_count) {
    executed_[log_position].status = DSA_COMP_BATCH_PAGE_FAULT;
    complete(descriptor, DSA_COMP_BATCH_PAGE_FAULT, static_cast<std::uint32_t>(readable),
             descriptor.desc_list_addr + readable * sizeof(dsa_hw_desc));
    return;
  }
  executed_[log_position].status = failed ? DSA_COMP_BATCH_FAIL : DSA_COMP_SUCCESS;
  complete(descriptor, executed_[log_position].status, static_cast<std::uint32_t>(descriptor.desc_count));
}

}  // namespace ck::tuning::testing
