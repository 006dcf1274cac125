#include "session_layout.h"

#include <algorithm>

#include "ckernel/engine/session.h"
#include "ckernel/engine/session_memory.h"
#include "ckernel/kernels/llama_cpp_compat.h"

namespace ck {
namespace {

std::size_t count(std::int64_t n) { return static_cast<std::size_t>(n); }

}  // namespace

SessionLayout::SessionLayout(const ModelConfig& c, std::int64_t n_ctx, std::int64_t n_batch)
    : embd(count(n_batch * c.n_embd)),
      q(count(n_batch * c.n_head * c.head_dim)),
      kv(count(n_batch * c.n_head_kv * c.head_dim)),
      ff(count(n_batch * c.n_ff)),
      rope_angles(count(n_batch * c.rope.n_dims)),
      logits(count(c.n_vocab)),
      kv_capacity(kernels::llama_cpp::padded_kv_length(n_ctx)),
      kv_cache(count(c.n_layer * kv_capacity * c.n_head_kv * c.head_dim)) {}

std::uint64_t SessionLayout::bytes() const {
  // As Session::Buffers allocates them: x, normed, projected; q, attn; k, v; gate, up.
  const std::uint64_t floats = 3 * embd + 2 * q + 2 * kv + 2 * ff + rope_angles + logits;
  return floats * sizeof(float) + 2 * kv_cache * sizeof(std::uint16_t);
}

std::int64_t session_context(const ModelConfig& config, std::int64_t requested) {
  if (requested > 0) return requested;
  return config.n_ctx_train > 0 ? std::min(config.n_ctx_train, kDefaultMaxContext) : kDefaultMaxContext;
}

std::uint64_t session_memory_bytes(const ModelConfig& config, std::int64_t n_ctx, std::int64_t n_batch) {
  return SessionLayout(config, n_ctx, n_batch).bytes();
}

}  // namespace ck
