// One micro-batch through the model in fp32: the forward pass keeps the activations the backward pass
// needs, then the backward pass adds every parameter's gradient. Sized once for (batch, context); the
// buffers are reused step after step, so a training step does not allocate.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "ckernel/engine/memory.h"
#include "ckernel/engine/model.h"
#include "ckernel/engine/train/parameters.h"
#include "ckernel/kernels/thread_pool.h"

namespace ck::train {

class Backprop {
 public:
  // Sequences of `context` predicted tokens, `batch` of them per micro-batch; the activations come from
  // `memory`.
  Backprop(const ModelConfig& config, int64_t batch, int64_t context,
           BufferAllocator& memory = *default_buffer_allocator());
  ~Backprop();
  Backprop(const Backprop&) = delete;
  Backprop& operator=(const Backprop&) = delete;

  int64_t batch() const { return batch_; }
  int64_t context() const { return context_; }
  // Floats held for activations (for memory estimates and the progress line).
  size_t activation_floats() const;

  // tokens: batch rows of context + 1 ids (row b predicts tokens[b][1..] from tokens[b][..context-1]).
  // Adds grad_scale * d(sum of the per-token losses)/d(parameter) into `gradients` (laid out as the
  // parameters) and returns the mean cross-entropy of the micro-batch's tokens (before any update).
  // Throws TrainError on a token outside the vocabulary.
  double forward_backward(const ParameterBuffer& parameters, std::span<const int32_t> tokens, float grad_scale,
                          ParameterBuffer& gradients, kernels::ThreadPool& pool);

  // The mean cross-entropy only (validation): no gradient, nothing kept. With rows_used < batch, only the
  // first rows_used rows count (a last, partial batch of held-out windows; the other rows are computed
  // and ignored). rows_used <= 0 means all.
  double loss(const ParameterBuffer& parameters, std::span<const int32_t> tokens, kernels::ThreadPool& pool,
              int64_t rows_used = 0);

  // The logits of the last forward pass (batch * context rows of n_vocab); valid after loss() only, since
  // forward_backward() turns them into their gradient.
  std::span<const float> logits() const;

 private:
  struct Activations;
  void split_tokens(std::span<const int32_t> tokens);
  void forward(const ParameterBuffer& p, kernels::ThreadPool& pool);
  double cross_entropy(float grad_scale, int64_t rows_used, kernels::ThreadPool& pool);
  void backward(const ParameterBuffer& p, ParameterBuffer& g, kernels::ThreadPool& pool);
  // Where tensor `index` of the layout starts in a parameter-shaped buffer.
  template <class Buffer>
  auto* tensor_data(Buffer& buffer, int index) const;

  ModelConfig config_;
  ParameterLayout layout_;
  int64_t batch_, context_;
  std::unique_ptr<Activations> a_;
};

}  // namespace ck::train
