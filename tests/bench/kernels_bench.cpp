// Matrix-vector (decode: 1 token) and matrix-matrix (prefill: 128 tokens) products per weight type and
// instruction-set level on a feed-forward-sized matrix (2816 rows of 1024), as the engine runs them:
// activations converted once, then the type's panel over all rows. Reports the weight bytes streamed per
// second and the multiply-add work per second (2 FLOP per weight element and token). The scalar level is
// the reference kernels one dot row at a time, i.e. the engine before the SIMD kernels.
//
//   kernels_bench                                   every type and level, one thread
//   kernels_bench --benchmark_filter='Q8_0/.*/gemv'  one type's decode at every level
// The "matmul" benchmarks run the engine's matmul() at the active level (CK_ISA) on 1 and 2 threads.
// The "stream" benchmarks run decode over 192 MiB of such matrices, which come from memory as a model's
// do, once per prefetch hint: whether a hint suits a type is a property of the core (on Zen 4, Q6_K
// streamed at half the rate with nta and Q8_0 and Q4_K did not care).
//   kernels_bench --benchmark_filter='stream'
#include <benchmark/benchmark.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "ckernel/kernels/isa_level.h"
#include "ckernel/kernels/kernel_tuning.h"
#include "ckernel/kernels/matmul.h"
#include "ckernel/kernels/thread_pool.h"
#include "ckernel/kernels/type_kernels.h"
#include "kernel_test_util.h"

