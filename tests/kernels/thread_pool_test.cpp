// The thread pool on the real kernel: its static split, CPU pinning under a restricted affinity, that an
// idle pool sleeps (CPU time read from /proc, not a timing benchmark), and that the spin budget of the
// kernel tuning (none, long) changes when threads sleep, never what they compute.
#include "ckernel/kernels/thread_pool.h"

#include <gtest/gtest.h>
#include <sched.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "ckernel/kernels/kernel_tuning.h"

namespace ck::kernels {
namespace {

std::vector<int> cpus_of(const cpu_set_t& set) {
  std::vector<int> cpus;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
    if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
  return cpus;
}

std::vector<int> current_thread_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  EXPECT_EQ(sched_getaffinity(0, sizeof(set), &set), 0);
  return cpus_of(set);
}

// The affinity of each pool thread, as the thread itself sees it: with n == size() every thread runs
// exactly one index, its own.
std::vector<std::vector<int>> affinity_per_thread(ThreadPool& pool) {
  std::vector<std::vector<int>> seen(static_cast<size_t>(pool.size()));
  pool.parallel_for(pool.size(), [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) seen[static_cast<size_t>(i)] = current_thread_cpus();
  });
  return seen;
}

// Total user + system ticks of every thread of this process.
uint64_t process_cpu_ticks() {
  uint64_t ticks = 0;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream stat(task.path() / "stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
    std::istringstream fields(text.substr(text.rfind(')') + 2));
    std::string field;
    for (int i = 3; i <= 15 && fields >> field; ++i)
      if (i >= 14) ticks += std::stoull(field);
  }
  return ticks;
}

TEST(ThreadPool, SplitIsContiguousAndTheSameForEveryThreadCount) {
  constexpr int64_t kN = 1003;
  std::vector<double> reference;
  for (int threads : {1, 2, 3, 4}) {
    ThreadPool pool(threads);
    ASSERT_EQ(pool.size(), threads);
    std::vector<int> visits(kN, 0);
    std::vector<double> out(kN);
    pool.parallel_for(kN, [&](int64_t begin, int64_t end) {
      double running = 0;  // order-dependent within a range, as the kernels' sums are per element
      for (int64_t i = begin; i < end; ++i) {
        ++visits[static_cast<size_t>(i)];
        running = static_cast<double>(i) * 0.1;
        out[static_cast<size_t>(i)] = running * running;
      }
    });
    for (int64_t i = 0; i < kN; ++i) ASSERT_EQ(visits[static_cast<size_t>(i)], 1) << i << ", " << threads;
    if (reference.empty()) reference = out;
    EXPECT_EQ(out, reference) << threads << " threads";
  }
}

TEST(ThreadPool, ThreadIsPartIndexAndCallerRunsPartZero) {
  ThreadPool pool(3);
  std::vector<std::thread::id> ids(3);
  pool.parallel_for(
      3, [&](int64_t begin, int64_t) { ids[static_cast<size_t>(begin)] = std::this_thread::get_id(); });
  EXPECT_EQ(ids[0], std::this_thread::get_id());
  EXPECT_NE(ids[1], ids[0]);
  EXPECT_NE(ids[2], ids[1]);
}

TEST(ThreadPool, ManySectionsInARowLoseNothing) {
  for (int threads : {2, 3, 4}) {
    ThreadPool pool(threads);
    std::vector<int64_t> counts(7, 0);
    for (int section = 0; section < 1600; ++section)
      pool.parallel_for(section % 8, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) ++counts[static_cast<size_t>(i)];
      });
    // Index i is part of the sections whose size (section % 8) exceeds it: 200 per size.
    for (int64_t i = 0; i < 7; ++i) EXPECT_EQ(counts[static_cast<size_t>(i)], 200 * (7 - i)) << i;
  }
}

// Chunks: every item exactly once, in chunks of the given size (the last shorter), for sizes around the
// chunk and section after section (the threads' runs of chunks are set again each time).
TEST(ThreadPool, ChunksCoverEveryItemOnce) {
  for (int threads : {1, 2, 3}) {
    ThreadPool pool(threads);
    for (int64_t chunk : {1, 7, 16}) {
      for (int64_t n : {int64_t{0}, int64_t{1}, chunk - 1, chunk, chunk + 1, 5 * chunk + 3, int64_t{1000}}) {
        if (n < 0) continue;
        std::vector<std::atomic<int>> seen(static_cast<size_t>(n));
        std::atomic<int> bad_chunks{0};
        pool.parallel_for_chunks(n, chunk, [&](int64_t begin, int64_t end) {
          // One thread, or one chunk's worth, is a single call over everything.
          const bool whole = threads == 1 || n <= chunk;
          if (whole ? (begin != 0 || end != n)
                    : (end - begin > chunk || (end - begin < chunk && end != n) || begin % chunk != 0))
            ++bad_chunks;
          for (int64_t i = begin; i < end; ++i) ++seen[static_cast<size_t>(i)];
        });
        EXPECT_EQ(bad_chunks.load(), 0) << threads << " threads, chunk " << chunk << ", n " << n;
        for (int64_t i = 0; i < n; ++i)
          ASSERT_EQ(seen[static_cast<size_t>(i)].load(), 1)
              << "item " << i << ", " << threads << " threads, chunk " << chunk << ", n " << n;
      }
    }
  }
}

