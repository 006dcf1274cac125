#include "copy_bench.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <iomanip>
#include <iostream>
#include <vector>

#include "ckernel/tuning/copy_engine.h"
#include "ckernel/tuning/cpu_copy_engine.h"
#include "ckernel/tuning/placement.h"
#include "ckernel/tuning/topology.h"
#include "ckernel/tuning/units.h"

namespace ck::tuning::cktune {
namespace {

// The best of `repeat` runs, in decimal GB/s of bytes copied.
template <typename Copy>
double best_gbps(std::size_t bytes, int repeat, Copy&& copy) {
  double best = 0;
  for (int i = 0; i < repeat; ++i) {
    const auto start = std::chrono::steady_clock::now();
    copy();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    best = std::max(best, static_cast<double>(bytes) / seconds / 1e9);
  }
  return best;
}

}  // namespace

int copy_bench(const CopyBenchOptions& options) {
  const std::size_t bytes = options.mib * kMiB;
  const int repeat = options.repeat;
  // Huge pages where possible, faulted in before timing: the bench measures copies, not page faults.
  WeightRegionRequest request;
  request.bytes = bytes;
  WeightRegion src = map_weight_region(request);
  WeightRegion dst = map_weight_region(request);
  std::memset(src.memory.data(), 0x5a, bytes);
  std::cout << "buffers: 2 x " << format_bytes(bytes) << " on " << to_string(src.placement.kind) << "\n";
  std::cout << std::fixed << std::setprecision(2);

  const double memcpy_gbps =
      best_gbps(bytes, repeat, [&] { std::memcpy(dst.memory.data(), src.memory.data(), bytes); });
  std::cout << "memcpy, 1 thread:                " << memcpy_gbps << " GB/s\n";

  const unsigned cpus = static_cast<unsigned>(allowed_cpus().size());
  std::vector<unsigned> thread_counts{1, 2};
  if (cpus > 2) thread_counts.push_back(cpus);
  for (const unsigned threads : thread_counts) {
    for (const StreamingStores stores : {best_streaming_stores(), StreamingStores::none}) {
      CpuCopyOptions engine_options;
      engine_options.threads = threads;
      engine_options.stores = stores;
      CpuCopyEngine engine(engine_options);
      const double gbps =
          best_gbps(bytes, repeat, [&] { engine.copy(dst.memory.data(), src.memory.data(), bytes); });
      std::cout << "cpu engine, " << threads << (threads == 1 ? " thread,  " : " threads, ") << std::left
                << std::setw(24) << to_string(stores) << std::right << gbps << " GB/s\n";
    }
  }
  if (std::memcmp(dst.memory.data(), src.memory.data(), bytes) != 0) {
    std::cerr << "copy-bench: the copy differs from its source\n";
    return 1;
  }
  return 0;
}

}  // namespace ck::tuning::cktune
