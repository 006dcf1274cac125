// cktune: look at what the tuning library sees on this host and measure its copy engines.
//
//   cktune topology                  CPUs, nodes, caches, ISA, huge page pools, DSA, cgroup layout
//   cktune copy-bench [--mib N] [--repeat R]
//                                    memcpy against the CPU copy engine at 1 and 2+ threads
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iomanip>
#include <iostream>
#include <string>
#include <vector>

#include "ckernel/tuning/cgroup_layout.h"
#include "ckernel/tuning/copy_engine.h"
#include "ckernel/tuning/cpu_copy_engine.h"
#include "ckernel/tuning/error.h"
#include "ckernel/tuning/placement.h"
#include "ckernel/tuning/topology.h"
#include "ckernel/tuning/units.h"

namespace {

using namespace ckernel::tuning;

int usage() {
  std::cerr << "usage: cktune topology\n"
               "       cktune copy-bench [--mib N] [--repeat R]\n";
  return 2;
}

int show_topology() {
  std::cout << discover_topology().describe();
  try {
    std::cout << detect_cgroup_layout().describe() << "\n";
  } catch (const TuningError& error) {
    std::cout << "cgroups: " << error.what() << "\n";
  }
  const CopyEngineChoice choice = choose_copy_engine();
  std::cout << "copy engine: " << choice.reason << "\n";
  return 0;
}

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

int copy_bench(std::size_t mib, int repeat) {
  const std::size_t bytes = mib * kMiB;
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
      CpuCopyOptions options;
      options.threads = threads;
      options.stores = stores;
      CpuCopyEngine engine(options);
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

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  const std::string command = argv[1];
  try {
    if (command == "topology") return show_topology();
    if (command == "copy-bench") {
      std::size_t mib = 1024;
      int repeat = 3;
      for (int i = 2; i + 1 < argc; i += 2) {
        const std::string option = argv[i];
        if (option == "--mib") {
          mib = std::strtoull(argv[i + 1], nullptr, 10);
        } else if (option == "--repeat") {
          repeat = std::atoi(argv[i + 1]);
        } else {
          return usage();
        }
      }
      if (mib == 0 || repeat <= 0) return usage();
      return copy_bench(mib, repeat);
    }
  } catch (const TuningError& error) {
    std::cerr << "cktune: " << error.what() << "\n";
    return 1;
  }
  return usage();
}
