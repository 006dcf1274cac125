#include "ckernel/kernels/thread_pool.h"

#include <immintrin.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <climits>

#include "ckernel/kernels/kernel_tuning.h"

namespace ck::kernels {
namespace {

// The clock is read every this many polls: a poll is a load and a pause (26 ns on Zen 4, ~140 cycles on
// recent Intel cores), a steady_clock read about 20 ns through the vDSO, so the budget is overrun by a few
// microseconds at most and the clock costs a fraction of the spin.
constexpr unsigned kPollsPerClockRead = 64;

void futex_wait(std::atomic<uint32_t>& word, uint32_t expected) {
  // Returns at once if word != expected; spurious wake-ups are handled by the callers' loops.
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word), FUTEX_WAIT_PRIVATE, expected, nullptr, nullptr, 0);
}

void futex_wake_all(std::atomic<uint32_t>& word) {
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word), FUTEX_WAKE_PRIVATE, INT_MAX, nullptr, nullptr, 0);
}

// Polls done() until it holds or `budget` has passed; true if done. A zero budget polls once: the caller
// sleeps at once.
template <class Done>
bool spin_until(Done done, std::chrono::steady_clock::duration budget) {
  if (budget <= budget.zero()) return done();
  const auto deadline = std::chrono::steady_clock::now() + budget;
  for (unsigned polls = 1;; ++polls) {
    if (done()) return true;
    _mm_pause();
    if (polls % kPollsPerClockRead == 0 && std::chrono::steady_clock::now() >= deadline) return done();
  }
}

// ChunkRange's word: [front, back) of a thread's chunks.
constexpr uint64_t pack_range(uint64_t front, uint64_t back) { return front | back << 32; }
constexpr uint64_t range_front(uint64_t word) { return word & 0xFFFFFFFFu; }
constexpr uint64_t range_back(uint64_t word) { return word >> 32; }

// Takes the first chunk of a range (its owner) or its last (a thread done with its own); -1 when empty.
// Relaxed: the section's data was published with the epoch, and the results reach the caller through
// unfinished_.
int64_t take_front(std::atomic<uint64_t>& range) {
  uint64_t word = range.load(std::memory_order_relaxed);
  while (range_front(word) < range_back(word))
    if (range.compare_exchange_weak(word, pack_range(range_front(word) + 1, range_back(word)),
                                    std::memory_order_relaxed))
      return static_cast<int64_t>(range_front(word));
  return -1;
}

int64_t take_back(std::atomic<uint64_t>& range) {
  uint64_t word = range.load(std::memory_order_relaxed);
  while (range_front(word) < range_back(word))
    if (range.compare_exchange_weak(word, pack_range(range_front(word), range_back(word) - 1),
                                    std::memory_order_relaxed))
      return static_cast<int64_t>(range_back(word) - 1);
  return -1;
}

// The CPUs this process may run on, in increasing order.
std::vector<int> allowed_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::vector<int> cpus;
  if (sched_getaffinity(0, sizeof(set), &set) != 0) return cpus;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
    if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
  return cpus;
}

// Pins a thread to one CPU; false if the kernel refuses (the CPU left the cpuset meanwhile).
bool pin_thread(std::thread& thread, int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return pthread_setaffinity_np(thread.native_handle(), sizeof(set), &set) == 0;
}

}  // namespace

ThreadPool::ThreadPool(int n_threads)
    : n_threads_(std::max(1, n_threads)),
      spin_(kernel_tuning().spin),
      pinned_cpus_(static_cast<size_t>(n_threads_), -1),
      chunk_ranges_(std::make_unique<ChunkRange[]>(static_cast<size_t>(n_threads_))) {
  workers_.reserve(static_cast<size_t>(n_threads_ - 1));
  for (int i = 1; i < n_threads_; ++i) workers_.emplace_back([this, i] { worker_loop(i); });
  // The caller (worker 0) is left unpinned: its affinity belongs to whoever owns that thread. Pinning is
  // best effort: a worker the kernel refuses to pin runs wherever the cpuset lets it.
  const std::vector<int> cpus = allowed_cpus();
  if (cpus.size() < static_cast<size_t>(n_threads_)) return;
  for (int i = 1; i < n_threads_; ++i) {
    const int cpu = cpus[static_cast<size_t>(i)];
    if (pin_thread(workers_[static_cast<size_t>(i - 1)], cpu)) pinned_cpus_[static_cast<size_t>(i)] = cpu;
  }
}

