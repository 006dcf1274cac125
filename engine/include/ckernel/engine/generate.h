// Text generation on a session: tokenize the prompt, evaluate it, then choose and feed tokens one at a
// time, streaming each step to a callback.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ckernel/engine/sampler.h"
#include "ckernel/engine/session.h"

namespace ck {

struct GenerationOptions {
  int32_t n_predict = 128;
  SamplingParams sampling{};
  // Teacher forcing: step i feeds forced_tokens[i] instead of the sampled token (while it lasts).
  std::vector<TokenId> forced_tokens{};
  int32_t top_logits = 0;  // how many of the best logits each step reports
  bool stop_at_end_of_generation = true;
  bool add_special = true;      // BOS as the vocabulary asks
  bool render_special = false;  // spell control tokens such as </s> out in the pieces
};

struct GenerationStep {
  TokenId token;
  std::string piece;
  std::vector<std::pair<TokenId, float>> top;  // highest first
};

// Why generation stopped. stop_reason_name() gives the one set of names ("length", "eos", "context",
// "cancelled") that every program reporting a stop uses, ckd's D-Bus API included; parse_stop_reason()
// reads them back (nullopt for any other text).
enum class StopReason { length, end_of_generation, context_full, cancelled };
inline constexpr StopReason kAllStopReasons[] = {StopReason::length, StopReason::end_of_generation,
                                                 StopReason::context_full, StopReason::cancelled};
std::string_view stop_reason_name(StopReason reason);
std::optional<StopReason> parse_stop_reason(std::string_view name);

struct GenerationResult {
  std::vector<TokenId> prompt_tokens;
  std::vector<GenerationStep> steps;
  std::string text;
  StopReason stop_reason = StopReason::length;
  double prompt_seconds = 0;
  double generation_seconds = 0;
};

// Starts from an empty context. on_step may return false to stop (reason: cancelled).
GenerationResult generate(Session& session, std::string_view prompt, const GenerationOptions& options,
                          const std::function<bool(const GenerationStep&)>& on_step = {});

}  // namespace ck
