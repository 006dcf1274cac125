// Chooses the next token from logits: greedy, or repetition penalty -> top-k -> top-p -> min-p ->
// temperature -> a draw from a seeded generator (llama.cpp's default chain). Same seed, same choices.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <random>
#include <span>
#include <utility>
#include <vector>

#include "ckernel/engine/tokenizer.h"

namespace ck {

struct SamplingParams {
  float temperature = 0.8f;  // <= 0: greedy
  int32_t top_k = 40;        // <= 0: all tokens
  float top_p = 0.95f;       // >= 1: off
  float min_p = 0.05f;       // <= 0: off
  float repeat_penalty = 1.0f;
  int32_t repeat_last_n = 64;
  uint64_t seed = 0;
};

class Sampler {
 public:
  explicit Sampler(const SamplingParams& params);

  TokenId sample(std::span<const float> logits);
  // Records a token that joined the context (sampled, forced or from the prompt) for the penalty.
  void accept(TokenId token);

 private:
  double uniform();

  SamplingParams params_;
  std::mt19937_64 rng_;
  std::deque<TokenId> recent_;
  std::vector<std::pair<float, TokenId>> candidates_;
};

// The k largest logits, highest first; ties by lower id.
std::vector<std::pair<TokenId, float>> top_logits(std::span<const float> logits, int k);

}  // namespace ck
