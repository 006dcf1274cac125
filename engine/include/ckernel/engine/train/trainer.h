// A training run's compute: parameters, gradients, AdamW, the schedule and the worker threads. Each step()
// takes `accumulate` micro-batches from the caller's data, adds their gradients, clips them by the global
// norm and updates the parameters. The same data gives the same bits for any thread count.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>

#include "ckernel/engine/model.h"
#include "ckernel/engine/train/backprop.h"
#include "ckernel/engine/train/optimizer.h"
#include "ckernel/engine/train/parameters.h"
#include "ckernel/kernels/thread_pool.h"

namespace ck::train {

struct TrainOptions {
  int64_t batch = 8;       // sequences per micro-batch
  int64_t context = 256;   // tokens predicted per sequence
  int64_t accumulate = 1;  // micro-batches per optimizer step
  AdamWOptions adamw;
  LearningRateSchedule schedule;
  double clip = 1.0;  // maximum global gradient norm; 0: no clipping
  int threads = 1;
  // Where parameters, gradients, moments and activations live; null: default_buffer_allocator().
  std::shared_ptr<BufferAllocator> allocator = nullptr;
};

struct StepResult {
  int64_t step = 0;        // optimizer steps done, this one included
  double loss = 0;         // mean cross-entropy of the step's tokens, before its update
  double lr = 0;           // the learning rate the update used
  double grad_norm = 0;    // global gradient norm before clipping
  int64_t tokens = 0;      // tokens predicted in this step
  double seconds = 0;      // wall time of the step
};

// Fills one micro-batch: batch rows of context + 1 tokens.
using BatchSource = std::function<void(std::span<int32_t>)>;

class Trainer {
 public:
  // Checks the options against the model (context at most the model's training context, positive sizes):
  // TrainError naming the option.
  Trainer(const ModelConfig& config, ParameterBuffer parameters, const TrainOptions& options);

  const ModelConfig& config() const { return config_; }
  const ParameterLayout& layout() const { return layout_; }
  const TrainOptions& options() const { return options_; }
  const ParameterBuffer& parameters() const { return parameters_; }
  AdamW& optimizer() { return optimizer_; }
  const AdamW& optimizer() const { return optimizer_; }
  kernels::ThreadPool& pool() { return pool_; }
  size_t activation_bytes() const { return backprop_.activation_floats() * sizeof(float); }

  // One optimizer step. TrainError when the loss or the gradient norm is not finite (naming the step);
  // the parameters are then left as they were before the step.
  StepResult step(const BatchSource& next_batch);

  // Mean cross-entropy per token over held-out windows (no update): next_rows fills a micro-batch and
  // returns how many of its rows are windows (0 when there are no more; fewer than batch for the last).
  double evaluate(const std::function<int64_t(std::span<int32_t>)>& next_rows);

 private:
  ModelConfig config_;
  ParameterLayout layout_;
  TrainOptions options_;
  kernels::ThreadPool pool_;
  ParameterBuffer parameters_;
  std::shared_ptr<BufferAllocator> memory_;
  ParameterBuffer gradients_;
  AdamW optimizer_;
  Backprop backprop_;
  std::vector<int32_t> tokens_;
};

}  // namespace ck::train
