#include "ckernel/engine/session.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "ckernel/kernels/matmul.h"
#include "ckernel/kernels/type_kernels.h"
#include "model_weights.h"

namespace ck {

using kernels::KvLayer;

constexpr int64_t kDefaultMaxContext = 4096;

// Activations for one batch of tokens, the KV cache and the workers; sized once per session.
struct Session::Buffers {
  Buffers(const ModelConfig& c, int64_t n_ctx, int64_t n_batch, int n_threads, BufferAllocator& memory)
      : pool(n_threads),
        x(memory, size(n_batch * c.n_embd)),
        normed(memory, size(n_batch * c.n_embd)),
        q(memory, size(n_batch * c.n_head * c.head_dim)),
        k(memory, size(n_batch * c.n_head_kv * c.head_dim)),
        v(memory, size(n_batch * c.n_head_kv * c.head_dim)),
        attn(memory, size(n_batch * c.n_head * c.head_dim)),
        projected(memory, size(n_batch * c.n_embd)),
        gate(memory, size(n_batch * c.n_ff)),
        up(memory, size(n_batch * c.n_ff)),
        logits(memory, size(c.n_vocab)),
        k_cache(memory, size(c.n_layer * n_ctx * c.n_head_kv * c.head_dim)),
        v_cache(memory, size(c.n_layer * n_ctx * c.n_head_kv * c.head_dim)) {}

  static size_t size(int64_t n) { return static_cast<size_t>(n); }

  kernels::ThreadPool pool;
  kernels::MatmulScratch scratch;
  TypedBuffer<float> x, normed, q, k, v, attn, projected, gate, up, logits;
  TypedBuffer<uint16_t> k_cache, v_cache;
};

Session::Session(std::shared_ptr<const Model> model, const SessionOptions& options)
    : model_(std::move(model)),
      n_ctx_(options.n_ctx > 0 ? options.n_ctx : std::min(model_->config().n_ctx_train, kDefaultMaxContext)),
      n_batch_(std::max<int64_t>(1, options.n_batch)),
      buffers_(
          std::make_unique<Buffers>(model_->config(), n_ctx_, n_batch_, options.n_threads,
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
  auto per_token = [&](auto&& fn) {
    b.pool.parallel_for(rows, [&](int64_t begin, int64_t end) {
      for (int64_t t = begin; t < end; ++t) fn(t);
    });
  };
  auto add_bias = [&](float* y, const Vector& bias, int64_t dim) {
    if (bias.empty()) return;
    per_token([&](int64_t t) { kernels::add_inplace(y + t * dim, bias.data(), dim); });
  };

  const kernels::DequantizeRowFn embed = kernels::kernels_for(w.token_embd.type).dequantize_row;
  per_token([&](int64_t t) {
    embed(static_cast<const std::byte*>(w.token_embd.data) + tokens[t] * w.token_embd.row_stride,
          b.x.data() + t * c.n_embd, c.n_embd);
  });

  for (int64_t il = 0; il < c.n_layer; ++il) {
    const LayerWeights& l = w.layers[static_cast<size_t>(il)];
    const size_t layer_offset = static_cast<size_t>(il * n_ctx_ * kv_dim);
    const KvLayer kv{b.k_cache.data() + layer_offset, b.v_cache.data() + layer_offset, n_ctx_, c.n_head_kv,
                     c.head_dim};

    per_token([&](int64_t t) {
      kernels::rms_norm(b.x.data() + t * c.n_embd, l.attn_norm.data(), b.normed.data() + t * c.n_embd,
                        c.n_embd, c.rms_eps);
    });
    matmul(l.wq, b.normed.data(), b.q.data());
    matmul(l.wk, b.normed.data(), b.k.data());
    matmul(l.wv, b.normed.data(), b.v.data());
    add_bias(b.q.data(), l.bq, q_dim);
    add_bias(b.k.data(), l.bk, kv_dim);
    add_bias(b.v.data(), l.bv, kv_dim);
    per_token([&](int64_t t) {
      kernels::rope(b.q.data() + t * q_dim, c.n_head, c.head_dim, pos0 + t, c.rope);
      kernels::rope(b.k.data() + t * kv_dim, c.n_head_kv, c.head_dim, pos0 + t, c.rope);
    });
    kernels::kv_store(kv, pos0, n, b.k.data(), b.v.data());
    kernels::attention(b.q.data(), kv, pos0, n, c.n_head, attn_scale, b.attn.data(), b.pool);
    matmul(l.wo, b.attn.data(), b.projected.data());
    if (il == c.n_layer - 1 && rows > 1) {
      // As llama.cpp does: the last layer's feed-forward runs for the output token only, which also
      // makes its matrix products single-token ones.
      std::copy_n(b.x.data() + (rows - 1) * c.n_embd, c.n_embd, b.x.data());
      std::copy_n(b.projected.data() + (rows - 1) * c.n_embd, c.n_embd, b.projected.data());
      rows = 1;
    }
    per_token([&](int64_t t) {
      float* x = b.x.data() + t * c.n_embd;
      kernels::add_inplace(x, b.projected.data() + t * c.n_embd, c.n_embd);
      kernels::rms_norm(x, l.ffn_norm.data(), b.normed.data() + t * c.n_embd, c.n_embd, c.rms_eps);
    });
    matmul(l.w_gate, b.normed.data(), b.gate.data());
    matmul(l.w_up, b.normed.data(), b.up.data());
    per_token([&](int64_t t) {
      kernels::silu_mul(b.gate.data() + t * c.n_ff, b.up.data() + t * c.n_ff, b.gate.data() + t * c.n_ff,
                        c.n_ff);
    });
    matmul(l.w_down, b.gate.data(), b.projected.data());
    per_token([&](int64_t t) {
      kernels::add_inplace(b.x.data() + t * c.n_embd, b.projected.data() + t * c.n_embd, c.n_embd);
    });
  }

  kernels::rms_norm(b.x.data(), w.output_norm.data(), b.normed.data(), c.n_embd, c.rms_eps);
  matmul(w.output, b.normed.data(), b.logits.data());
  n_past_ += n;
}

}  // namespace ck
