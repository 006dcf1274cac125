// One conversation with a model: its own KV cache and thread pool. Tokens are fed in order; after each
// eval() the logits of the last fed token are available.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <vector>

#include "ckernel/engine/memory.h"
#include "ckernel/engine/model.h"
#include "ckernel/kernels/llama_cpp_compat.h"

namespace ck {

// The context a session gets when none is asked for: the model's training context, but at most this many
// positions, so that a model trained on a long context does not take gigabytes of KV cache by default.
inline constexpr int64_t kDefaultMaxContext = 4096;

struct SessionOptions {
  // Positions the KV cache holds; 0: the model's training context, at most kDefaultMaxContext.
  int64_t n_ctx = 0;
  int n_threads = 1;
  // Prompt tokens evaluated together: llama.cpp's default micro-batch, since a batch rounds differently
  // from a single token and the same split keeps results identical to llama.cpp's.
  int64_t n_batch = kernels::llama_cpp::kPromptBatch;
  // Where the KV cache and the batch activations live; null: default_buffer_allocator().
  std::shared_ptr<BufferAllocator> allocator = nullptr;
};

// The session cannot take more tokens (its context is full) or was given a token that does not exist.
class SessionError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Session {
 public:
  Session(std::shared_ptr<const Model> model, const SessionOptions& options);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Appends tokens at the next positions and computes the logits of the last one.
  void eval(std::span<const TokenId> tokens);
  // n_vocab logits of the last evaluated token.
  std::span<const float> logits() const;

  int64_t n_past() const { return n_past_; }
  int64_t n_ctx() const { return n_ctx_; }
  int n_threads() const;
  const Model& model() const { return *model_; }
  // Forgets all tokens; the cache is reused.
  void reset() { n_past_ = 0; }

 private:
  struct Buffers;
  void forward(std::span<const TokenId> tokens);

  std::shared_ptr<const Model> model_;
  int64_t n_ctx_;
  int64_t n_batch_;
  int64_t n_past_ = 0;
  std::unique_ptr<Buffers> buffers_;
};

}  // namespace ck
