// The memory the DSA works from for one copy: memmove and batch descriptors, their completion records,
// and what to do with a record the device wrote. Shared by the submission loop (dsa_copy_engine.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "ckernel/tuning/dsa_portal.h"

namespace ck::tuning::detail {

// Descriptor lists must be 64-byte aligned and completion records at least 32-byte aligned; one
// cache line each also keeps the device's record writes off the lines the CPU polls for other jobs.
struct alignas(64) DescriptorSlot {
  dsa_hw_desc descriptor;
};
struct alignas(64) CompletionSlot {
  dsa_completion_record record;
};
static_assert(sizeof(DescriptorSlot) == 64, "descriptor lists are arrays of 64-byte descriptors");

struct Piece {
  std::byte* dst;
  const std::byte* src;
  std::size_t bytes;
};

// One descriptor the device is or will be working on: a memmove, or a batch of memmoves.
struct Job {
  DescriptorSlot submitted{};  // what goes to the portal
  CompletionSlot completion{};
  std::vector<Piece> pieces;
  std::unique_ptr<DescriptorSlot[]> list;             // batch only
  std::unique_ptr<CompletionSlot[]> sub_completions;  // batch only
  std::size_t list_start = 0;  // first descriptor of the list in the current submission
  std::size_t unreported_bytes = 0;

  bool batch() const { return list != nullptr; }
  dsa_hw_desc& descriptor() { return submitted.descriptor; }
  const dsa_hw_desc& descriptor() const { return submitted.descriptor; }
};

std::unique_ptr<Job> memmove_job(const Piece& piece);
// pieces.size() >= 2: a batch of one is invalid.
std::unique_ptr<Job> batch_job(std::span<const Piece> pieces);

// The status byte, read with acquire order so the rest of the record is read after it.
std::uint8_t raw_status(const dsa_completion_record& record);
void clear(CompletionSlot& slot);
bool is_page_fault(std::uint8_t status_code);

// The device stopped at a page that was not present: touching it from the CPU has the kernel map it.
void fault_in(std::uint64_t address, bool for_write);

std::uint64_t address_of(const volatile void* pointer);
std::string hex(std::uint64_t value);

}  // namespace ck::tuning::detail