// Chunks go out as contiguous runs, one per thread (taken from their fronts), and a thread done with its
// own takes a slow thread's from the back: here the worker sleeps in every chunk it computes, so the caller
// computes its own run in order, then the worker's chunks from the last one down, while the worker computes
// its first one or two from the front. Every item still exactly once.
TEST(ThreadPool, ChunksGoInRunsAndAFreeThreadTakesASlowOnesFromTheBack) {
  ThreadPool pool(2);
  constexpr int64_t kChunk = 10, kChunks = 16, kN = kChunk * kChunks;
  const std::thread::id caller = std::this_thread::get_id();
  std::mutex mutex;
  std::vector<int64_t> by_caller, by_worker;  // chunk numbers, in the order computed
  std::vector<int> seen(kN, 0);
  pool.parallel_for_chunks(kN, kChunk, [&](int64_t begin, int64_t end) {
    const bool is_caller = std::this_thread::get_id() == caller;
    if (!is_caller) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const std::lock_guard lock(mutex);
    (is_caller ? by_caller : by_worker).push_back(begin / kChunk);
    for (int64_t i = begin; i < end; ++i) ++seen[static_cast<size_t>(i)];
  });
  for (int64_t i = 0; i < kN; ++i) ASSERT_EQ(seen[static_cast<size_t>(i)], 1) << "item " << i;
  // The caller's own run, 0..7, in order; then, from the back, the worker's chunks it had not reached.
  ASSERT_GE(by_caller.size(), 8u + 2u) << "the caller took fewer than 2 of the slow worker's 8 chunks";
  for (int64_t c = 0; c < 8; ++c) EXPECT_EQ(by_caller[static_cast<size_t>(c)], c);
  for (size_t k = 8; k < by_caller.size(); ++k)
    EXPECT_EQ(by_caller[k], kChunks - 1 - static_cast<int64_t>(k - 8));
  // The worker's, from the front of its run.
  for (size_t k = 0; k < by_worker.size(); ++k) EXPECT_EQ(by_worker[k], 8 + static_cast<int64_t>(k));
}

TEST(ThreadPool, PinsOneWorkerPerAllowedCpu) {
  const std::vector<int> allowed = current_thread_cpus();
  if (allowed.size() < 2) GTEST_SKIP() << "one CPU: nothing to pin";
  ThreadPool pool(2);
  EXPECT_EQ(pool.pinned_cpus(), (std::vector<int>{-1, allowed[1]}));
  const auto seen = affinity_per_thread(pool);
  EXPECT_EQ(seen[0], allowed) << "the caller keeps its own affinity";
  EXPECT_EQ(seen[1], std::vector<int>{allowed[1]});
}

// Started from a thread restricted to one CPU (as a cgroup cpuset would restrict the process), the pool
// pins only within that set, and with more threads than CPUs not at all.
TEST(ThreadPool, RespectsARestrictedAffinity) {
  const int only_cpu = current_thread_cpus().back();
  std::vector<int> pinned_with_two, pinned_with_one;
  std::vector<std::vector<int>> seen;
  std::thread restricted([&] {
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(only_cpu, &one);
    ASSERT_EQ(sched_setaffinity(0, sizeof(one), &one), 0);
    ThreadPool two(2);
    pinned_with_two = two.pinned_cpus();
    seen = affinity_per_thread(two);
    pinned_with_one = ThreadPool(1).pinned_cpus();
  });
  restricted.join();
  EXPECT_EQ(pinned_with_two, (std::vector<int>{-1, -1}));
  EXPECT_EQ(pinned_with_one, std::vector<int>{-1});
  ASSERT_EQ(seen.size(), 2u);
  for (const auto& cpus : seen) EXPECT_EQ(cpus, std::vector<int>{only_cpu});
}

TEST(ThreadPool, IdlePoolSleeps) {
  ThreadPool pool(3);
  std::vector<int> sink(3);
  pool.parallel_for(3, [&](int64_t begin, int64_t) { sink[static_cast<size_t>(begin)] = 1; });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // past the workers' brief spin
  const uint64_t before = process_cpu_ticks();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const uint64_t used = process_cpu_ticks() - before;
  // Two spinning workers would use about 100 ticks (at 100 Hz) here; sleeping ones none.
  EXPECT_LE(used, 5u) << "ticks of CPU time while idle";
}

// Pools made while it lives spin for `spin`; the tuning before is back afterwards.
class ScopedSpin {
 public:
  explicit ScopedSpin(std::chrono::microseconds spin) : saved_(kernel_tuning()) {
    KernelTuning tuning = saved_;
    tuning.spin = spin;
    set_kernel_tuning(tuning);
  }
  ~ScopedSpin() { set_kernel_tuning(saved_); }
  ScopedSpin(const ScopedSpin&) = delete;
  ScopedSpin& operator=(const ScopedSpin&) = delete;

