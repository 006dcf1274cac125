// sgemm on the training bench model's products (a llama with 2048 tokens per step = batch 8 x context
// 256, n_embd 384, 2 KV heads of 64 -> kv dim 128, ffn 1024, vocab 4096) at the active level (CK_ISA),
// on 1 and 2 threads:
//   fwd   y = x W^T        (no, yes)            m = 2048, n = out, k = in
//   dx    dx = dy W        (no, no)             m = 2048, n = in,  k = out
//   dW    dW += dy^T x     (yes, no, accumulate) m = out, n = in,  k = 2048
//   attention per head, serially: scores 256 x 256 x 64 (no, yes), context 256 x 64 x 256 (no, no).
// Each reports GFLOP/s and "peak%", the share of the machine's fp32 FMA peak for that many cores, which the
// bench measures first (an FMA-throughput loop, best of several runs) and prints in its context; over wall
// time, and again (cpu_) over the calling thread's CPU time, steadier on a shared host.
//
//   sgemm_bench --benchmark_filter='fwd/.*/t1'    the forward products on one thread
#include <benchmark/benchmark.h>
#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include "ckernel/kernels/cpu_features.h"
#include "ckernel/kernels/isa_level.h"
#include "ckernel/kernels/sgemm.h"
#include "ckernel/kernels/thread_pool.h"

