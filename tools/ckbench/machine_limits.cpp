#include "machine_limits.h"

#include <immintrin.h>
#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <barrier>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <thread>

#include "ckernel/kernels/cpu_features.h"

namespace ck::bench {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Iterations of the compute probes: 16 independent chains keep both FMA pipes busy; ~30 ms per probe.
constexpr long kComputeIterations = 20'000'000;
constexpr int kChains = 16;

// GCC 12's avx512fintrin.h implements the broadcasts and reductions with _mm512_undefined_*(), which reads
// a variable it never set, and then warns about its own header where the intrinsics are inlined.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

__attribute__((target("avx512f"))) double fp32_fma_ops_per_second() {
  __m512 acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = _mm512_set1_ps(static_cast<float>(i));
  const __m512 b = _mm512_set1_ps(1.0000001f), c = _mm512_set1_ps(1e-7f);
  const auto start = Clock::now();
  for (long k = 0; k < kComputeIterations; ++k)
#pragma GCC unroll 16  // fully unrolled, the chains live in registers
    for (int i = 0; i < kChains; ++i) acc[i] = _mm512_fmadd_ps(acc[i], b, c);
  const double elapsed = seconds_since(start);
  __m512 sum = _mm512_setzero_ps();
  for (const __m512& a : acc) sum = _mm512_add_ps(sum, a);
  volatile float sink = _mm512_reduce_add_ps(sum);  // keeps the chains alive
  (void)sink;
  return static_cast<double>(kComputeIterations) * kChains * 16 * 2 / elapsed;
}

__attribute__((target("avx512f,avx512vnni"))) double int8_dot_ops_per_second() {
  __m512i acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = _mm512_set1_epi32(i);
  const __m512i a = _mm512_set1_epi8(3), b = _mm512_set1_epi8(5);
  const auto start = Clock::now();
  for (long k = 0; k < kComputeIterations; ++k)
#pragma GCC unroll 16
    for (int i = 0; i < kChains; ++i) acc[i] = _mm512_dpbusd_epi32(acc[i], a, b);
  const double elapsed = seconds_since(start);
  __m512i sum = _mm512_setzero_si512();
  for (const __m512i& x : acc) sum = _mm512_add_epi32(sum, x);
  volatile int sink = _mm512_reduce_add_epi32(sum);
  (void)sink;
  return static_cast<double>(kComputeIterations) * kChains * 64 * 2 / elapsed;
}

#pragma GCC diagnostic pop

// Sums the 64-bit words (the compiler vectorizes the loads).
void read_words(const uint64_t* words, size_t count) {
  uint64_t sums[8] = {};
  for (size_t i = 0; i < count; i += 8)
#pragma GCC unroll 8
    for (int j = 0; j < 8; ++j) sums[j] += words[i + j];
  volatile uint64_t sink = sums[0] ^ sums[7];
  (void)sink;
}

std::vector<int> allowed_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::vector<int> cpus;
  if (sched_getaffinity(0, sizeof set, &set) == 0)
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
      if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
  return cpus;
}

// Runs fn(thread index) on `threads` threads pinned one per allowed CPU (round robin).
void on_pinned_threads(int threads, const std::function<void(int)>& fn) {
  const std::vector<int> cpus = allowed_cpus();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([&, t] {
      if (!cpus.empty()) {
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(cpus[static_cast<size_t>(t) % cpus.size()], &one);
        pthread_setaffinity_np(pthread_self(), sizeof one, &one);
      }
      fn(t);
    });
  for (std::thread& w : workers) w.join();
}

// The sum of probe(thread index) over the threads: for the compute probes, which share nothing.
double sum_over_threads(int threads, const std::function<double(int)>& probe) {
  std::vector<double> results(static_cast<size_t>(threads));
  on_pinned_threads(threads, [&](int t) { results[static_cast<size_t>(t)] = probe(t); });
  double total = 0;
  for (double r : results) total += r;
  return total;
}

// The threads read their slices of the buffer at the same time, each pass starting at a barrier, and a
// pass's rate is all the bytes over the time from the first thread's start to the last one's finish; the
// best of three passes. (A sum of each thread's own best rate, as tools/peak.c reports, counts bandwidth
// one thread had while another was not reading: on the Zen 4 VM it gave 45-51 GB/s at 2 threads where two
// processes streaming at once got 30-32 between them.)
double read_bytes_per_second(int threads, const uint64_t* buffer, size_t words_per_thread) {
  constexpr int kPasses = 3;
  const size_t n = static_cast<size_t>(threads);
  std::vector<Clock::time_point> starts(n * kPasses), ends(n * kPasses);
  std::barrier sync(threads);
  on_pinned_threads(threads, [&](int t) {
    for (size_t pass = 0; pass < kPasses; ++pass) {
      sync.arrive_and_wait();
      starts[pass * n + static_cast<size_t>(t)] = Clock::now();
      read_words(buffer + static_cast<size_t>(t) * words_per_thread, words_per_thread);
      ends[pass * n + static_cast<size_t>(t)] = Clock::now();
    }
  });
  double best = 0;
  for (size_t pass = 0; pass < kPasses; ++pass) {
    const auto first = std::min_element(starts.begin() + static_cast<std::ptrdiff_t>(pass * n),
                                        starts.begin() + static_cast<std::ptrdiff_t>((pass + 1) * n));
    const auto last = std::max_element(ends.begin() + static_cast<std::ptrdiff_t>(pass * n),
                                       ends.begin() + static_cast<std::ptrdiff_t>((pass + 1) * n));
    const double seconds = std::chrono::duration<double>(*last - *first).count();
    best = std::max(best, static_cast<double>(n * words_per_thread * sizeof(uint64_t)) / seconds);
  }
  return best;
}

// Far larger than any cache, so the probe reads DRAM.
constexpr size_t kReadBufferBytes = size_t{512} << 20;

}  // namespace

MachineLimits measure_machine_limits(int threads) {
  MachineLimits limits{.threads = threads};
  const size_t words_per_thread = kReadBufferBytes / sizeof(uint64_t) / static_cast<size_t>(threads) / 8 * 8;
  const std::unique_ptr<uint64_t[]> buffer(new uint64_t[words_per_thread * static_cast<size_t>(threads)]);
  std::memset(buffer.get(), 1, words_per_thread * static_cast<size_t>(threads) * sizeof(uint64_t));
  limits.read_gbs = read_bytes_per_second(threads, buffer.get(), words_per_thread) / 1e9;
  const kernels::CpuFeatures cpu = kernels::detect_cpu_features();
  if (cpu.avx512f)
    limits.fp32_gflops = sum_over_threads(threads, [](int) { return fp32_fma_ops_per_second(); }) / 1e9;
  if (cpu.avx512f && cpu.avx512_vnni)
    limits.int8_gops = sum_over_threads(threads, [](int) { return int8_dot_ops_per_second(); }) / 1e9;
  return limits;
}

}  // namespace ck::bench
