// Google Benchmark of the forward-pass ops at every instruction-set level this CPU has, of attention
// (decode and prefill) and of the thread pool's section barrier. Sizes are those of a ~0.3B llama model.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "ckernel/kernels/llama_cpp_compat.h"
#include "ckernel/kernels/ops.h"
#include "ggml_cpu.h"

namespace ck::kernels {
namespace {

constexpr int64_t kEmbd = 1024, kFf = 2816, kHeads = 16, kKvHeads = 16, kHeadDim = 64;

std::vector<float> random_row(int64_t n, float scale) {
  std::mt19937 rng(42);
  std::uniform_real_distribution<float> uniform(-scale, scale);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = uniform(rng);
  return v;
}

void register_per_level(const char* name, void (*bench)(benchmark::State&, IsaLevel)) {
  for (IsaLevel level : kAllIsaLevels)
    if (level <= best_isa_level(detect_cpu_features()))
      benchmark::RegisterBenchmark((std::string(name) + "/" + std::string(isa_level_name(level))).c_str(),
                                   bench, level);
}

void rms_norm_bench(benchmark::State& state, IsaLevel level) {
  const std::vector<float> x = random_row(kEmbd, 2.0f), w = random_row(kEmbd, 1.0f);
  std::vector<float> y(x.size());
  for (auto _ : state) {
    rms_norm(x.data(), w.data(), y.data(), kEmbd, 1e-5f, level);
    benchmark::DoNotOptimize(y.data());
  }
}

void silu_mul_bench(benchmark::State& state, IsaLevel level) {
  const std::vector<float> g = random_row(kFf, 8.0f), u = random_row(kFf, 2.0f);
  std::vector<float> y(g.size());
  for (auto _ : state) {
    silu_mul(g.data(), u.data(), y.data(), kFf, level);
    benchmark::DoNotOptimize(y.data());
  }
}

void soft_max_bench(benchmark::State& state, IsaLevel level) {
  const std::vector<float> x = random_row(512, 8.0f);
  std::vector<float> y(x.size());
  for (auto _ : state) {
    ggml_cpu::soft_max(x.data(), y.data(), 512, 500, 0.125f, level);
    benchmark::DoNotOptimize(y.data());
  }
}

void rope_bench(benchmark::State& state, IsaLevel level) {
  const RopeParams p{kHeadDim, false, 10000.0f};
  std::vector<float> angles(kHeadDim), x = random_row(kHeads * kHeadDim, 2.0f);
  rope_angles(p, 100, angles.data());
  for (auto _ : state) {
    rope(x.data(), kHeads, kHeadDim, p, angles.data(), level);
    benchmark::DoNotOptimize(x.data());
  }
}

// Attention over a cache of state.range(0) positions: one decoded token, or a batch of 32 (prefill).
void attention_bench(benchmark::State& state, int64_t n_tokens) {
  const int64_t n_past = state.range(0), capacity = llama_cpp::padded_kv_length(n_past + n_tokens);
  const int64_t row = kKvHeads * kHeadDim;
  std::vector<uint16_t> k(static_cast<size_t>(capacity * row)), v(k.size());
  const KvLayer kv{k.data(), v.data(), capacity, kKvHeads, kHeadDim};
  const std::vector<float> kf = random_row((n_past + n_tokens) * row, 2.0f), vf = random_row(kf.size(), 2.0f);
  kv_store(kv, 0, n_past + n_tokens, kf.data(), vf.data());
  const std::vector<float> q = random_row(n_tokens * kHeads * kHeadDim, 2.0f);
  std::vector<float> out(q.size());
  ThreadPool pool(1);
  for (auto _ : state) {
    attention(q.data(), kv, n_past, n_tokens, kHeads, 0.125f, out.data(), pool);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK_CAPTURE(attention_bench, decode, 1)->Arg(128)->Arg(1024);
BENCHMARK_CAPTURE(attention_bench, prefill32, 32)->Arg(128);

// One empty parallel section: the cost of publishing a job and waiting for every thread.
void barrier_bench(benchmark::State& state) {
  ThreadPool pool(static_cast<int>(state.range(0)));
  for (auto _ : state)
    pool.parallel_for(pool.size(), [](int64_t begin, int64_t end) { benchmark::DoNotOptimize(begin + end); });
}
BENCHMARK(barrier_bench)->Arg(1)->Arg(2)->UseRealTime();

[[maybe_unused]] const bool registered = [] {
  register_per_level("rms_norm", rms_norm_bench);
  register_per_level("silu_mul", silu_mul_bench);
  register_per_level("soft_max", soft_max_bench);
  register_per_level("rope", rope_bench);
  return true;
}();

}  // namespace
}  // namespace ck::kernels

BENCHMARK_MAIN();
