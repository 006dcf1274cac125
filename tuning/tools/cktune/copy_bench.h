// cktune copy-bench: memcpy against the CPU copy engine, at 1, 2 and all allowed threads.
#pragma once

#include <cstddef>

namespace ck::tuning::cktune {

struct CopyBenchOptions {
  std::size_t mib = 1024;  // size of each of the two buffers
  int repeat = 3;          // runs per measurement; the best counts
};

// Prints one line per measurement; returns the exit status (1 when a copy differs from its source).
int copy_bench(const CopyBenchOptions& options);

}  // namespace ck::tuning::cktune
