#include "ckernel/engine/train/backprop.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "ckernel/engine/memory.h"

#include "ckernel/kernels/sgemm.h"
#include "ckernel/kernels/train_ops.h"

namespace ck::train {
namespace ops = kernels::train;
using kernels::SgemmOperands;
using kernels::Transpose;

namespace {

// Activations from the engine's BufferAllocator: a tenant's training gets its memory where its slice
// says (its NUMA node, huge pages), as a session's KV cache does.
class Floats {
 public:
  void allocate(BufferAllocator& memory, size_t n) { buffer_ = std::make_unique<TypedBuffer<float>>(memory, n); }
  float* data() const { return buffer_ ? buffer_->data() : nullptr; }
  size_t size() const { return buffer_ ? buffer_->size() : 0; }
  float* begin() const { return data(); }
  float* end() const { return data() + size(); }

 private:
  std::unique_ptr<TypedBuffer<float>> buffer_;
};

// The three products of a linear layer y = x W^T (W: `out` rows of `in`), over `rows` tokens.
struct Linear {
  kernels::ThreadPool& pool;
  kernels::SgemmScratch& scratch;

  // y (=, or += when accumulate) x W^T
  void forward(const float* x, const float* w, int64_t rows, int64_t in, int64_t out, float* y,
               bool accumulate = false) const {
    kernels::sgemm(SgemmOperands{Transpose::no, Transpose::yes, rows, out, in, x, in, w, in, y, out, accumulate},
                   pool, scratch);
  }
  // dx (=, or +=) dy W
  void input_gradient(const float* dy, const float* w, int64_t rows, int64_t in, int64_t out, float* dx,
                      bool accumulate = false) const {
    kernels::sgemm(SgemmOperands{Transpose::no, Transpose::no, rows, in, out, dy, out, w, in, dx, in, accumulate},
                   pool, scratch);
  }
  // dW += dy^T x
  void weight_gradient(const float* dy, const float* x, int64_t rows, int64_t in, int64_t out, float* dw) const {
    kernels::sgemm(SgemmOperands{Transpose::yes, Transpose::no, out, in, rows, dy, out, x, in, dw, in, true}, pool,
                   scratch);
  }
};

}  // namespace

// What the forward pass keeps for the backward pass, per layer, and the backward pass's scratch.
struct Backprop::Activations {
  struct Layer {
    Floats attn_normed, attn_rstd, q, k, v, probs, attn_out, x_mid, ffn_normed, ffn_rstd, gate, up, h;
  };
  std::vector<Floats> residual;  // residual[l]: the input of layer l; residual[n_layer]: the last output
  std::vector<Layer> layers;
  Floats out_normed, out_rstd, logits, losses;
  std::vector<int32_t> inputs, targets;
  Floats rope_cos_sin;
  // The shapes every pass uses, fixed at construction.
  struct Sizes {
    int64_t rows, embd, ff, q_dim, kv_dim;  // rows = batch * context tokens
  } sizes{};
  ops::RopeTable rope{};
  ops::AttentionShape attention{};
  // Backward scratch: the residual stream's gradient and the gradients of one layer's activations.
  Floats d_residual, d_normed, d_h, d_gate, d_up, d_attn, d_q, d_k, d_v;
  kernels::SgemmScratch gemm;
};

Backprop::Backprop(const ModelConfig& config, int64_t batch, int64_t context, BufferAllocator& memory)
    : config_(config), layout_(config), batch_(batch), context_(context), a_(std::make_unique<Activations>()) {
  check_trainable(config);
  if (batch <= 0 || context <= 0) throw TrainError("batch and context must be positive");
  const ModelConfig& c = config_;
  const auto n = static_cast<size_t>(batch * context);
  const auto d = static_cast<size_t>(c.n_embd), f = static_cast<size_t>(c.n_ff);
  const auto q_dim = static_cast<size_t>(c.n_head * c.head_dim), kv_dim = static_cast<size_t>(c.n_head_kv * c.head_dim);
  const ops::AttentionShape shape{batch, context, c.n_head, c.n_head_kv, c.head_dim, 1.0f};
  const auto probs = static_cast<size_t>(ops::attention_probs_size(shape));
  Activations& a = *a_;
  a.residual.resize(static_cast<size_t>(c.n_layer) + 1);
  for (Floats& r : a.residual) r.allocate(memory, n * d);
  a.layers.resize(static_cast<size_t>(c.n_layer));
  for (Activations::Layer& l : a.layers) {
    l.attn_normed.allocate(memory, n * d), l.attn_rstd.allocate(memory, n), l.q.allocate(memory, n * q_dim), l.k.allocate(memory, n * kv_dim);
    l.v.allocate(memory, n * kv_dim), l.probs.allocate(memory, probs), l.attn_out.allocate(memory, n * q_dim), l.x_mid.allocate(memory, n * d);
    l.ffn_normed.allocate(memory, n * d), l.ffn_rstd.allocate(memory, n), l.gate.allocate(memory, n * f), l.up.allocate(memory, n * f), l.h.allocate(memory, n * f);
  }
  a.out_normed.allocate(memory, n * d), a.out_rstd.allocate(memory, n), a.logits.allocate(memory, n * static_cast<size_t>(c.n_vocab));
  a.losses.allocate(memory, n), a.inputs.resize(n), a.targets.resize(n);
  a.rope_cos_sin.allocate(memory, static_cast<size_t>(context * c.rope.n_dims));
  ops::rope_table(c.rope.n_dims, c.rope.freq_base, c.rope.freq_scale, context, a.rope_cos_sin.data());
  a.sizes = {batch * context, c.n_embd, c.n_ff, c.n_head * c.head_dim, c.n_head_kv * c.head_dim};
  a.rope = {c.rope.n_dims, c.rope.neox, context, a.rope_cos_sin.data()};
  a.attention = {batch, context, c.n_head, c.n_head_kv, c.head_dim, 1.0f / std::sqrt(static_cast<float>(c.head_dim))};
  a.d_residual.allocate(memory, n * d), a.d_normed.allocate(memory, n * d), a.d_h.allocate(memory, n * f), a.d_gate.allocate(memory, n * f);
  a.d_up.allocate(memory, n * f), a.d_attn.allocate(memory, n * q_dim), a.d_q.allocate(memory, n * q_dim), a.d_k.allocate(memory, n * kv_dim);
  a.d_v.allocate(memory, n * kv_dim);
}

Backprop::~Backprop() = default;

size_t Backprop::activation_floats() const {
  const Activations& a = *a_;
  size_t total = a.out_normed.size() + a.out_rstd.size() + a.logits.size() + a.losses.size() + a.d_residual.size() +
                 a.d_normed.size() + a.d_h.size() + a.d_gate.size() + a.d_up.size() + a.d_attn.size() +
                 a.d_q.size() + a.d_k.size() + a.d_v.size();
  for (const Floats& r : a.residual) total += r.size();
  for (const Activations::Layer& l : a.layers)
    total += l.attn_normed.size() + l.attn_rstd.size() + l.q.size() + l.k.size() + l.v.size() + l.probs.size() +
             l.attn_out.size() + l.x_mid.size() + l.ffn_normed.size() + l.ffn_rstd.size() + l.gate.size() +
             l.up.size() + l.h.size();
  return total;
}

std::span<const float> Backprop::logits() const { return a_->logits; }

void Backprop::split_tokens(std::span<const int32_t> tokens) {
  const int64_t row = context_ + 1;
  if (static_cast<int64_t>(tokens.size()) != batch_ * row)
    throw TrainError("a micro-batch needs " + std::to_string(batch_ * row) + " tokens (" + std::to_string(batch_) +
                     " rows of " + std::to_string(row) + "), got " + std::to_string(tokens.size()));
  for (int32_t t : tokens)
    if (t < 0 || t >= config_.n_vocab)
      throw TrainError("token id " + std::to_string(t) + " is outside the vocabulary of " +
                       std::to_string(config_.n_vocab) + " tokens");
  for (int64_t b = 0; b < batch_; ++b)
    for (int64_t t = 0; t < context_; ++t) {
      a_->inputs[static_cast<size_t>(b * context_ + t)] = tokens[static_cast<size_t>(b * row + t)];
      a_->targets[static_cast<size_t>(b * context_ + t)] = tokens[static_cast<size_t>(b * row + t + 1)];
    }
}

double Backprop::forward_backward(const ParameterBuffer& parameters, std::span<const int32_t> tokens,
                                  float grad_scale, ParameterBuffer& gradients, kernels::ThreadPool& pool) {
  split_tokens(tokens);
  forward(parameters, pool);
  const double mean_loss = cross_entropy(grad_scale, batch_, pool);
  backward(parameters, gradients, pool);
  return mean_loss;
}

double Backprop::loss(const ParameterBuffer& parameters, std::span<const int32_t> tokens,
                      kernels::ThreadPool& pool, int64_t rows_used) {
  split_tokens(tokens);
  forward(parameters, pool);
  return cross_entropy(0.0f, rows_used > 0 && rows_used < batch_ ? rows_used : batch_, pool);
}

double Backprop::cross_entropy(float grad_scale, int64_t rows_used, kernels::ThreadPool& pool) {
  Activations& a = *a_;
  const auto rows = static_cast<int64_t>(a.targets.size());
  ops::cross_entropy(a.logits.data(), a.targets.data(), rows, config_.n_vocab, grad_scale, a.losses.data(), pool);
  const int64_t counted = rows_used * context_;
  double sum = 0;  // in row order: the same for any thread count
  for (int64_t i = 0; i < counted; ++i) sum += a.losses.data()[i];
  return sum / static_cast<double>(counted);
}

template <class Buffer>
auto* Backprop::tensor_data(Buffer& buffer, int index) const {
  return buffer.data() + layout_.tensors()[static_cast<size_t>(index)].offset;
}

void Backprop::forward(const ParameterBuffer& p, kernels::ThreadPool& pool) {
  const ModelConfig& c = config_;
  Activations& a = *a_;
  const Linear linear{pool, a.gemm};
  const auto [n, d, f, q_dim, kv_dim] = a.sizes;
  auto w = [&](int index) { return tensor_data(p, index); };
  const ops::RopeTable& rope = a.rope;
  const ops::AttentionShape& shape = a.attention;

  ops::embedding_forward(w(layout_.token_embd()), a.inputs.data(), n, d, a.residual[0].data(), pool);
  for (size_t il = 0; il < a.layers.size(); ++il) {
    const ParameterLayout::LayerTensors& lt = layout_.layers()[il];
    Activations::Layer& l = a.layers[il];
    const float* x = a.residual[il].data();
    ops::rms_norm_forward(x, w(lt.attn_norm), n, d, c.rms_eps, l.attn_normed.data(), l.attn_rstd.data(), pool);
    linear.forward(l.attn_normed.data(), w(lt.wq), n, d, q_dim, l.q.data());
    linear.forward(l.attn_normed.data(), w(lt.wk), n, d, kv_dim, l.k.data());
    linear.forward(l.attn_normed.data(), w(lt.wv), n, d, kv_dim, l.v.data());
    if (lt.bq >= 0) {
      ops::add_bias(l.q.data(), w(lt.bq), n, q_dim, pool);
      ops::add_bias(l.k.data(), w(lt.bk), n, kv_dim, pool);
      ops::add_bias(l.v.data(), w(lt.bv), n, kv_dim, pool);
    }
    ops::rope_forward(l.q.data(), n, c.n_head, c.head_dim, rope, pool);
    ops::rope_forward(l.k.data(), n, c.n_head_kv, c.head_dim, rope, pool);
    ops::attention_forward(shape, l.q.data(), l.k.data(), l.v.data(), l.probs.data(), l.attn_out.data(), pool);
    // The residual add after the product, not fused into it: a product's FMA chain that starts from x
    // rounds each of its q_dim steps at the ulp of the residual stream's values instead of the
    // product's, which made x_mid's rounding error about sqrt(q_dim) times larger (2.7e-7 against
    // 5.8e-8 relative in layer 1 of torch_reference_test's llama-tied). The add replaces the copy.
    linear.forward(l.attn_out.data(), w(lt.wo), n, q_dim, d, l.x_mid.data());
    ops::add_into(l.x_mid.data(), a.residual[il].data(), n * d, pool);

    ops::rms_norm_forward(l.x_mid.data(), w(lt.ffn_norm), n, d, c.rms_eps, l.ffn_normed.data(), l.ffn_rstd.data(),
                          pool);
    linear.forward(l.ffn_normed.data(), w(lt.w_gate), n, d, f, l.gate.data());
    linear.forward(l.ffn_normed.data(), w(lt.w_up), n, d, f, l.up.data());
    ops::swiglu_forward(l.gate.data(), l.up.data(), n * f, l.h.data(), pool);
    Floats& out = a.residual[il + 1];
    linear.forward(l.h.data(), w(lt.w_down), n, f, d, out.data());  // and the add after it, as above
    ops::add_into(out.data(), l.x_mid.data(), n * d, pool);
  }
  ops::rms_norm_forward(a.residual.back().data(), w(layout_.output_norm()), n, d, c.rms_eps, a.out_normed.data(),
                        a.out_rstd.data(), pool);
  linear.forward(a.out_normed.data(), w(layout_.output()), n, d, c.n_vocab, a.logits.data());
}

void Backprop::backward(const ParameterBuffer& p, ParameterBuffer& g, kernels::ThreadPool& pool) {
  const ModelConfig& c = config_;
  Activations& a = *a_;
  const Linear linear{pool, a.gemm};
  const auto [n, d, f, q_dim, kv_dim] = a.sizes;
  auto w = [&](int index) { return tensor_data(p, index); };
  auto dw = [&](int index) { return tensor_data(g, index); };
  const ops::RopeTable& rope = a.rope;
  const ops::AttentionShape& shape = a.attention;

  // a.logits holds d(loss)/d(logits) now (cross_entropy overwrote them).
  linear.input_gradient(a.logits.data(), w(layout_.output()), n, d, c.n_vocab, a.d_normed.data());
  linear.weight_gradient(a.logits.data(), a.out_normed.data(), n, d, c.n_vocab, dw(layout_.output()));
  std::fill(a.d_residual.begin(), a.d_residual.end(), 0.0f);
  ops::rms_norm_backward(a.residual.back().data(), w(layout_.output_norm()), a.out_rstd.data(), a.d_normed.data(), n,
                         d, a.d_residual.data(), dw(layout_.output_norm()), pool);

  for (size_t il = a.layers.size(); il-- > 0;) {
    const ParameterLayout::LayerTensors& lt = layout_.layers()[il];
    Activations::Layer& l = a.layers[il];
    // Feed-forward: residual[il + 1] = x_mid + down(silu(gate) * up).
    linear.input_gradient(a.d_residual.data(), w(lt.w_down), n, f, d, a.d_h.data());
    linear.weight_gradient(a.d_residual.data(), l.h.data(), n, f, d, dw(lt.w_down));
    ops::swiglu_backward(l.gate.data(), l.up.data(), a.d_h.data(), n * f, a.d_gate.data(), a.d_up.data(), pool);
    linear.input_gradient(a.d_gate.data(), w(lt.w_gate), n, d, f, a.d_normed.data());
    linear.input_gradient(a.d_up.data(), w(lt.w_up), n, d, f, a.d_normed.data(), true);
    linear.weight_gradient(a.d_gate.data(), l.ffn_normed.data(), n, d, f, dw(lt.w_gate));
    linear.weight_gradient(a.d_up.data(), l.ffn_normed.data(), n, d, f, dw(lt.w_up));
    ops::rms_norm_backward(l.x_mid.data(), w(lt.ffn_norm), l.ffn_rstd.data(), a.d_normed.data(), n, d,
                           a.d_residual.data(), dw(lt.ffn_norm), pool);
    // Attention: x_mid = residual[il] + attention(...) W_o^T; d_residual is d(x_mid) here.
    linear.input_gradient(a.d_residual.data(), w(lt.wo), n, q_dim, d, a.d_attn.data());
    linear.weight_gradient(a.d_residual.data(), l.attn_out.data(), n, q_dim, d, dw(lt.wo));
    ops::attention_backward(shape, l.q.data(), l.k.data(), l.v.data(), l.probs.data(), a.d_attn.data(),
                            a.d_q.data(), a.d_k.data(), a.d_v.data(), pool);
    ops::rope_backward(a.d_q.data(), n, c.n_head, c.head_dim, rope, pool);
    ops::rope_backward(a.d_k.data(), n, c.n_head_kv, c.head_dim, rope, pool);
    if (lt.bq >= 0) {
      ops::bias_backward(a.d_q.data(), n, q_dim, dw(lt.bq), pool);
      ops::bias_backward(a.d_k.data(), n, kv_dim, dw(lt.bk), pool);
      ops::bias_backward(a.d_v.data(), n, kv_dim, dw(lt.bv), pool);
    }
    linear.input_gradient(a.d_q.data(), w(lt.wq), n, d, q_dim, a.d_normed.data());
    linear.input_gradient(a.d_k.data(), w(lt.wk), n, d, kv_dim, a.d_normed.data(), true);
    linear.input_gradient(a.d_v.data(), w(lt.wv), n, d, kv_dim, a.d_normed.data(), true);
    linear.weight_gradient(a.d_q.data(), l.attn_normed.data(), n, d, q_dim, dw(lt.wq));
    linear.weight_gradient(a.d_k.data(), l.attn_normed.data(), n, d, kv_dim, dw(lt.wk));
    linear.weight_gradient(a.d_v.data(), l.attn_normed.data(), n, d, kv_dim, dw(lt.wv));
    ops::rms_norm_backward(a.residual[il].data(), w(lt.attn_norm), l.attn_rstd.data(), a.d_normed.data(), n, d,
                           a.d_residual.data(), dw(lt.attn_norm), pool);
  }
  ops::embedding_backward(a.inputs.data(), n, d, a.d_residual.data(), dw(layout_.token_embd()), pool);
}

}  // namespace ck::train
