// The thread pool on the real kernel: its static split, CPU pinning under a restricted affinity, and that
// an idle pool sleeps (CPU time read from /proc, not a timing benchmark).
#include "ckernel/kernels/thread_pool.h"

#include <gtest/gtest.h>
#include <sched.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

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

}  // namespace
}  // namespace ck::kernels
