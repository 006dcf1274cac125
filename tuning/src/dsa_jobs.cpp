#include "dsa_jobs.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

namespace ck::tuning::detail {

namespace {

// Every descriptor asks for a completion record: it is the only way to learn how far a copy got.
constexpr std::uint32_t kRecordFlags = IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR;

void prepare_memmove(dsa_hw_desc& descriptor, const Piece& piece, CompletionSlot& completion) {
  std::memset(&descriptor, 0, sizeof descriptor);
  descriptor.opcode = DSA_OPCODE_MEMMOVE;
  descriptor.flags = kRecordFlags;
  descriptor.src_addr = address_of(piece.src);
  descriptor.dst_addr = address_of(piece.dst);
  descriptor.xfer_size = static_cast<std::uint32_t>(piece.bytes);
  descriptor.completion_addr = address_of(&completion.record);
  clear(completion);
}

}  // namespace

std::uint64_t address_of(const volatile void* pointer) { return reinterpret_cast<std::uintptr_t>(pointer); }

std::uint8_t raw_status(const dsa_completion_record& record) {
  return __atomic_load_n(&record.status, __ATOMIC_ACQUIRE);
}

void clear(CompletionSlot& slot) { std::memset(static_cast<void*>(&slot.record), 0, sizeof slot.record); }

// MADV_POPULATE_* faults the page in without changing its contents.
void fault_in(std::uint64_t address, bool for_write) {
  const auto page_size = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  void* page = reinterpret_cast<void*>(address & ~(page_size - 1));
  if (::madvise(page, page_size, for_write ? MADV_POPULATE_WRITE : MADV_POPULATE_READ) == 0) return;
  auto* byte = reinterpret_cast<volatile std::uint8_t*>(address);
  if (for_write) {
    *byte = *byte;  // the device stopped before this byte: nobody else writes it now
  } else {
    static_cast<void>(*byte);
  }
}

std::string hex(std::uint64_t value) {
  char text[24];
  std::snprintf(text, sizeof text, "0x%llx", static_cast<unsigned long long>(value));
  return text;
}

bool is_page_fault(std::uint8_t status) {
  return status == DSA_COMP_PAGE_FAULT_NOBOF || status == DSA_COMP_PAGE_FAULT_IR;
}

std::unique_ptr<Job> memmove_job(const Piece& piece) {
  auto job = std::make_unique<Job>();
  job->pieces = {piece};
  job->unreported_bytes = piece.bytes;
  prepare_memmove(job->descriptor(), piece, job->completion);
  return job;
}

std::unique_ptr<Job> batch_job(std::span<const Piece> pieces) {
  auto job = std::make_unique<Job>();
  job->pieces.assign(pieces.begin(), pieces.end());
  job->list = std::make_unique<DescriptorSlot[]>(pieces.size());
  job->sub_completions = std::make_unique<CompletionSlot[]>(pieces.size());
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    prepare_memmove(job->list[i].descriptor, pieces[i], job->sub_completions[i]);
    job->unreported_bytes += pieces[i].bytes;
  }
  dsa_hw_desc& batch = job->descriptor();
  batch.opcode = DSA_OPCODE_BATCH;
  batch.flags = kRecordFlags;
  batch.desc_list_addr = address_of(&job->list[0]);
  batch.desc_count = static_cast<std::uint32_t>(pieces.size());
  batch.completion_addr = address_of(&job->completion.record);
  clear(job->completion);
  return job;
}

}  // namespace ck::tuning::detail

namespace ck::tuning {

std::string dsa_status_text(std::uint8_t status) {
  switch (status & DSA_COMP_STATUS_MASK) {
    case DSA_COMP_NONE:
      return "not completed";
    case DSA_COMP_SUCCESS:
      return "success";
    case DSA_COMP_SUCCESS_PRED:
      return "success with false predicate";
    case DSA_COMP_PAGE_FAULT_NOBOF:
      return "page fault without block-on-fault";
    case DSA_COMP_PAGE_FAULT_IR:
      return "page fault (interrupt requested)";
    case DSA_COMP_BATCH_FAIL:
      return "one or more descriptors of the batch failed";
    case DSA_COMP_BATCH_PAGE_FAULT:
      return "page fault reading the batch descriptor list";
    case DSA_COMP_BAD_OPCODE:
      return "unsupported operation code";
    case DSA_COMP_INVALID_FLAGS:
      return "invalid flags";
    case DSA_COMP_NOZERO_RESERVE:
      return "reserved field not zero";
    case DSA_COMP_XFER_ERANGE:
      return "transfer size out of range";
    case DSA_COMP_DESC_CNT_ERANGE:
      return "descriptor count out of range";
    case DSA_COMP_DR_ERANGE:
      return "delta record size out of range";
    case DSA_COMP_OVERLAP_BUFFERS:
      return "overlapping buffers";
    case DSA_COMP_DESCLIST_ALIGN:
      return "descriptor list not aligned";
    case DSA_COMP_CRA_ALIGN:
      return "completion record not aligned";
    case DSA_COMP_ADDR_ALIGN:
      return "address not aligned";
    case DSA_COMP_PRIV_BAD:
      return "privilege error";
    case DSA_COMP_TRANSLATION_FAIL:
      return "address translation failed";
    case DSA_COMP_HW_ERR1:
      return "hardware error";
    default:
      return "status " + detail::hex(status & DSA_COMP_STATUS_MASK);
  }
}

}  // namespace ck::tuning
