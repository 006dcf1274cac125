#include "ckernel/engine/train/window_order.h"

#include <utility>

namespace ck::train {

std::vector<uint64_t> epoch_window_order(uint64_t n_windows, uint64_t seed, uint64_t epoch) {
  std::vector<uint64_t> order(n_windows);
  for (uint64_t i = 0; i < n_windows; ++i) order[i] = i;
  SplitMix64 rng(derive_seed(seed, epoch));
  for (uint64_t i = n_windows; i-- > 1;) std::swap(order[i], order[rng.uniform_below(i + 1)]);
  return order;
}

}  // namespace ck::train
