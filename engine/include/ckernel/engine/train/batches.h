// Training batches cut from a token stream, and the validation windows.
//
// Windows: over tokens t[0..n), with context c, window w is the c + 1 tokens t[w*c .. w*c + c] (inputs are
// its first c tokens, targets its last c). Consecutive windows overlap by one token, so every token after
// t[0] is a target exactly once per pass. There are n_windows = floor((n - 1) / c) full windows; the
// partial window at the end (the last (n - 1) mod c tokens) is never used. A stream shorter than one
// window (n < c + 1) is a CorpusError giving n and c + 1.
//
// The window stream: epochs 0, 1, 2, ... each visit every window once, epoch e in the order
//   - without shuffle: 0, 1, ..., n_windows - 1 (the same each epoch);
//   - with shuffle: epoch_window_order(n_windows, seed, e) of window_order.h (seeded, reproducible).
// Batches take B consecutive windows of that stream: batch j (counting from 0 at the start of training)
// holds stream positions j*B .. j*B + B - 1, row b being position j*B + b. A batch can straddle an epoch
// boundary; there is no padding and no partial batch. Without shuffle, row b of batch j is therefore
// window (j*B + b) mod n_windows, which starts at token ((j*B + b) mod n_windows) * c.
//
// Output layout: next() writes B rows of c + 1 tokens, row-major (row b at out[b*(c+1) .. b*(c+1) + c]).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "ckernel/engine/tokenizer.h"
#include "ckernel/engine/train/corpus.h"

namespace ck::train {

// Where the sampler is in its window stream; saved in a checkpoint, it continues the exact sequence.
struct SamplerState {
  uint64_t epoch = 0;        // epochs completed (the current epoch's number)
  uint64_t next_window = 0;  // position in the current epoch's order of the next window; < n_windows
  uint64_t seed = 0;         // the shuffle seed (kept without shuffle too, unused there)
  bool operator==(const SamplerState&) const = default;
};

struct BatchOptions {
  int64_t context = 0;  // c >= 1
  int64_t batch = 0;    // B >= 1
  bool shuffle = true;
  uint64_t seed = 0;
};

// Training batches. Holds a view of the tokens, which must outlive it.
class BatchSampler {
 public:
  // Starts at epoch 0, window 0, with options.seed. std::invalid_argument for c < 1 or B < 1.
  BatchSampler(std::span<const TokenId> tokens, const BatchOptions& options);
  // Continues from a saved state (its seed replaces options.seed).
  BatchSampler(std::span<const TokenId> tokens, const BatchOptions& options, const SamplerState& state);

  // Fills `out` (exactly B * (c + 1) tokens; std::invalid_argument otherwise) with the next batch.
  void next(std::span<TokenId> out);

  SamplerState state() const { return state_; }
  // Continues from `state`; next_window == n_windows is read as the start of the next epoch.
  // std::invalid_argument when next_window > n_windows (a state of another corpus or context).
  void restore(const SamplerState& state);

  uint64_t window_count() const { return n_windows_; }
  size_t batch_tokens() const { return static_cast<size_t>(batch_ * (context_ + 1)); }
  // The first token of window w.
  uint64_t window_start(uint64_t w) const { return w * static_cast<uint64_t>(context_); }

 private:
  void start_epoch();

  std::span<const TokenId> tokens_;
  int64_t context_;
  int64_t batch_;
  bool shuffle_;
  uint64_t n_windows_;
  SamplerState state_;
  std::vector<uint64_t> order_;  // the current epoch's order when shuffling
};

// The validation windows, each once, in order 0, 1, ..., n_windows - 1 (the window layout above, stride c,
// partial tail dropped), handed out B at a time for a validation loss over the whole held-out part.
//   - No validation tokens (val_fraction 0): window_count() == 0 and next() returns 0 at once.
//   - Some, but fewer than one window (0 < n < c + 1): CorpusError saying so, with n and c + 1, rather
//     than a validation loss silently computed over nothing.
class EvalBatches {
 public:
  EvalBatches(std::span<const TokenId> tokens, int64_t context, int64_t batch);

  // Writes the next min(B, windows left) windows as rows of `out` (which must hold B * (c + 1) tokens)
  // and returns how many; rows past that are left as they were. 0 once every window has been given.
  size_t next(std::span<TokenId> out);
  void rewind() { next_window_ = 0; }

  uint64_t window_count() const { return n_windows_; }
  size_t batch_tokens() const { return static_cast<size_t>(batch_ * (context_ + 1)); }

 private:
  std::span<const TokenId> tokens_;
  int64_t context_;
  int64_t batch_;
  uint64_t n_windows_;
  uint64_t next_window_ = 0;
};

}  // namespace ck::train
