// One interface for the engines that copy model weights into place (a tenant's hugetlbfs file, a
// node-local buffer): DSA when the host has a usable work queue, the CPU otherwise.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace ck::tuning {

// Called on the thread that called copy(), as pieces finish, with non-decreasing bytes_done; the last
// call has bytes_done == bytes_total. An exception thrown here stops the copy and propagates.
using CopyProgress = std::function<void(std::size_t bytes_done, std::size_t bytes_total)>;

class CopyEngine {
 public:
  virtual ~CopyEngine() = default;

  // "cpu: 2 threads, avx512 streaming stores from 32 MiB", "dsa: wq0.0 (dedicated, 128 entries)".
  virtual std::string name() const = 0;

  // Copies bytes from src to dst. The ranges must not overlap (TuningError if they do). Measures the
  // throughput.
  void copy(void* dst, const void* src, std::size_t bytes, const CopyProgress& progress = {});

  // Decimal GB/s (10^9 bytes copied per second) of the last copy and over all copies so far.
  double last_gigabytes_per_second() const noexcept { return last_gbps_; }
  double gigabytes_per_second() const noexcept;

 protected:
  virtual void copy_bytes(void* dst, const void* src, std::size_t bytes, const CopyProgress& progress) = 0;

 private:
  double last_gbps_ = 0;
  std::uint64_t total_bytes_ = 0;
  double total_seconds_ = 0;
};

struct CopyEngineOptions {
  unsigned cpu_threads = 0;  // 0: one per CPU the calling thread may run on
  bool allow_dsa = true;
};

struct CopyEngineChoice {
  std::unique_ptr<CopyEngine> engine;
  std::string reason;  // why this engine: "no DSA (absent: ...); cpu: 2 threads, avx512 streaming stores"
};

// DSA when a device has an enabled user work queue this process can open and submit to, else the CPU.
CopyEngineChoice choose_copy_engine(const CopyEngineOptions& options = {});

}  // namespace ck::tuning