ThreadPool::~ThreadPool() {
  stopping_ = true;
  epoch_.fetch_add(1);
  futex_wake_all(epoch_);
  for (std::thread& t : workers_) t.join();
}

void ThreadPool::run_part(int index) {
  if (job_chunk_ == 0) {
    const int64_t begin = job_size_ * index / n_threads_;
    const int64_t end = job_size_ * (index + 1) / n_threads_;
    if (begin < end) (*job_)(begin, end);
    return;
  }
  std::atomic<uint64_t>& own = chunk_ranges_[static_cast<size_t>(index)].front_back;
  for (int64_t c; (c = take_front(own)) >= 0;) run_chunk(c);
  for (int k = 1; k < n_threads_; ++k) {
    std::atomic<uint64_t>& other = chunk_ranges_[static_cast<size_t>((index + k) % n_threads_)].front_back;
    for (int64_t c; (c = take_back(other)) >= 0;) run_chunk(c);
  }
}

void ThreadPool::run_chunk(int64_t chunk_number) {
  const int64_t begin = chunk_number * job_chunk_;
  (*job_)(begin, std::min(begin + job_chunk_, job_size_));
}

void ThreadPool::parallel_for(int64_t n, RangeFunction fn) {
  if (n <= 0) return;
  // A single item (a decoded token's activations, say) is one thread's work: waking the others for it
  // would only cost a barrier. Who runs it does not change its result.
  if (n_threads_ == 1 || n == 1) {
    fn(0, n);
    return;
  }
  publish(n, 0, fn);
}

void ThreadPool::parallel_for_chunks(int64_t n, int64_t chunk, RangeFunction fn) {
  if (n <= 0) return;
  chunk = std::max<int64_t>(chunk, 1);
  if (n_threads_ == 1 || n <= chunk) {
    fn(0, n);
    return;
  }
  // Thread i owns chunks [chunks * i / size, chunks * (i + 1) / size); published by the epoch bump in
  // publish().
  const int64_t chunks = (n + chunk - 1) / chunk;
  for (int i = 0; i < n_threads_; ++i) {
    const auto first = static_cast<uint64_t>(chunks * i / n_threads_);
    const auto last = static_cast<uint64_t>(chunks * (i + 1) / n_threads_);
    chunk_ranges_[static_cast<size_t>(i)].front_back.store(pack_range(first, last),
                                                           std::memory_order_relaxed);
  }
  publish(n, chunk, fn);
}

// Runs a section on every thread: the caller's part here, the workers' woken or seen spinning.
void ThreadPool::publish(int64_t n, int64_t chunk, const RangeFunction& fn) {
  job_ = &fn;
  job_size_ = n;
  job_chunk_ = chunk;
  unfinished_.store(static_cast<uint32_t>(n_threads_ - 1), std::memory_order_relaxed);
  // seq_cst: the bump must be visible before sleeping_workers_ is read (a worker about to sleep
  // increments sleeping_workers_ first, then lets the futex re-check epoch_).
  epoch_.fetch_add(1);
  if (sleeping_workers_.load() != 0) futex_wake_all(epoch_);
  run_part(0);
  wait_for_workers();
}

void ThreadPool::wait_for_workers() {
  const auto done = [this] { return unfinished_.load(std::memory_order_acquire) == 0; };
  if (spin_until(done, spin_)) return;
  caller_sleeping_.store(1);
  for (uint32_t left; (left = unfinished_.load()) != 0;) futex_wait(unfinished_, left);
  caller_sleeping_.store(0, std::memory_order_relaxed);
}

void ThreadPool::worker_loop(int index) {
  uint32_t seen = 0;
  for (;;) {
    const auto published = [&] { return epoch_.load(std::memory_order_acquire) != seen; };
    if (!spin_until(published, spin_)) {
      sleeping_workers_.fetch_add(1);
      while (!published()) futex_wait(epoch_, seen);
      sleeping_workers_.fetch_sub(1);
    }
    seen = epoch_.load(std::memory_order_acquire);
    if (stopping_) return;
    run_part(index);
    // The last worker out wakes the caller if it went to sleep (it set caller_sleeping_ before reading
    // unfinished_, so one of the two sees the other).
    if (unfinished_.fetch_sub(1) == 1 && caller_sleeping_.load() != 0) futex_wake_all(unfinished_);
  }
}

}  // namespace ck::kernels
