#include "ckernel/engine/train/batches.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "ckernel/engine/train/window_order.h"

namespace ck::train {
namespace {

void check_shape(int64_t context, int64_t batch) {
  if (context < 1) throw std::invalid_argument("context must be at least 1, not " + std::to_string(context));
  if (batch < 1) throw std::invalid_argument("batch must be at least 1, not " + std::to_string(batch));
}

// Full windows of c + 1 tokens at stride c in n tokens.
uint64_t full_windows(size_t n, int64_t context) {
  return n == 0 ? 0 : (n - 1) / static_cast<uint64_t>(context);
}

void check_out(std::span<TokenId> out, size_t expected) {
  if (out.size() != expected) {
    throw std::invalid_argument("batch buffer holds " + std::to_string(out.size()) +
                                " tokens, not batch * (context + 1) = " + std::to_string(expected));
  }
}

void copy_window(std::span<const TokenId> tokens, int64_t context, uint64_t window, TokenId* row) {
  const auto first = tokens.begin() + static_cast<std::ptrdiff_t>(window * static_cast<uint64_t>(context));
  std::copy(first, first + context + 1, row);
}

}  // namespace

BatchSampler::BatchSampler(std::span<const TokenId> tokens, const BatchOptions& options)
    : BatchSampler(tokens, options, SamplerState{.seed = options.seed}) {}

BatchSampler::BatchSampler(std::span<const TokenId> tokens, const BatchOptions& options,
                           const SamplerState& state)
    : tokens_(tokens),
      context_(options.context),
      batch_(options.batch),
      shuffle_(options.shuffle),
      n_windows_(0) {
  check_shape(context_, batch_);
  n_windows_ = full_windows(tokens.size(), context_);
  if (n_windows_ == 0) {
    throw CorpusError("the training tokens are too few for one window: " + std::to_string(tokens.size()) +
                      " tokens, one window needs context + 1 = " + std::to_string(context_ + 1));
  }
  restore(state);
}

void BatchSampler::restore(const SamplerState& state) {
  if (state.next_window > n_windows_) {
    throw std::invalid_argument("sampler state at window " + std::to_string(state.next_window) +
                                " of an epoch of " + std::to_string(n_windows_) +
                                " windows: saved for another corpus or context");
  }
  state_ = state;
  if (state_.next_window == n_windows_) {
    ++state_.epoch;
    state_.next_window = 0;
  }
  start_epoch();
}

void BatchSampler::start_epoch() {
  if (shuffle_) order_ = epoch_window_order(n_windows_, state_.seed, state_.epoch);
}

void BatchSampler::next(std::span<TokenId> out) {
  check_out(out, batch_tokens());
  for (int64_t row = 0; row < batch_; ++row) {
    const uint64_t window = shuffle_ ? order_[state_.next_window] : state_.next_window;
    copy_window(tokens_, context_, window, out.data() + row * (context_ + 1));
    // Keep the state canonical (next_window < n_windows), so a checkpoint taken at an epoch's end already
    // names the next epoch.
    if (++state_.next_window == n_windows_) {
      ++state_.epoch;
      state_.next_window = 0;
      start_epoch();
    }
  }
}

EvalBatches::EvalBatches(std::span<const TokenId> tokens, int64_t context, int64_t batch)
    : tokens_(tokens), context_(context), batch_(batch), n_windows_(0) {
  check_shape(context_, batch_);
  n_windows_ = full_windows(tokens.size(), context_);
  if (!tokens.empty() && n_windows_ == 0) {
    throw CorpusError("the validation part is shorter than one window: " + std::to_string(tokens.size()) +
                      " tokens, one window needs context + 1 = " + std::to_string(context_ + 1) +
                      " (raise val_fraction or lower the context)");
  }
}

size_t EvalBatches::next(std::span<TokenId> out) {
  check_out(out, batch_tokens());
  const uint64_t rows = std::min<uint64_t>(static_cast<uint64_t>(batch_), n_windows_ - next_window_);
  for (uint64_t row = 0; row < rows; ++row) {
    copy_window(tokens_, context_, next_window_++, out.data() + row * static_cast<uint64_t>(context_ + 1));
  }
  return static_cast<size_t>(rows);
}

}  // namespace ck::train
