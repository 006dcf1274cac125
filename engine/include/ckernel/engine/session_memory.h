// What a session costs in memory, from the model's shape alone: for ckd to budget a tenant's memory and
// huge pages, and for ckbench to reserve huge pages, before any session exists.
#pragma once

#include <cstdint>

#include "ckernel/engine/model.h"
#include "ckernel/kernels/llama_cpp_compat.h"

namespace ck {

// The bytes a Session of n_ctx positions (Session::n_ctx()) and n_batch prompt tokens per batch
// (SessionOptions::n_batch) asks of its BufferAllocator: the fp16 KV cache of every layer, its cells
// padded as llama.cpp pads them (kernels::llama_cpp::padded_kv_length), plus one batch's activations,
// its RoPE angles and the logits. Exact: it is computed from the same layout the Session allocates.
// Not counted: the matrix products' conversion scratch (on the heap; n_batch rows of the widest input in
// its activation format) and the thread pool's stacks.
std::uint64_t session_memory_bytes(const ModelConfig& config, std::int64_t n_ctx,
                                   std::int64_t n_batch = kernels::llama_cpp::kPromptBatch);

// The positions a Session holds when asked for `requested` (SessionOptions::n_ctx): that many, or for 0
// the model's training context, at most kDefaultMaxContext (that when the model does
// not say).
std::int64_t session_context(const ModelConfig& config, std::int64_t requested);

}  // namespace ck
