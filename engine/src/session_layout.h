// The sizes of a session's buffers, from the model's shape, its context and its batch: one computation
// for the Session that allocates them and for session_memory_bytes() that says what they cost.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ckernel/engine/model.h"

namespace ck {

struct SessionLayout {
  SessionLayout(const ModelConfig& c, std::int64_t n_ctx, std::int64_t n_batch);

  // Floats of the per-batch activations: one row per token of the batch.
  std::size_t embd;  // x, normed, projected
  std::size_t q;     // q, attn
  std::size_t kv;    // k, v (before they enter the cache)
  std::size_t ff;    // gate, up
  std::size_t rope_angles;
  std::size_t logits;  // of the last token only
  // Cells per layer: the context padded as llama.cpp pads it, since attention reads whole padded spans.
  std::int64_t kv_capacity;
  std::size_t kv_cache;  // fp16 values in each of the K and V caches, all layers

  std::uint64_t bytes() const;
};

}  // namespace ck
