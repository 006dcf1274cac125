// A fixed set of worker threads that run one parallel section at a time. Work is split statically and
// deterministically (parallel_for), or handed out in chunks to whichever thread is free
// (parallel_for_chunks, for work whose items do not depend on who computes them); either way every element
// is computed by the same code in the same order whatever the thread count: results are bitwise identical
// for 1 or N threads.
//
// A decode step runs hundreds of sections, so a section costs no heap allocation and no lock: the job is
// published through an atomic counter, waiting threads spin briefly (the next section usually follows
// within microseconds) and then sleep on a futex, so an idle pool costs no CPU. How long they spin is
// host tuning (kernel_tuning().spin, read when the pool is made).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace ck::kernels {

// A non-owning reference to a callable fn(begin, end), as std::function_ref will be: two pointers, no
// allocation. The callable must outlive the call it is passed to.
class RangeFunction {
 public:
  template <class Fn>
  requires std::is_invocable_v<Fn&, int64_t, int64_t> &&(!std::is_same_v<std::decay_t<Fn>, RangeFunction>)
      RangeFunction(Fn&& fn)  // NOLINT(google-explicit-constructor): lambdas convert implicitly, as intended
      : callable_(const_cast<void*>(static_cast<const void*>(&fn))),
        invoke_([](void* callable, int64_t begin, int64_t end) {
          (*static_cast<std::remove_reference_t<Fn>*>(callable))(begin, end);
        }) {}

  void operator()(int64_t begin, int64_t end) const { invoke_(callable_, begin, end); }

 private:
  void* callable_;
  void (*invoke_)(void*, int64_t, int64_t);
};

class ThreadPool {
 public:
  // n_threads - 1 workers are started; the thread calling parallel_for is worker 0. When the process may
  // run on at least n_threads CPUs (sched_getaffinity, so a cgroup cpuset is respected), worker i is
  // pinned to the i-th of them; with fewer, nobody is pinned (pinning would stack workers on one CPU).
  explicit ThreadPool(int n_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return n_threads_; }

  // The CPU each worker 1..n-1 is pinned to (index 0 is the caller, never pinned: -1); all -1 when the
  // pool does not pin.
  const std::vector<int>& pinned_cpus() const { return pinned_cpus_; }

  // Calls fn(begin, end) over [0, n) cut into one contiguous range per thread (part i is
  // [n * i / size, n * (i + 1) / size), except that a single item runs on the calling thread); returns
  // when all are done. The calling thread takes part 0.
  // Not reentrant: fn must not call parallel_for on the same pool.
  void parallel_for(int64_t n, RangeFunction fn);

  // Calls fn(begin, end) over [0, n) cut into chunks of `chunk` items (the last one shorter). Each thread
  // owns a contiguous run of chunks, as parallel_for's parts, and takes them in order from its front; a
  // thread done with its own takes the others' chunks from their backs. So a thread slowed down (a
  // neighbour on its core, the hypervisor, a longer way to memory) computes fewer, where an even split
  // would keep the others waiting for it, and until the very end each thread's chunks follow one another
  // in memory: the chunk after the one a thread computes is almost always its own next one (the matrix
  // products prefetch across that boundary). Which thread computes which chunk varies from run to run,
  // so use it only where an item's result does not depend on who computes it. With one thread, or no
  // more than one chunk of items, fn(0, n) is called once on the calling thread.
  void parallel_for_chunks(int64_t n, int64_t chunk, RangeFunction fn);

 private:
  void worker_loop(int index);
  void run_part(int index);
  void run_chunk(int64_t chunk_number);
  void publish(int64_t n, int64_t chunk, const RangeFunction& fn);
  void wait_for_workers();

  int n_threads_;
  std::chrono::steady_clock::duration spin_;  // how long a waiting thread polls before it sleeps
  std::vector<int> pinned_cpus_;
  std::vector<std::thread> workers_;

  // The published section; written by the caller before it bumps epoch_, read by workers after.
  const RangeFunction* job_ = nullptr;
  int64_t job_size_ = 0;
  int64_t job_chunk_ = 0;  // 0: the even split of parallel_for; else parallel_for_chunks' chunk size
  bool stopping_ = false;

  // Each on its own cache line: workers poll epoch_ while the caller polls unfinished_.
  alignas(64) std::atomic<uint32_t> epoch_{0};  // bumped once per section; futex word for workers
  alignas(64) std::atomic<uint32_t> sleeping_workers_{0};
  alignas(64) std::atomic<uint32_t> unfinished_{0};  // workers still running the section; caller's futex
  alignas(64) std::atomic<uint32_t> caller_sleeping_{0};
  // parallel_for_chunks: thread i's chunks not yet taken, [front, back) in chunk numbers, packed in one
  // word (front in the low 32 bits) so that the owner's take from the front and a thief's from the back
  // are one compare-and-swap each. One cache line per thread, allocated with the pool.
  struct alignas(64) ChunkRange {
    std::atomic<uint64_t> front_back{0};
  };
  std::unique_ptr<ChunkRange[]> chunk_ranges_;
};

}  // namespace ck::kernels
