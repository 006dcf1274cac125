// The machine's physical limits that benchmark throughput is compared with: how fast N threads can read
// memory, and how many fp32 FMA and int8 dot-product operations they can issue. Short probes (about a
// second in all), written after the method of the team's tools/peak.c, except that N threads' read
// bandwidth is what they read at once (see read_bytes_per_second); noisy when other work runs.
#pragma once

#include <optional>
#include <vector>

namespace ck::bench {

struct MachineLimits {
  int threads = 0;
  double read_gbs = 0;     // 10^9 bytes/s read by `threads` threads at once, each streaming its own slice
  double fp32_gflops = 0;  // 10^9 fp32 operations/s (an FMA counts 2); 0 when not measured
  double int8_gops = 0;    // 10^9 int8 operations/s with VNNI dot products (a multiply-add counts 2)
};

// Measures with `threads` threads pinned to the first CPUs the process may use. The compute probes need
// AVX-512 (VNNI for int8) and report 0 without it.
MachineLimits measure_machine_limits(int threads);

}  // namespace ck::bench
