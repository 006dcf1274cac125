#include "ckernel/engine/generate.h"

#include <chrono>

namespace ck {
namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

std::string_view stop_reason_name(StopReason reason) {
  switch (reason) {
    case StopReason::length:
      return "length";
    case StopReason::end_of_generation:
      return "eos";
    case StopReason::context_full:
      return "context";
    case StopReason::cancelled:
      return "cancelled";
  }
  return "unknown";
}

std::optional<StopReason> parse_stop_reason(std::string_view name) {
  for (const StopReason reason : kAllStopReasons)
    if (stop_reason_name(reason) == name) return reason;
  return std::nullopt;
}

GenerationResult generate(Session& session, std::string_view prompt, const GenerationOptions& options,
                          const std::function<bool(const GenerationStep&)>& on_step) {
  const Tokenizer& tokenizer = session.model().tokenizer();
  GenerationResult result;
  result.prompt_tokens = tokenizer.encode(prompt, options.add_special, /*parse_special=*/true);
  if (result.prompt_tokens.empty())
    throw SessionError("the prompt is empty and the vocabulary adds no BOS token");

  Sampler sampler(options.sampling);
  for (TokenId t : result.prompt_tokens) sampler.accept(t);
  session.reset();
  auto start = std::chrono::steady_clock::now();
  session.eval(result.prompt_tokens);
  result.prompt_seconds = seconds_since(start);

  start = std::chrono::steady_clock::now();
  for (int32_t i = 0; i < options.n_predict; ++i) {
    const std::span<const float> logits = session.logits();
    const bool forced = static_cast<size_t>(i) < options.forced_tokens.size();
    GenerationStep step;
    step.token = forced ? options.forced_tokens[static_cast<size_t>(i)] : sampler.sample(logits);
    if (!forced && options.stop_at_end_of_generation && tokenizer.is_end_of_generation(step.token)) {
      result.stop_reason = StopReason::end_of_generation;
      break;
    }
    step.top = top_logits(logits, options.top_logits);
    step.piece = tokenizer.piece(step.token, options.render_special);
    sampler.accept(step.token);
    result.text += step.piece;
    result.steps.push_back(step);
    if (on_step && !on_step(result.steps.back())) {
      result.stop_reason = StopReason::cancelled;
      break;
    }
    if (i + 1 == options.n_predict) break;  // the last token need not be evaluated
    if (session.n_past() >= session.n_ctx()) {
      result.stop_reason = StopReason::context_full;
      break;
    }
    session.eval({&step.token, 1});
  }
  result.generation_seconds = seconds_since(start);
  return result;
}

}  // namespace ck
