// cktrain bench: training throughput of a model shape on random tokens, as a share of the machine's
// measured fp32 FMA peak. A benchmark, not a test: run it on a quiet machine, and compare side by side
// with PyTorch (scripts/bench-train-side-by-side.sh).
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <vector>

#include "ckernel/engine/train/random.h"
#include "ckernel/engine/train/trainer.h"
#include "ckernel/json/json.h"
#include "command_line.h"
#include "commands.h"
#include "machine_limits.h"
#include "model_shape.h"

namespace ck::cktrain {
namespace {

// Floating-point operations of one trained token: 3x the forward pass (backward = 2x forward) for every
// matrix product (2 per weight, the embedding lookup is none) plus causal attention, whose query at
// position t meets t + 1 keys in two products: 2 * 2 * head_dim * heads * (T + 1) / 2 per token on average.
double flops_per_token(const ModelConfig& c, const train::ParameterLayout& layout, int64_t context) {
  double matrix_weights = 0;
  for (const train::ParameterTensor& t : layout.tensors())
    if (t.matrix && t.name != "token_embd.weight") matrix_weights += static_cast<double>(t.size());
  if (c.tied_output) matrix_weights += static_cast<double>(c.n_vocab * c.n_embd);  // the output product
  const double attention = 2.0 * static_cast<double>(c.n_layer * c.n_head * c.head_dim * (context + 1));
  return 3.0 * (2.0 * matrix_weights + attention);
}

}  // namespace

int bench_command(const std::vector<std::string>& args) {
  ModelShape shape;
  int64_t vocab = 4096, batch = 8, steps = 10, warmup = 2;
  int threads = 1;
  bool json = false;
  po::options_description options("Options");
  options.add_options()("vocab-size", po::value(&vocab)->default_value(vocab), "vocabulary size")(
      "batch,b", po::value(&batch)->default_value(batch), "sequences per step")(
      "threads,t", po::value(&threads)->default_value(threads), "threads")(
      "steps", po::value(&steps)->default_value(steps), "timed steps")(
      "warmup", po::value(&warmup)->default_value(warmup), "untimed steps first")(
      "json", po::bool_switch(&json), "print one JSON object instead of text");
  add_shape_options(options, shape);
  po::variables_map vm;
  if (!parse_command_line(args,
                          "Usage: cktrain bench [shape options] [-b BATCH] [-t THREADS] [--steps N] [--json]\n\n"
                          "Trains a model of the given shape (default: the 15M-parameter llama of the PyTorch\n"
                          "comparison, context 256, batch 8) on random tokens and reports tokens/s and GFLOP/s\n"
                          "(6 x matrix weights x tokens plus attention) against the measured fp32 FMA peak.\n",
                          options, "", 0, vm))
    return kExitOk;
  if (steps <= 0 || warmup < 0) throw UsageError{"--steps must be positive and --warmup not negative"};
  const ModelConfig config = config_of(shape, vocab, "bench");
  train::TrainOptions o;
  o.batch = batch;
  o.context = shape.n_ctx;
  o.threads = threads;
  o.schedule.kind = train::ScheduleKind::constant;
  o.schedule.lr = 3e-4;
  const train::ParameterLayout layout(config);
  train::ParameterBuffer parameters(layout.total());
  train::initialize_parameters(layout, 1, parameters);
  train::Trainer trainer(config, std::move(parameters), o);
  train::SplitMix64 rng(7);
  const train::BatchSource random_tokens = [&](std::span<int32_t> out) {
    for (int32_t& t : out) t = static_cast<int32_t>(rng.uniform_below(static_cast<uint64_t>(vocab)));
  };

  std::fprintf(stderr, "cktrain bench: measuring the machine's fp32 peak at %d threads...\n", threads);
  const bench::MachineLimits limits = bench::measure_machine_limits(threads);
  std::vector<double> seconds;
  const bool terminal = ::isatty(STDERR_FILENO) == 1;
  for (int64_t i = 0; i < warmup + steps; ++i) {
    const train::StepResult r = trainer.step(random_tokens);
    if (i >= warmup) seconds.push_back(r.seconds);
    std::fprintf(stderr, "%sstep %lld/%lld  %.3f s  loss %.4f%s", terminal ? "\r" : "", static_cast<long long>(i + 1),
                 static_cast<long long>(warmup + steps), r.seconds, r.loss, terminal ? "" : "\n");
  }
  if (terminal) std::fprintf(stderr, "\n");
  std::sort(seconds.begin(), seconds.end());
  const double median = seconds[seconds.size() / 2];
  const double tokens = static_cast<double>(batch * shape.n_ctx);
  const double tokens_per_second = tokens / median;
  const double gflops = flops_per_token(config, layout, shape.n_ctx) * tokens_per_second / 1e9;
  double count = 0;
  for (const train::ParameterTensor& t : layout.tensors()) count += static_cast<double>(t.size());
  if (json) {
    Json::Object o_json{{"parameters", count},
                        {"batch", batch},
                        {"context", shape.n_ctx},
                        {"threads", threads},
                        {"steps", steps},
                        {"median_step_seconds", median},
                        {"tokens_per_second", tokens_per_second},
                        {"gflops", gflops},
                        {"fp32_peak_gflops", limits.fp32_gflops},
                        {"share_of_peak", limits.fp32_gflops > 0 ? gflops / limits.fp32_gflops : 0.0}};
    std::cout << Json(std::move(o_json)).dump() << "\n";
  } else {
    std::printf("%.2fM parameters, batch %lld x context %lld, %d threads: %.0f tokens/s, %.1f GFLOP/s", count / 1e6,
                static_cast<long long>(batch), static_cast<long long>(shape.n_ctx), threads, tokens_per_second,
                gflops);
    if (limits.fp32_gflops > 0)
      std::printf(" = %.0f%% of the measured fp32 peak (%.0f GFLOP/s)", 100 * gflops / limits.fp32_gflops,
                  limits.fp32_gflops);
    std::printf("\n");
  }
  return kExitOk;
}

}  // namespace ck::cktrain
