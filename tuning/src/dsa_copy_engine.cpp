#include "ckernel/tuning/dsa_copy_engine.h"

#include <algorithm>
#include <deque>
#include <limits>
#include <span>
#include <vector>

#include "ckernel/tuning/error.h"
#include "dsa_jobs.h"

namespace ck::tuning {

using detail::Job;
using detail::Piece;
using detail::raw_status;

// The state of one copy() call: the jobs waiting to be submitted, those in flight, the bytes done.
class DsaCopyEngine::Copy {
 public:
  Copy(DsaCopyEngine& engine, std::size_t total, const CopyProgress& progress)
      : engine_(engine),
        portal_(*engine.portal_),
        limits_(portal_.limits()),
        total_(total),
        progress_(progress) {
    if (limits_.depth == 0 || limits_.max_transfer_size == 0) {
      throw TuningError("DSA", portal_.name(), "the work queue reports no depth or no transfer size");
    }
  }

  void run(std::byte* dst, const std::byte* src) {
    queue_pieces(dst, src);
    try {
      while (!waiting_.empty() || !in_flight_.empty()) {
        while (!waiting_.empty() && in_flight_.size() < limits_.depth) {
          submit(*waiting_.front());
          in_flight_.push_back(std::move(waiting_.front()));
          waiting_.pop_front();
        }
        // The job stays in flight until its record is written: if the device never writes it,
        // settle_in_flight() must not free memory the device may still write to.
        await(*in_flight_.front());
        std::unique_ptr<Job> job = std::move(in_flight_.front());
        in_flight_.pop_front();
        if (finish(*job)) {
          submit(*job);
          in_flight_.push_back(std::move(job));
        }
      }
    } catch (...) {
      settle_in_flight();
      throw;
    }
  }

 private:
  void queue_pieces(std::byte* dst, const std::byte* src) {
    const std::size_t piece_bytes = static_cast<std::size_t>(
        std::min<std::uint64_t>({engine_.options_.piece_bytes, limits_.max_transfer_size,
                                 std::numeric_limits<std::uint32_t>::max()}));
    std::vector<Piece> pieces;
    for (std::size_t offset = 0; offset < total_; offset += piece_bytes) {
      pieces.push_back({dst + offset, src + offset, std::min(piece_bytes, total_ - offset)});
    }
    const std::size_t per_batch = engine_.options_.use_batches ? limits_.max_batch_size : 0;
    for (std::size_t i = 0; i < pieces.size();) {
      // A batch must hold at least two descriptors.
      const std::size_t count = per_batch >= 2 ? std::min(per_batch, pieces.size() - i) : 1;
      if (count >= 2) {
        waiting_.push_back(detail::batch_job(std::span(pieces).subspan(i, count)));
        engine_.stats_.batch_descriptors += 1;
      } else {
        waiting_.push_back(detail::memmove_job(pieces[i]));
      }
      engine_.stats_.memmove_descriptors += count;
      i += count;
    }
  }

  void submit(const Job& job) {
    const auto deadline = std::chrono::steady_clock::now() + engine_.options_.completion_timeout;
    while (portal_.submit(job.descriptor()) == SubmitResult::retry) {
      // A full shared queue: let the device make room, as ENQCMD asks.
      ++engine_.stats_.retries;
      portal_.await_completion_step();
      if (std::chrono::steady_clock::now() > deadline) {
        throw TuningError("ENQCMD", portal_.name(),
                          "the shared work queue stayed full for " +
                              std::to_string(engine_.options_.completion_timeout.count()) + " ms");
      }
    }
    ++engine_.stats_.submissions;
  }

  void await(const Job& job) {
    const auto deadline = std::chrono::steady_clock::now() + engine_.options_.completion_timeout;
    for (std::uint64_t polls = 1; raw_status(job.completion.record) == 0; ++polls) {
      portal_.await_completion_step();
      if (polls % 1024 == 0 && std::chrono::steady_clock::now() > deadline) {
        throw TuningError(job.batch() ? "DSA batch" : "DSA memmove", portal_.name(),
                          "no completion record after " +
                              std::to_string(engine_.options_.completion_timeout.count()) + " ms");
      }
    }
  }