namespace ck::kernels {
namespace {

constexpr int64_t kRows = 2816;
constexpr int64_t kCols = 1024;
constexpr int64_t kPrefillTokens = 128;

struct Problem {
  test::Bytes weights;
  size_t row_stride;
  std::vector<float> x;  // kPrefillTokens rows of kCols
};

const Problem& problem(TensorType type) {
  static std::vector<std::pair<TensorType, Problem>> cache;
  for (const auto& [t, p] : cache)
    if (t == type) return p;
  std::mt19937_64 rng(static_cast<uint64_t>(type) + 1);
  Problem p{{}, row_bytes(type, kCols), {}};
  for (int64_t r = 0; r < kRows; ++r) {
    const test::Bytes row = test::random_weight_row(type, kCols, rng);
    p.weights.insert(p.weights.end(), row.begin(), row.end());
  }
  std::normal_distribution<float> normal(0.0f, 1.0f);
  p.x.resize(static_cast<size_t>(kPrefillTokens * kCols));
  for (float& v : p.x) v = normal(rng);
  cache.emplace_back(type, std::move(p));
  return cache.back().second;
}

void set_rates(benchmark::State& state, TensorType type, int64_t tokens) {
  const double bytes = static_cast<double>(row_bytes(type, kCols) * kRows);
  state.counters["weight_bytes/s"] = benchmark::Counter(bytes, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["FLOP/s"] = benchmark::Counter(2.0 * kRows * kCols * static_cast<double>(tokens),
                                                benchmark::Counter::kIsIterationInvariantRate);
}

// The panel of one level on one thread, activations converted once outside the loop.
void bench_panel(benchmark::State& state, TensorType type, IsaLevel level, int64_t tokens) {
  const Problem& p = problem(type);
  const TypeKernels& k = kernels_for(type, level);
  const size_t x_stride = row_bytes(k.partner, kCols);
  test::Bytes xq(x_stride * static_cast<size_t>(tokens));
  for (int64_t t = 0; t < tokens; ++t)
    activation_quantizer(k.partner, level)(p.x.data() + t * kCols, xq.data() + t * x_stride, kCols);
  std::vector<float> y(static_cast<size_t>(kRows * tokens));
  const DotPanelFn panel = select_dot_panel(k, kRows, kCols, tokens);
  for (auto _ : state) {
    panel(DotPanel{p.weights.data(), p.row_stride, kRows, xq.data(), x_stride, tokens, kCols, y.data(),
                   static_cast<size_t>(kRows)});
    benchmark::DoNotOptimize(y.data());
  }
  set_rates(state, type, tokens);
}

void bench_matmul(benchmark::State& state, TensorType type, int threads, int64_t tokens) {
  const Problem& p = problem(type);
  ThreadPool pool(threads);
  MatmulScratch scratch;
  std::vector<float> y(static_cast<size_t>(kRows * tokens));
  for (auto _ : state) {
    matmul(WeightMatrix{p.weights.data(), type, kRows, kCols, p.row_stride}, p.x.data(), tokens, y.data(),
           pool, scratch);
    benchmark::DoNotOptimize(y.data());
  }
  set_rates(state, type, tokens);
}

// Decode over enough copies of the problem's matrix to stream from memory (192 MiB, several times the
// last-level cache), with the kernel tuning's prefetch hint set to `hint` for the run.
void bench_stream(benchmark::State& state, TensorType type, PrefetchHint hint, int threads) {
  constexpr size_t kStreamBytes = size_t{192} << 20;
  const Problem& p = problem(type);
  const size_t matrix_bytes = p.weights.size();
  const size_t copies = kStreamBytes / matrix_bytes;
  test::Bytes weights(copies * matrix_bytes);
  for (size_t c = 0; c < copies; ++c)
    std::copy(p.weights.begin(), p.weights.end(),
              weights.begin() + static_cast<std::ptrdiff_t>(c * matrix_bytes));
  const KernelTuning saved = kernel_tuning();
  KernelTuning tuning = saved;
  tuning.prefetch.hint = hint;
  set_kernel_tuning(tuning);
  ThreadPool pool(threads);
  MatmulScratch scratch;
  std::vector<float> y(static_cast<size_t>(kRows) * copies);
  for (auto _ : state) {
    for (size_t c = 0; c < copies; ++c)
      matmul(WeightMatrix{weights.data() + c * matrix_bytes, type, kRows, kCols, p.row_stride}, p.x.data(), 1,
             y.data() + c * static_cast<size_t>(kRows), pool, scratch);
    benchmark::DoNotOptimize(y.data());
  }
  set_kernel_tuning(saved);
  state.counters["weight_bytes/s"] =
      benchmark::Counter(static_cast<double>(weights.size()), benchmark::Counter::kIsIterationInvariantRate);
}

void register_all() {
  const TensorType types[] = {TensorType::q8_0, TensorType::q4_k, TensorType::q6_k, TensorType::q4_0,
                              TensorType::q5_0, TensorType::q5_1, TensorType::q5_k, TensorType::f16,
                              TensorType::bf16, TensorType::f32};
  const IsaLevel best = best_isa_level(detect_cpu_features());
  for (TensorType type : types) {
    const std::string name(type_name(type));
    for (IsaLevel level : kAllIsaLevels) {
      if (level > best) continue;
      const std::string at = name + "/" + std::string(isa_level_name(level));
      benchmark::RegisterBenchmark((at + "/gemv").c_str(), bench_panel, type, level, int64_t{1})
          ->Unit(benchmark::kMicrosecond);
      benchmark::RegisterBenchmark((at + "/gemm128").c_str(), bench_panel, type, level, kPrefillTokens)
          ->Unit(benchmark::kMillisecond);
    }
    if (type == TensorType::q8_0 || type == TensorType::q4_k || type == TensorType::q6_k)
      for (PrefetchHint hint : {PrefetchHint::nta, PrefetchHint::t0})
        for (int threads : {1, 2})
          benchmark::RegisterBenchmark(
              (name + "/stream/" + std::string(prefetch_hint_name(hint)) + "/t" + std::to_string(threads))
                  .c_str(),
              bench_stream, type, hint, threads)
              ->Unit(benchmark::kMillisecond)
              ->UseRealTime();
    for (int threads : {1, 2}) {
      const std::string at = name + "/matmul/t" + std::to_string(threads);
      benchmark::RegisterBenchmark((at + "/gemv").c_str(), bench_matmul, type, threads, int64_t{1})
          ->Unit(benchmark::kMicrosecond)
          ->UseRealTime();
      benchmark::RegisterBenchmark((at + "/gemm128").c_str(), bench_matmul, type, threads, kPrefillTokens)
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();
    }
  }
}

}  // namespace
}  // namespace ck::kernels

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  ck::kernels::register_all();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
