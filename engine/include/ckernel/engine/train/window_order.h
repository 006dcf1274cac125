// The order in which a shuffled BatchSampler visits its windows, spelled out so that any implementation
// (a Python reference, another standard library) reproduces it bit for bit, with the generator of
// random.h (std::shuffle and std::uniform_int_distribution differ between standard libraries):
//
//   epoch_window_order(n, seed, epoch): start SplitMix64 at s = mix64(mix64(seed) ^ epoch); take
//     order = [0, 1, ..., n-1]; for i = n-1 down to 1: j = uniform_below(i + 1), swap order[i] and
//     order[j] (Fisher-Yates). The result is a permutation of the windows 0..n-1.
#pragma once

#include <cstdint>
#include <vector>

#include "ckernel/engine/train/random.h"

namespace ck::train {

std::vector<uint64_t> epoch_window_order(uint64_t n_windows, uint64_t seed, uint64_t epoch);

}  // namespace ck::train
