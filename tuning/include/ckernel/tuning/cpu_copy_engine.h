// The CPU copy engine: several threads over the CPUs the caller may use, each copying chunks with
// non-temporal (streaming) stores when the copy is larger than the caches, so that gigabytes of weights
// do not evict the working set of the tenants running beside the copy.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "ckernel/tuning/copy_engine.h"

namespace ck::tuning {

enum class StreamingStores { none, avx2, avx512 };
std::string_view to_string(StreamingStores stores);

// The widest streaming stores this CPU and kernel support (cpuid + XCR0).
StreamingStores best_streaming_stores();

struct CpuCopyOptions {
  unsigned threads = 0;                   // 0: one per CPU the calling thread may run on
  std::optional<StreamingStores> stores;  // default: best_streaming_stores()
  // Copies at least this large bypass the caches; smaller ones use memcpy. 0: the last-level cache size,
  // clamped to 1..32 MiB (some hypervisors report hundreds of MiB of L3 in cpuid).
  std::size_t streaming_threshold = 0;
  std::size_t chunk_bytes = std::size_t{8} << 20;  // the unit of work sharing and of progress reports
};

class CpuCopyEngine final : public CopyEngine {
 public:
  explicit CpuCopyEngine(CpuCopyOptions options = {});
  std::string name() const override;
  unsigned threads() const noexcept { return threads_; }
  StreamingStores stores() const noexcept { return stores_; }
  std::size_t streaming_threshold() const noexcept { return streaming_threshold_; }

 protected:
  void copy_bytes(void* dst, const void* src, std::size_t bytes, const CopyProgress& progress) override;

 private:
  unsigned threads_;
  StreamingStores stores_;
  std::size_t streaming_threshold_;
  std::size_t chunk_bytes_;
};

// One thread's copy of one range: memcpy for the unaligned head and the tail, streaming stores for the
// 64-byte-aligned middle (stores == none: memcpy throughout). Ends with a store fence, so the data is
// visible to other threads once this returns.
void streaming_copy(void* dst, const void* src, std::size_t bytes, StreamingStores stores);

}  // namespace ck::tuning
