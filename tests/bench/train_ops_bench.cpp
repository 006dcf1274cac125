// The hot training ops on one thread, at the shapes of a small qwen2-like model: cross-entropy over a
// 4096 vocabulary, attention at head_dim 64 and seq 256 (GQA 8/2), RMSNorm and SwiGLU rows.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <vector>

#include "ckernel/kernels/thread_pool.h"
#include "ckernel/kernels/train_ops.h"

namespace ck::kernels::train {
namespace {

std::vector<float> random_floats(int64_t n, float scale) {
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> uniform(-scale, scale);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = uniform(rng);
  return v;
}

void BM_CrossEntropy(benchmark::State& state) {
  ThreadPool pool(1);
  const int64_t rows = 64, vocab = 4096;
  const std::vector<float> logits0 = random_floats(rows * vocab, 8);
  std::vector<float> logits = logits0, losses(rows);
  std::vector<int32_t> targets(rows, 17);
  for (auto _ : state) {
    state.PauseTiming();
    logits = logits0;
    state.ResumeTiming();
    cross_entropy(logits.data(), targets.data(), rows, vocab, 1.0f / rows, losses.data(), pool);
  }
  state.SetItemsProcessed(state.iterations() * rows * vocab);  // logits per second
}
BENCHMARK(BM_CrossEntropy);

const AttentionShape kShape{1, 256, 8, 2, 64, 0.125f};

void BM_AttentionForward(benchmark::State& state) {
  ThreadPool pool(1);
  const int64_t rows = kShape.batch * kShape.seq;
  const std::vector<float> q = random_floats(rows * kShape.n_head * 64, 1), k = random_floats(rows * 128, 1),
                           v = random_floats(rows * 128, 1);
  std::vector<float> probs(attention_probs_size(kShape)), out(q.size());
  for (auto _ : state)
    attention_forward(kShape, q.data(), k.data(), v.data(), probs.data(), out.data(), pool);
  // 2 * seq^2/2 * head_dim multiply-adds per head for QK^T and PV: the useful FLOPs.
  state.counters["GFLOPS"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * 2.0 * kShape.n_head * kShape.seq * kShape.seq * 64,
      benchmark::Counter::kIsRate, benchmark::Counter::OneK::kIs1000);
}
BENCHMARK(BM_AttentionForward);

void BM_AttentionBackward(benchmark::State& state) {
  ThreadPool pool(1);
  const int64_t rows = kShape.batch * kShape.seq;
  const std::vector<float> q = random_floats(rows * kShape.n_head * 64, 1), k = random_floats(rows * 128, 1),
                           v = random_floats(rows * 128, 1), dout = random_floats(q.size(), 1);
  std::vector<float> probs(attention_probs_size(kShape)), out(q.size()), dq(q.size()), dk(k.size()),
      dv(v.size());
  attention_forward(kShape, q.data(), k.data(), v.data(), probs.data(), out.data(), pool);
  for (auto _ : state)
    attention_backward(kShape, q.data(), k.data(), v.data(), probs.data(), dout.data(), dq.data(), dk.data(),
                       dv.data(), pool);
  state.counters["GFLOPS"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * 4.0 * kShape.n_head * kShape.seq * kShape.seq * 64,
      benchmark::Counter::kIsRate, benchmark::Counter::OneK::kIs1000);
}
BENCHMARK(BM_AttentionBackward);

void BM_RmsNorm(benchmark::State& state) {
  ThreadPool pool(1);
  const int64_t rows = 256, n = 896;
  const std::vector<float> x = random_floats(rows * n, 1), w = random_floats(n, 1),
                           dy = random_floats(rows * n, 1);
  std::vector<float> y(x.size()), rstd(rows), dx(x.size()), dw(n);
  for (auto _ : state) {
    rms_norm_forward(x.data(), w.data(), rows, n, 1e-6f, y.data(), rstd.data(), pool);
    rms_norm_backward(x.data(), w.data(), rstd.data(), dy.data(), rows, n, dx.data(), dw.data(), pool);
  }
  state.SetItemsProcessed(state.iterations() * rows * n);
}
BENCHMARK(BM_RmsNorm);

void BM_Swiglu(benchmark::State& state) {
  ThreadPool pool(1);
  const int64_t n = 256 * 4864;
  const std::vector<float> g = random_floats(n, 4), u = random_floats(n, 1), dh = random_floats(n, 1);
  std::vector<float> h(n), dg(n), du(n);
  for (auto _ : state) {
    swiglu_forward(g.data(), u.data(), n, h.data(), pool);
    swiglu_backward(g.data(), u.data(), dh.data(), n, dg.data(), du.data(), pool);
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_Swiglu);

}  // namespace
}  // namespace ck::kernels::train

BENCHMARK_MAIN();
