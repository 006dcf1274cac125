#include "ckernel/tuning/cpu_copy_engine.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <thread>
#include <vector>

#include "ckernel/tuning/topology.h"
#include "ckernel/tuning/units.h"

namespace ck::tuning {
namespace {

// Streaming stores pay off once the destination would not stay in the last-level cache anyway. The
// clamp guards against what some hypervisors put in cpuid (hundreds of MiB of "L3"); copies of weights
// larger than 32 MiB gain nothing from caching their destination on any current CPU.
constexpr std::size_t kMinStreamingThreshold = 1 * kMiB;
constexpr std::size_t kMaxStreamingThreshold = 32 * kMiB;

std::size_t default_streaming_threshold() {
  const std::uint64_t last_level = discover_topology().last_level_cache_bytes();
  if (last_level == 0) return kMaxStreamingThreshold;
  return std::clamp(static_cast<std::size_t>(last_level), kMinStreamingThreshold, kMaxStreamingThreshold);
}

// Shared by the threads of one copy: they take chunks in order until none is left or one fails.
struct ChunkQueue {
  std::byte* dst;
  const std::byte* src;
  std::size_t bytes;
  std::size_t chunk;
  StreamingStores stores;
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> done{0};
  std::atomic<bool> stop{false};

  std::size_t chunks() const { return (bytes + chunk - 1) / chunk; }

  // Copies one chunk; false when there is none left.
  bool copy_next() {
    if (stop.load(std::memory_order_relaxed)) return false;
    const std::size_t index = next.fetch_add(1, std::memory_order_relaxed);
    if (index >= chunks()) return false;
    const std::size_t offset = index * chunk;
    const std::size_t length = std::min(chunk, bytes - offset);
    streaming_copy(dst + offset, src + offset, length, stores);
    done.fetch_add(length, std::memory_order_release);
    return true;
  }
};

}  // namespace

CpuCopyEngine::CpuCopyEngine(CpuCopyOptions options)
    : threads_(options.threads != 0 ? options.threads : static_cast<unsigned>(allowed_cpus().size())),
      stores_(options.stores.value_or(best_streaming_stores())),
      streaming_threshold_(options.streaming_threshold != 0 ? options.streaming_threshold
                                                            : default_streaming_threshold()),
      chunk_bytes_(std::max<std::size_t>(options.chunk_bytes, 64 * kKiB)) {
  threads_ = std::max(threads_, 1u);
}

std::string CpuCopyEngine::name() const {
  return "cpu: " + std::to_string(threads_) + (threads_ == 1 ? " thread, " : " threads, ") +
         std::string(to_string(stores_)) + " from " + format_bytes(streaming_threshold_);
}

void CpuCopyEngine::copy_bytes(void* dst, const void* src, std::size_t bytes, const CopyProgress& progress) {
  // Below the threshold the copy fits in the caches, where ordinary stores are faster and harmless.
  const StreamingStores stores = bytes >= streaming_threshold_ ? stores_ : StreamingStores::none;
  ChunkQueue queue{static_cast<std::byte*>(dst), static_cast<const std::byte*>(src), bytes, chunk_bytes_,
                   stores};
  const unsigned helpers = static_cast<unsigned>(std::min<std::size_t>(threads_, queue.chunks())) - 1;

  std::size_t reported = 0;
  const auto report = [&](std::size_t done) {
    if (progress && done > reported) progress(done, bytes);
    reported = std::max(reported, done);
  };
  {
    std::vector<std::jthread> workers;
    workers.reserve(helpers);
    for (unsigned i = 0; i < helpers; ++i) {
      workers.emplace_back([&queue] {
        while (queue.copy_next()) {
        }
      });
    }
    // The calling thread works too, and is the one that reports progress.
    try {
      while (queue.copy_next()) report(queue.done.load(std::memory_order_acquire));
    } catch (...) {
      queue.stop = true;
      throw;  // the jthreads finish their current chunk and are joined on the way out
    }
  }
  report(bytes);
}

}  // namespace ck::tuning
