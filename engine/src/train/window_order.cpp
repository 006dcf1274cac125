#include "ckernel/engine/train/window_order.h"

#include <stdexcept>
#include <utility>

namespace ck::train {

uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

uint64_t SplitMix64::next() {
  state_ += 0x9E3779B97F4A7C15ull;
  return mix64(state_);
}

uint64_t SplitMix64::uniform_below(uint64_t bound) {
  if (bound == 0) throw std::invalid_argument("uniform_below: bound must be at least 1");
  // 2^64 mod bound values at the bottom of the range would make small results more likely; skip them.
  const uint64_t threshold = (0 - bound) % bound;
  for (;;) {
    const uint64_t r = next();
    if (r >= threshold) return r % bound;
  }
}

std::vector<uint64_t> epoch_window_order(uint64_t n_windows, uint64_t seed, uint64_t epoch) {
  std::vector<uint64_t> order(n_windows);
  for (uint64_t i = 0; i < n_windows; ++i) order[i] = i;
  SplitMix64 rng(mix64(mix64(seed) ^ epoch));
  for (uint64_t i = n_windows; i-- > 1;) std::swap(order[i], order[rng.uniform_below(i + 1)]);
  return order;
}

}  // namespace ck::train
