#include "ckernel/engine/session.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "ckernel/kernels/llama_cpp_compat.h"
#include "ckernel/kernels/matmul.h"
#include "ckernel/kernels/ops.h"
#include "ckernel/kernels/type_kernels.h"
#include "model_weights.h"
#include "session_layout.h"

namespace ck {

using kernels::KvLayer;

// Activations for one batch of tokens, the KV cache and the workers; sized once per session, by the
// layout that session_memory_bytes() counts.
struct Session::Buffers {
  Buffers(const SessionLayout& s, int n_threads, BufferAllocator& memory)
      : pool(n_threads),
        x(memory, s.embd),
        normed(memory, s.embd),
        q(memory, s.q),
        k(memory, s.kv),
        v(memory, s.kv),
        attn(memory, s.q),
        projected(memory, s.embd),
        gate(memory, s.ff),
        up(memory, s.ff),
        logits(memory, s.logits),
        rope_angles(memory, s.rope_angles),
        kv_capacity(s.kv_capacity),
        k_cache(memory, s.kv_cache),
        v_cache(memory, s.kv_cache) {}

  kernels::ThreadPool pool;
  kernels::MatmulScratch scratch;
  TypedBuffer<float> x, normed, q, k, v, attn, projected, gate, up, logits;
  TypedBuffer<float> rope_angles;  // per token of the batch: its position's cos and sin
  int64_t kv_capacity;             // cells per layer (SessionLayout::kv_capacity)
  TypedBuffer<uint16_t> k_cache, v_cache;
};

Session::Session(std::shared_ptr<const Model> model, const SessionOptions& options)
    : model_(std::move(model)),
      n_ctx_(options.n_ctx > 0 ? options.n_ctx : std::min(model_->config().n_ctx_train, kDefaultMaxContext)),
      n_batch_(std::max<int64_t>(1, options.n_batch)),
      buffers_(
          std::make_unique<Buffers>(SessionLayout(model_->config(), n_ctx_, n_batch_), options.n_threads,
                                    options.allocator ? *options.allocator : *default_buffer_allocator())) {}

Session::~Session() = default;

int Session::n_threads() const { return buffers_->pool.size(); }

std::span<const float> Session::logits() const { return buffers_->logits.span(); }

void Session::eval(std::span<const TokenId> tokens) {
  const int64_t n_vocab = model_->config().n_vocab;
  for (TokenId t : tokens)
    if (t < 0 || t >= n_vocab)
      throw SessionError("token id " + std::to_string(t) + " is outside the vocabulary of " +
                         std::to_string(n_vocab) + " tokens");
  if (n_past_ + static_cast<int64_t>(tokens.size()) > n_ctx_)
    throw SessionError("context full: " + std::to_string(n_past_) + " + " + std::to_string(tokens.size()) +
                       " tokens exceed the session's " + std::to_string(n_ctx_) + " positions");
  for (size_t i = 0; i < tokens.size(); i += static_cast<size_t>(n_batch_))
    forward(tokens.subspan(i, std::min(tokens.size() - i, static_cast<size_t>(n_batch_))));
}

void Session::forward(std::span<const TokenId> tokens) {
  const ModelConfig& c = model_->config();
  const ModelWeights& w = model_->weights();
  Buffers& b = *buffers_;
  const int64_t n = static_cast<int64_t>(tokens.size());
  const int64_t q_dim = c.n_head * c.head_dim, kv_dim = c.n_head_kv * c.head_dim;
  const int64_t pos0 = n_past_;
  const float attn_scale = 1.0f / std::sqrt(static_cast<float>(c.head_dim));
  // Tokens whose activations are still needed: all of them until the last layer's attention is done,
  // then only the last one, whose logits are wanted.
  int64_t rows = n;
  auto matmul = [&](const kernels::WeightMatrix& m, const float* in, float* out) {
    kernels::matmul(m, in, rows, out, b.pool, b.scratch);
  };
  // Products of one input: its conversion done once, one barrier for all.
  auto matmul_group = [&](std::initializer_list<kernels::MatmulOutput> outputs, const float* in) {
    kernels::matmul_group(outputs, in, rows, b.pool, b.scratch);
  };
  auto per_token = [&](auto&& fn) {
    b.pool.parallel_for(rows, [&](int64_t begin, int64_t end) {
      for (int64_t t = begin; t < end; ++t) fn(t);
    });
  };
  // Each per-token section does all the element-wise work between two matrix products, so a layer has
  // as few barriers as its data dependencies allow (none of this changes what is computed).
  // The residual add that closes a block (when there is one) and the RMS norm that opens the next.
  auto add_then_norm = [&](const float* residual, const Vector& norm_weight) {
    per_token([&](int64_t t) {
      float* x = b.x.data() + t * c.n_embd;
      if (residual != nullptr) kernels::add_inplace(x, residual + t * c.n_embd, c.n_embd);
      kernels::rms_norm(x, norm_weight.data(), b.normed.data() + t * c.n_embd, c.n_embd, c.rms_eps);
    });
  };
  auto add_bias = [](float* y, const Vector& bias) {
    if (!bias.empty()) kernels::add_inplace(y, bias.data(), static_cast<int64_t>(bias.size()));
  };

  const kernels::DequantizeRowFn embed = kernels::kernels_for(w.token_embd.type).dequantize_row;
  per_token([&](int64_t t) {
    embed(static_cast<const std::byte*>(w.token_embd.data) + tokens[t] * w.token_embd.row_stride,
          b.x.data() + t * c.n_embd, c.n_embd);
    kernels::rope_angles(c.rope, pos0 + t, b.rope_angles.data() + t * c.rope.n_dims);
  });
  add_then_norm(nullptr, w.layers.front().attn_norm);

  for (int64_t il = 0; il < c.n_layer; ++il) {
    const LayerWeights& l = w.layers[static_cast<size_t>(il)];
    const size_t layer_offset = static_cast<size_t>(il * b.kv_capacity * kv_dim);
    const KvLayer kv{b.k_cache.data() + layer_offset, b.v_cache.data() + layer_offset, b.kv_capacity,
                     c.n_head_kv, c.head_dim};

    matmul_group({{l.wq, b.q.data()}, {l.wk, b.k.data()}, {l.wv, b.v.data()}}, b.normed.data());
    per_token([&](int64_t t) {
      float *q = b.q.data() + t * q_dim, *k = b.k.data() + t * kv_dim;
      add_bias(q, l.bq);
      add_bias(k, l.bk);
      add_bias(b.v.data() + t * kv_dim, l.bv);
      const float* angles = b.rope_angles.data() + t * c.rope.n_dims;
      kernels::rope(q, c.n_head, c.head_dim, c.rope, angles);
      kernels::rope(k, c.n_head_kv, c.head_dim, c.rope, angles);
    });
    kernels::kv_store(kv, pos0, n, b.k.data(), b.v.data());
    kernels::attention(b.q.data(), kv, pos0, n, c.n_head, attn_scale, b.attn.data(), b.pool);
    matmul(l.wo, b.attn.data(), b.projected.data());
    if (const int64_t kept = kernels::llama_cpp::last_layer_rows(rows); il == c.n_layer - 1 && kept < rows) {
      // As llama.cpp does: the last layer's feed-forward runs only for the rows whose outputs are wanted
      // (the last ones), which also makes its matrix products single-token ones.
      std::copy_n(b.x.data() + (rows - kept) * c.n_embd, kept * c.n_embd, b.x.data());
      std::copy_n(b.projected.data() + (rows - kept) * c.n_embd, kept * c.n_embd, b.projected.data());
      rows = kept;
    }
    add_then_norm(b.projected.data(), l.ffn_norm);
    matmul_group({{l.w_gate, b.gate.data()}, {l.w_up, b.up.data()}}, b.normed.data());
    per_token([&](int64_t t) {
      kernels::silu_mul(b.gate.data() + t * c.n_ff, b.up.data() + t * c.n_ff, b.gate.data() + t * c.n_ff,
                        c.n_ff);
    });
    matmul(l.w_down, b.gate.data(), b.projected.data());
    const bool last = il + 1 == c.n_layer;
    add_then_norm(b.projected.data(), last ? w.output_norm : w.layers[static_cast<size_t>(il + 1)].attn_norm);
  }

  matmul(w.output, b.normed.data(), b.logits.data());
  n_past_ += n;
}

}  // namespace ck