namespace ck::kernels {
namespace {

// ---- the FMA peak of one core ----
// 16 independent chains (more than FMA latency x FMA ports on any current core) of the widest FMA.
constexpr int kChains = 16;
constexpr long kPeakIterations = 2'000'000;  // about 5 ms a run

// Over the thread's CPU time: time the host gives other processes is not the core's peak.
double thread_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

template <class Step>
double fma_flops_per_second(Step step, int lanes) {
  const double start = thread_seconds();
  step();
  return static_cast<double>(kPeakIterations) * kChains * lanes * 2 / (thread_seconds() - start);
}

#pragma GCC diagnostic push  // GCC bug 105593 in its own AVX-512 headers
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
__attribute__((target("avx512f"))) void fma_loop_avx512() {
  __m512 acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = _mm512_set1_ps(static_cast<float>(i));
  const __m512 b = _mm512_set1_ps(1.0000001f), c = _mm512_set1_ps(1e-7f);
  for (long k = 0; k < kPeakIterations; ++k)
#pragma GCC unroll 16
    for (int i = 0; i < kChains; ++i) acc[i] = _mm512_fmadd_ps(acc[i], b, c);
  for (int i = 1; i < kChains; ++i) acc[0] = _mm512_add_ps(acc[0], acc[i]);
  volatile float sink = _mm512_reduce_add_ps(acc[0]);
  (void)sink;
}
#pragma GCC diagnostic pop

__attribute__((target("avx2,fma"))) void fma_loop_avx2() {
  __m256 acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = _mm256_set1_ps(static_cast<float>(i));
  const __m256 b = _mm256_set1_ps(1.0000001f), c = _mm256_set1_ps(1e-7f);
  for (long k = 0; k < kPeakIterations; ++k)
#pragma GCC unroll 16
    for (int i = 0; i < kChains; ++i) acc[i] = _mm256_fmadd_ps(acc[i], b, c);
  float out[8];
  for (int i = 1; i < kChains; ++i) acc[0] = _mm256_add_ps(acc[0], acc[i]);
  _mm256_storeu_ps(out, acc[0]);
  volatile float sink = out[0];
  (void)sink;
}

// FLOP/s of one core at its widest FMA, best of 10 short runs (the host may be shared).
double core_peak_flops() {
  static const double peak = [] {
    const IsaLevel best = best_isa_level(detect_cpu_features());
    double best_rate = 0;
    for (int run = 0; run < 10; ++run) {
      if (best >= IsaLevel::avx2) best_rate = std::max(best_rate, fma_flops_per_second(fma_loop_avx2, 8));
      if (best >= IsaLevel::avx512)
        best_rate = std::max(best_rate, fma_flops_per_second(fma_loop_avx512, 16));
    }
    return best_rate;
  }();
  return peak;
}

// ---- the products ----
struct Shape {
  Transpose ta, tb;
  int64_t m, n, k;
  bool accumulate;
};

std::vector<float> random_floats(int64_t count, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> v(static_cast<size_t>(count));
  for (float& x : v) x = normal(rng);
  return v;
}

// The time the benchmark loop spent in the products: wall time, and the calling thread's CPU time, which
// leaves out the time a shared host ran other processes on its core (the thread's CPU time still counts
// any spinning while it waits for the pool's workers).
struct Seconds {
  double wall = 0, cpu = 0;
};

void set_rates(benchmark::State& state, const Shape& s, int cores, Seconds seconds) {
  const double flops = 2.0 * static_cast<double>(s.m) * static_cast<double>(s.n) * static_cast<double>(s.k) *
                       static_cast<double>(state.iterations());
  const double peak = core_peak_flops() * cores;
  state.counters["GFLOP/s"] = flops / seconds.wall / 1e9;
  state.counters["peak%"] = 100 * flops / seconds.wall / peak;
  state.counters["cpu_GFLOP/s"] = flops / seconds.cpu / 1e9;
  state.counters["cpu_peak%"] = 100 * flops / seconds.cpu / peak;
}

// Runs product() once per benchmark iteration and times those calls alone.
template <class Product>
Seconds timed_loop(benchmark::State& state, Product product) {
  Seconds total;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    const double cpu_start = thread_seconds();
    product();
    total.cpu += thread_seconds() - cpu_start;
    total.wall += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  return total;
}

void bench_sgemm(benchmark::State& state, Shape s, int threads) {
  const int64_t a_rows = s.ta == Transpose::no ? s.m : s.k, a_cols = s.ta == Transpose::no ? s.k : s.m;
  const int64_t b_rows = s.tb == Transpose::no ? s.k : s.n, b_cols = s.tb == Transpose::no ? s.n : s.k;
  const std::vector<float> a = random_floats(a_rows * a_cols, 1), b = random_floats(b_rows * b_cols, 2);
  std::vector<float> c(static_cast<size_t>(s.m * s.n), 0.0f);
  ThreadPool pool(threads);
  SgemmScratch scratch;
  const SgemmOperands p{s.ta,   s.tb,     s.m,    s.n,      s.k, a.data(),
                        a_cols, b.data(), b_cols, c.data(), s.n, s.accumulate};
  const Seconds seconds = timed_loop(state, [&] {
    sgemm(p, pool, scratch);
    benchmark::DoNotOptimize(c.data());
  });
  set_rates(state, s, threads, seconds);
}

// A head's product as attention runs it: sgemm_serial on one thread (heads are spread over the pool).
void bench_serial(benchmark::State& state, Shape s) {
  const int64_t a_cols = s.ta == Transpose::no ? s.k : s.m, b_cols = s.tb == Transpose::no ? s.n : s.k;
  const std::vector<float> a = random_floats(s.m * s.k, 1), b = random_floats(s.k * s.n, 2);
  std::vector<float> c(static_cast<size_t>(s.m * s.n), 0.0f);
  SgemmScratch scratch;
  const SgemmOperands p{s.ta,   s.tb,     s.m,    s.n,      s.k, a.data(),
                        a_cols, b.data(), b_cols, c.data(), s.n, s.accumulate};
  const Seconds seconds = timed_loop(state, [&] {
    sgemm_serial(p, scratch);
    benchmark::DoNotOptimize(c.data());
  });
  set_rates(state, s, 1, seconds);
}

void register_all() {
  constexpr int64_t kTokens = 2048;
  struct Weight {
    const char* name;
    int64_t out, in;
  };
  const Weight weights[] = {{"wq_wo.384x384", 384, 384},
                            {"wk_wv.128x384", 128, 384},
                            {"w1_w3.1024x384", 1024, 384},
                            {"w2.384x1024", 384, 1024},
                            {"head.4096x384", 4096, 384}};
  for (int threads : {1, 2}) {
    const std::string t = "/t" + std::to_string(threads);
    for (const Weight& w : weights) {
      const Shape fwd{Transpose::no, Transpose::yes, kTokens, w.out, w.in, false};
      const Shape dx{Transpose::no, Transpose::no, kTokens, w.in, w.out, false};
      const Shape dw{Transpose::yes, Transpose::no, w.out, w.in, kTokens, true};
      for (const auto& [kind, shape] : {std::pair{"fwd/", fwd}, std::pair{"dx/", dx}, std::pair{"dW/", dw}})
        benchmark::RegisterBenchmark((kind + std::string(w.name) + t).c_str(), bench_sgemm, shape, threads)
            ->Unit(benchmark::kMillisecond)
            ->UseRealTime();
    }
  }
  benchmark::RegisterBenchmark("attention/scores.256x256x64/serial", bench_serial,
                               Shape{Transpose::no, Transpose::yes, 256, 256, 64, false})
      ->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("attention/context.256x64x256/serial", bench_serial,
                               Shape{Transpose::no, Transpose::no, 256, 64, 256, false})
      ->Unit(benchmark::kMicrosecond);
}

}  // namespace
}  // namespace ck::kernels

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::AddCustomContext("isa_level",
                              std::string(ck::kernels::isa_level_name(ck::kernels::active_isa_level())));
  benchmark::AddCustomContext("fp32_fma_peak_gflops_per_core",
                              std::to_string(ck::kernels::core_peak_flops() / 1e9));
  ck::kernels::register_all();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
