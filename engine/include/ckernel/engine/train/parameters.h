// The trainable parameters of a llama-family model in fp32, in one contiguous buffer (so that the
// optimizer and the gradient norm sweep memory once), each tensor under its GGUF name and shape.
#pragma once

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "ckernel/engine/memory.h"
#include "ckernel/engine/model.h"

namespace ck::train {

// A model cannot be trained as asked (quantized weights, an unsupported feature, a wrong shape).
class TrainError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Where one tensor lives in the parameter buffer. Matrices are row-major: `rows` rows of `cols` floats
// (GGUF ne = [cols, rows]); vectors have rows = 1.
struct ParameterTensor {
  std::string name;  // GGUF name, e.g. "blk.0.attn_q.weight"
  int64_t rows = 1;
  int64_t cols = 0;
  size_t offset = 0;    // floats from the start of the buffer
  bool matrix = false;  // 2-D; only these are weight-decayed, as is customary
  int64_t size() const { return rows * cols; }
};

// The tensors a configuration has, in GGUF order, and their places in one buffer.
class ParameterLayout {
 public:
  explicit ParameterLayout(const ModelConfig& config);

  const std::vector<ParameterTensor>& tensors() const { return tensors_; }
  const ParameterTensor& find(const std::string& name) const;  // throws TrainError when absent
  size_t total() const { return total_; }

  // Per layer, the indices of its tensors in tensors(); -1 for the biases a llama has not.
  struct LayerTensors {
    int attn_norm, wq, wk, wv, bq, bk, bv, wo, ffn_norm, w_gate, w_up, w_down;
  };
  const std::vector<LayerTensors>& layers() const { return layers_; }
  int token_embd() const { return token_embd_; }
  int output_norm() const { return output_norm_; }
  int output() const { return output_; }  // token_embd() when the output is tied

 private:
  int add(std::string name, int64_t rows, int64_t cols, bool matrix);
  std::vector<ParameterTensor> tensors_;
  std::vector<LayerTensors> layers_;
  int token_embd_ = -1, output_norm_ = -1, output_ = -1;
  size_t total_ = 0;
};

// Checks that the training engine supports this configuration (architecture, RoPE scaling, shapes);
// throws TrainError naming what does not fit.
void check_trainable(const ModelConfig& config);

// A buffer of floats laid out by a ParameterLayout: the parameters themselves, their gradients, or an
// optimizer moment. Page-aligned and zeroed, from the engine's BufferAllocator (so that a tenant's training
// memory can come from where its slice puts it, as a session's does).
class ParameterBuffer {
 public:
  explicit ParameterBuffer(size_t count, BufferAllocator& allocator = *default_buffer_allocator())
      : values_(allocator, count) {}

  float* data() { return values_.data(); }
  const float* data() const { return values_.data(); }
  size_t size() const { return values_.size(); }
  std::span<float> tensor(const ParameterTensor& t) { return {values_.data() + t.offset, size_t(t.size())}; }
  std::span<const float> tensor(const ParameterTensor& t) const {
    return {values_.data() + t.offset, size_t(t.size())};
  }

 private:
  TypedBuffer<float> values_;
};

// The shapes `cktrain init` draws weights for (GPT-2's and llama2.c's scheme): matrices and embeddings
// normal(0, 0.02), the projections that write into the residual stream (attn_output, ffn_down) scaled by
// 1 / sqrt(2 * layers), norms at 1, biases at 0. Each tensor draws from its own stream of the seed.
void initialize_parameters(const ParameterLayout& layout, uint64_t seed, ParameterBuffer& values);

// The weights of a loaded model as fp32 parameters; F32, F16 and BF16 tensors are accepted, quantized ones
// refused (TrainError naming the tensor and its type).
ParameterBuffer parameters_from_model(const Model& model, const ParameterLayout& layout);

}  // namespace ck::train