  // Accounts for a completed job; true when the job was adjusted to resume and must be resubmitted.
  bool finish(Job& job) { return job.batch() ? finish_batch(job) : finish_memmove(job); }

  bool finish_memmove(Job& job) {
    const dsa_completion_record& record = job.completion.record;
    const std::uint8_t status = raw_status(record);
    const std::uint8_t code = status & DSA_COMP_STATUS_MASK;
    if (code == DSA_COMP_SUCCESS) {
      report(job.unreported_bytes);
      job.unreported_bytes = 0;
      return false;
    }
    if (!detail::is_page_fault(code)) throw failure("DSA memmove", job.descriptor(), record);
    const std::uint32_t completed = resume_memmove(job.descriptor(), record, status);
    report(completed);
    job.unreported_bytes -= completed;
    detail::clear(job.completion);
    return true;
  }

  // Cuts the bytes the device finished off a faulted memmove and faults the missing page in. The
  // device copies backwards when the buffers overlap that way (result bit 0): then the finished bytes
  // are at the end and only the size shrinks.
  std::uint32_t resume_memmove(dsa_hw_desc& descriptor, const dsa_completion_record& record,
                               std::uint8_t status) {
    const std::uint32_t completed = record.bytes_completed;
    if (completed >= descriptor.xfer_size) throw failure("DSA memmove", descriptor, record);
    if ((record.result & 1) == 0) {
      descriptor.src_addr += completed;
      descriptor.dst_addr += completed;
    }
    descriptor.xfer_size -= completed;
    detail::fault_in(record.fault_addr, (status & DSA_COMP_STATUS_WRITE) != 0);
    ++engine_.stats_.page_fault_resumptions;
    return completed;
  }

  bool finish_batch(Job& job) {
    const dsa_completion_record& record = job.completion.record;
    const std::uint8_t code = raw_status(record) & DSA_COMP_STATUS_MASK;
    const std::size_t submitted = job.pieces.size() - job.list_start;
    if (code == DSA_COMP_SUCCESS) {
      report(job.unreported_bytes);
      job.unreported_bytes = 0;
      return false;
    }
    if (code != DSA_COMP_BATCH_FAIL && code != DSA_COMP_BATCH_PAGE_FAULT) {
      throw failure("DSA batch", job.descriptor(), record);
    }
    // For a list fault the record counts the descriptors read before it; a failed batch read them all.
    const std::size_t processed = code == DSA_COMP_BATCH_PAGE_FAULT
                                      ? std::min<std::size_t>(record.bytes_completed, submitted)
                                      : submitted;
    std::vector<std::unique_ptr<Job>> follow_ups;
    for (std::size_t i = job.list_start; i < job.list_start + processed; ++i) {
      settle_batch_member(job, i, follow_ups);
    }
    // Resumed remainders go first, so the copy finishes in order and their pages are still warm.
    for (auto it = follow_ups.rbegin(); it != follow_ups.rend(); ++it) waiting_.push_front(std::move(*it));
    if (code == DSA_COMP_BATCH_FAIL) return false;

    // The device could not read the rest of the list: fault that page in and submit the rest.
    detail::fault_in(record.fault_addr, /*for_write=*/false);
    ++engine_.stats_.page_fault_resumptions;
    job.list_start += processed;
    const std::size_t left = job.pieces.size() - job.list_start;
    if (left == 0) return false;
    if (left == 1) {
      // One descriptor is not a valid batch: it goes on its own, with its own record.
      waiting_.push_front(detail::memmove_job(job.pieces[job.list_start]));
      ++engine_.stats_.memmove_descriptors;
      job.unreported_bytes -= job.pieces[job.list_start].bytes;
      return false;
    }
    job.descriptor().desc_list_addr = detail::address_of(&job.list[job.list_start]);
    job.descriptor().desc_count = static_cast<std::uint32_t>(left);
    detail::clear(job.completion);
    return true;
  }