 private:
  KernelTuning saved_;
};

// Sections separated by pauses longer than any spin: every one wakes sleeping workers (or finds them
// spinning), and each still sees every index exactly once.
void expect_sections_complete(ThreadPool& pool, std::chrono::milliseconds pause) {
  std::vector<int64_t> counts(64, 0);
  for (int section = 0; section < 20; ++section) {
    pool.parallel_for(64, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) ++counts[static_cast<size_t>(i)];
    });
    if (section % 4 == 0) std::this_thread::sleep_for(pause);
  }
  for (int64_t i = 0; i < 64; ++i) EXPECT_EQ(counts[static_cast<size_t>(i)], 20) << i;
}

TEST(ThreadPoolSpin, NoSpinSleepsAtOnceAndStillComputesEverything) {
  const ScopedSpin spin(std::chrono::microseconds(0));
  for (int threads : {2, 3}) {
    ThreadPool pool(threads);
    expect_sections_complete(pool, std::chrono::milliseconds(2));
  }
  ThreadPool pool(3);
  pool.parallel_for(3, [](int64_t, int64_t) {});
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const uint64_t before = process_cpu_ticks();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_LE(process_cpu_ticks() - before, 3u) << "ticks of CPU time while idle";
}

TEST(ThreadPoolSpin, LongSpinKeepsWorkersAwakeThenSleeps) {
  const ScopedSpin spin(std::chrono::milliseconds(100));
  ThreadPool pool(2);
  expect_sections_complete(pool, std::chrono::milliseconds(1));
  // Within the spin the worker polls: about a tick per 10 ms of CPU time...
  pool.parallel_for(2, [](int64_t, int64_t) {});
  const uint64_t spinning_from = process_cpu_ticks();
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  const uint64_t while_spinning = process_cpu_ticks() - spinning_from;
  // ...and after it, it sleeps.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const uint64_t sleeping_from = process_cpu_ticks();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const uint64_t while_sleeping = process_cpu_ticks() - sleeping_from;
  EXPECT_GE(while_spinning, 2u) << "a worker spinning for 100 ms used no CPU in its first 60 ms";
  EXPECT_LE(while_sleeping, 3u) << "ticks of CPU time once the spin was over";
}

TEST(KernelTuning, RejectsOutOfRangeValuesNamingTheField) {
  const KernelTuning before = kernel_tuning();
  const auto expect_refused = [&](KernelTuning tuning, const std::string& field) {
    try {
      set_kernel_tuning(tuning);
      ADD_FAILURE() << "accepted a bad " << field;
    } catch (const std::invalid_argument& e) {
      EXPECT_EQ(std::string(e.what()).rfind(field + ":", 0), 0u) << e.what();
    }
    EXPECT_EQ(kernel_tuning(), before) << "a refused tuning changed nothing";
  };
  KernelTuning t;
  t.prefetch.distance = 100;
  expect_refused(t, "prefetch_distance");
  t.prefetch.distance = (size_t{1} << 20) + 64;
  expect_refused(t, "prefetch_distance");
  t = {};
  t.spin = std::chrono::microseconds(-1);
  expect_refused(t, "spin_us");
  t.spin = std::chrono::microseconds(100'001);
  expect_refused(t, "spin_us");
  t = {};
  t.prefetch.hint = static_cast<PrefetchHint>(9);
  expect_refused(t, "prefetch_hint");
  // The bounds themselves are fine.
  t = {};
  t.prefetch.distance = size_t{1} << 20;
  t.spin = std::chrono::microseconds(100'000);
  EXPECT_NO_THROW(validate(t));
}

TEST(KernelTuning, HintNamesRoundTrip) {
  for (PrefetchHint hint : {PrefetchHint::nta, PrefetchHint::t0, PrefetchHint::t1, PrefetchHint::t2})
    EXPECT_EQ(parse_prefetch_hint(prefetch_hint_name(hint)), hint);
  EXPECT_EQ(parse_prefetch_hint("T0"), std::nullopt);
}

TEST(KernelTuning, TheDecidedIsaLevelCannotChange) {
  const IsaLevel decided = active_isa_level();
  const KernelTuning before = kernel_tuning();
  KernelTuning same = before;
  same.isa = decided;
  if (std::getenv("CK_ISA") == nullptr) {
    EXPECT_NO_THROW(set_kernel_tuning(same));
  }
  set_kernel_tuning(before);
  if (decided == IsaLevel::scalar || std::getenv("CK_ISA") != nullptr)
    GTEST_SKIP() << "no lower level to ask for (or CK_ISA decides)";
  KernelTuning lower = before;
  lower.isa = IsaLevel::scalar;
  EXPECT_THROW(set_kernel_tuning(lower), std::logic_error);
  EXPECT_EQ(kernel_tuning(), before);
  EXPECT_EQ(active_isa_level(), decided);
}

}  // namespace
}  // namespace ck::kernels