  // One memmove of a batch that did not succeed as a whole: done, partially done (its remainder
  // becomes a new memmove), or never run.
  void settle_batch_member(Job& job, std::size_t index, std::vector<std::unique_ptr<Job>>& follow_ups) {
    const dsa_completion_record& record = job.sub_completions[index].record;
    const std::uint8_t status = raw_status(record);
    const std::uint8_t code = status & DSA_COMP_STATUS_MASK;
    const Piece& piece = job.pieces[index];
    if (code == DSA_COMP_SUCCESS) {
      report(piece.bytes);
      job.unreported_bytes -= piece.bytes;
      return;
    }
    if (code == DSA_COMP_NONE) {
      follow_ups.push_back(detail::memmove_job(piece));
      ++engine_.stats_.memmove_descriptors;
      job.unreported_bytes -= piece.bytes;
      return;
    }
    if (!detail::is_page_fault(code)) {
      throw failure("DSA memmove (in a batch)", job.list[index].descriptor, record);
    }
    auto remainder = detail::memmove_job(piece);
    const std::uint32_t completed = resume_memmove(remainder->descriptor(), record, status);
    remainder->unreported_bytes = piece.bytes - completed;
    report(completed);
    job.unreported_bytes -= piece.bytes;
    follow_ups.push_back(std::move(remainder));
    ++engine_.stats_.memmove_descriptors;
  }

  TuningError failure(const std::string& what, const dsa_hw_desc& descriptor,
                      const dsa_completion_record& record) {
    const std::uint8_t status = raw_status(record);
    std::string reason = "completion status " + detail::hex(status & DSA_COMP_STATUS_MASK) + " (" +
                         dsa_status_text(status) + ")";
    if (descriptor.opcode == DSA_OPCODE_MEMMOVE) {
      reason += " after " + std::to_string(record.bytes_completed) + " of " +
                std::to_string(descriptor.xfer_size) + " bytes from " + detail::hex(descriptor.src_addr) +
                " to " + detail::hex(descriptor.dst_addr);
    } else {
      reason += " after " + std::to_string(record.bytes_completed) + " of " +
                std::to_string(descriptor.desc_count) + " descriptors";
    }
    if (record.fault_addr != 0) reason += ", fault address " + detail::hex(record.fault_addr);
    return TuningError(what, portal_.name(), reason);
  }

  void report(std::size_t bytes) {
    if (bytes == 0) return;
    done_ += bytes;
    if (progress_) progress_(done_, total_);
  }

  // Before an error leaves copy(), the device must be done with every record and list it was given;
  // if it does not finish in time, the jobs are leaked on purpose rather than freed under it.
  void settle_in_flight() noexcept {
    while (!in_flight_.empty()) {
      std::unique_ptr<Job> job = std::move(in_flight_.front());
      in_flight_.pop_front();
      try {
        await(*job);
      } catch (...) {
        static_cast<void>(job.release());
        for (auto& other : in_flight_) static_cast<void>(other.release());
        in_flight_.clear();
        return;
      }
    }
  }

  DsaCopyEngine& engine_;
  WorkQueuePortal& portal_;
  const WorkQueueLimits limits_;
  const std::size_t total_;
  const CopyProgress& progress_;
  std::deque<std::unique_ptr<Job>> waiting_;
  std::deque<std::unique_ptr<Job>> in_flight_;
  std::size_t done_ = 0;
};

DsaCopyEngine::DsaCopyEngine(std::unique_ptr<WorkQueuePortal> portal, DsaCopyOptions options)
    : portal_(std::move(portal)), options_(options) {
  if (!portal_) throw TuningError("DsaCopyEngine", "", "no work queue portal");
}

DsaCopyEngine::~DsaCopyEngine() = default;

std::string DsaCopyEngine::name() const { return "dsa: " + portal_->name(); }

void DsaCopyEngine::copy_bytes(void* dst, const void* src, std::size_t bytes, const CopyProgress& progress) {
  Copy copy(*this, bytes, progress);
  copy.run(static_cast<std::byte*>(dst), static_cast<const std::byte*>(src));
}

}  // namespace ck::tuning
